/**
 * What a source provides. A source declares its kinds, and the ingest role runs one collector
 * per kind it declares:
 * - `candles`: exchange market data (candles, trades, top of book) through `MarketDataSource`;
 * - `snapshots`: instrument stats polled on an interval (runes providers) through `SnapshotSource`;
 * - `text`: dated text items (Discord messages, news articles) through `TextSource`.
 */
export const SOURCE_KINDS = ['candles', 'snapshots', 'text'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** One registered source as the registry lists it. */
export interface SourceDescription {
  id: string;
  kinds: readonly SourceKind[];
  /** True when its data is simulated rather than recorded or live. */
  simulated: boolean;
}
