/** Where market data comes from; shown in the first lines of `runecast up` and in /health. */
export interface DataMode {
  mode: 'live' | 'replay' | 'simulated';
  description: string;
  emulatorUrl: string | null;
}
