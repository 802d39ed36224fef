/** A market Runecast knows about on one exchange. */
export interface Market {
  exchange: string;
  symbol: string;
  base: string;
  quote: string;
  type: 'spot' | 'swap' | 'future' | 'option' | 'other';
  active: boolean;
  pricePrecision: number | null;
  amountPrecision: number | null;
  addedAtMs: number;
}
