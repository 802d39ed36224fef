import type { Timeframe } from '@runecast/market';

/** One instrument a snapshot source knows (a rune, for runes providers). */
export interface SnapshotInstrument {
  /** The instrument in series-key spelling, e.g. `DOG•GO•TO•THE•MOON/SATS`. */
  symbol: string;
  /** The provider's own id of it where it has one (a rune's `BLOCK:TX`, e.g. `840000:3`). */
  id: string | null;
  /** The name people know it by, e.g. `DOG•GO•TO•THE•MOON`. */
  name: string;
  /** True when this instrument's data is simulated (the emulator labels what it invents). */
  simulated: boolean;
}

/**
 * What one poll saw of one instrument: its price in the quote unit and every other numeric
 * stat the provider gave, by metric name (`holders`, `volume_1d_btc`, …). A stat the provider
 * left out is absent, never zero.
 */
export interface InstrumentSnapshot {
  source: string;
  symbol: string;
  /** When the provider says the values hold; the poll time when it does not say. */
  observedAtMs: number;
  /** Price in the quote unit of `symbol`, or null when the provider gave none. */
  price: number | null;
  metrics: Readonly<Record<string, number>>;
  simulated: boolean;
}

/** A row of a provider's answer that failed validation: never stored, its slot stays missing. */
export interface RejectedSnapshot {
  symbol: string | null;
  reason: string;
}

export interface SnapshotBatch {
  snapshots: InstrumentSnapshot[];
  rejected: RejectedSnapshot[];
}

export interface SnapshotSourceCapabilities {
  /** How often the collector polls; the timeframe of the price candles built from the polls. */
  pollTimeframe: Timeframe;
  /** Most instruments one `fetchSnapshots` call takes. */
  batchLimit: number;
  /** Minimum spacing between calls, from the provider's published rate limit. */
  rateLimitMs: number;
  /**
   * A metric that only grows (total volume traded, in any unit): the volume of a price candle is
   * its growth over the slot. Without one, candle volumes are zero.
   */
  cumulativeVolumeMetric?: string;
}

/**
 * A source of instrument stats polled on an interval (runes providers: Ordiscan, UniSat,
 * GeniiData). Implementations validate every row, map their errors onto RateLimitedError /
 * TransientSourceError / UnsupportedError / BadSymbolError, and never invent a value.
 */
export interface SnapshotSource {
  readonly id: string;
  readonly kind: 'snapshots';
  readonly capabilities: SnapshotSourceCapabilities;
  /** True when everything it serves is simulated. */
  readonly simulated: boolean;
  /** The instruments it can poll, most important first (runes: by market cap). */
  listInstruments(params?: { limit?: number; signal?: AbortSignal }): Promise<SnapshotInstrument[]>;
  /** One snapshot per instrument it could read; the rest in `rejected` with the reason. */
  fetchSnapshots(params: { symbols: readonly string[]; signal?: AbortSignal }): Promise<SnapshotBatch>;
  close(): Promise<void>;
}
