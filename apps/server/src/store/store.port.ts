import type {
  Candle,
  CoverageRange,
  DerivedCandle,
  Market,
  MetricPoint,
  SeriesKey,
  AnalysedTextItem,
  TextItem,
  TextItemAnalysis,
  Timeframe,
  TimeRange,
  TopOfBook,
  Trade,
} from '@runecast/market';

/** The last close of one symbol in one bucket of a sampled range. */
export interface SampledClose {
  symbol: string;
  /** Start of the bucket. */
  bucketStartMs: number;
  close: number;
}

/** A page of candles as JSON columns (see `CandleRepository.listCandleColumnsJson`). */
export interface CandleColumnsJson {
  count: number;
  /** Open time of the first candle after the page, or null when the range holds no more. */
  nextFromMs: number | null;
  columnsJson: string;
}

/** Candle rows; writes are idempotent and newer versions of an open candle replace older ones. */
export interface CandleRepository {
  /** Validates, then bulk-writes. Returns rows written. Throws InvalidCandleError before writing anything. */
  upsertCandles(candles: readonly Candle[]): Promise<number>;
  listCandles(series: SeriesKey, range: TimeRange, limit?: number): Promise<Candle[]>;
  /**
   * The first `limit` candles of `range` as columns, already JSON: the members `"times"`,
   * `"open"`, `"high"`, `"low"`, `"close"`, `"volume"` and `"closed"` (arrays), comma-separated,
   * without braces; with how many candles they hold and the open time of the next one, if any.
   */
  listCandleColumnsJson(series: SeriesKey, range: TimeRange, limit: number): Promise<CandleColumnsJson>;
  latestCandle(series: SeriesKey): Promise<Candle | null>;
  /** The stored candles of these symbols that open at `openTimeMs`, in no particular order. */
  candlesOpenAt(
    exchange: string,
    timeframe: Timeframe,
    symbols: readonly string[],
    openTimeMs: number,
  ): Promise<Candle[]>;
  /**
   * For each of these symbols, the close of the last stored candle in every `stepMs` bucket of
   * `range` (buckets counted from `range.startMs`), oldest first: one query for many series.
   */
  sampledCloses(
    exchange: string,
    timeframe: Timeframe,
    symbols: readonly string[],
    range: TimeRange,
    stepMs: number,
  ): Promise<SampledClose[]>;
  countCandles(series: SeriesKey, range?: TimeRange): Promise<number>;
  /** Derive a larger timeframe from stored 1m candles, or from 5m poll candles where no 1m are stored. */
  deriveCandles(series: SeriesKey, range: TimeRange): Promise<DerivedCandle[]>;
}

export interface MarketRepository {
  upsertMarkets(markets: readonly Market[]): Promise<void>;
  listMarkets(filter?: { exchange?: string }): Promise<Market[]>;
  getMarket(exchange: string, symbol: string): Promise<Market | null>;
  removeMarket(exchange: string, symbol: string): Promise<boolean>;
}

export interface TradeRepository {
  insertTrades(trades: readonly Trade[]): Promise<number>;
  listTrades(exchange: string, symbol: string, range: TimeRange, limit?: number): Promise<Trade[]>;
}

export interface TopOfBookRepository {
  insertSamples(samples: readonly TopOfBook[]): Promise<number>;
  latest(exchange: string, symbol: string): Promise<TopOfBook | null>;
}

/**
 * The coverage ledger: per series, which time ranges are known complete (candles stored),
 * known empty (the exchange had no trades) or missing (expected but not fetched).
 */
/** One fetched range of a series and the open times of the candles it held. */
export interface CoverageFetch {
  series: SeriesKey;
  range: TimeRange;
  candleOpenTimesMs: readonly number[];
}

export interface CoverageRepository {
  /** Record that [startMs, endMs) was fetched; each minute with a candle is complete, the rest empty. */
  markFetched(series: SeriesKey, range: TimeRange, candleOpenTimesMs: readonly number[]): Promise<void>;
  /** `markFetched` for many fetches at once, all or none. */
  markFetchedMany(fetches: readonly CoverageFetch[]): Promise<void>;
  /** Ranges of this series in order, with `missing` filled in between known ranges and up to `untilMs`. */
  listCoverage(series: SeriesKey, window?: TimeRange): Promise<CoverageRange[]>;
  /** Missing ranges inside the window. */
  missingRanges(series: SeriesKey, window: TimeRange): Promise<TimeRange[]>;
  /** End of the contiguous known (complete or empty) prefix starting at `fromMs`, or `fromMs` itself. */
  knownUntil(series: SeriesKey, fromMs: number): Promise<number>;
  listSeries(): Promise<SeriesKey[]>;
}

/** Instrument stats from snapshot sources, at poll resolution. */
export interface MetricPointRepository {
  /** Validates all, then stores; a point stored already for the same poll time is replaced. */
  upsertPoints(points: readonly MetricPoint[]): Promise<number>;
  listPoints(
    source: string,
    symbol: string,
    metric: string,
    range: TimeRange,
    limit?: number,
  ): Promise<MetricPoint[]>;
  /** The newest point of each metric of an instrument. */
  latestPoints(source: string, symbol: string): Promise<MetricPoint[]>;
  listMetrics(source: string, symbol: string): Promise<string[]>;
}

/** Text items from text sources, idempotent by source, channel and item id. */
/** One item as the text metrics of markets count it. */
export interface KnownTextItem {
  /** The later of its publication and first sight: when it could first be read. */
  knownAtMs: number;
  sentiment: number | null;
  mentions: string[];
  /** When it was seen deleted (it counts only before that time); null while it stands. */
  deletedAtMs: number | null;
}

/** A stored item with what happened to it since: when it was last edited or seen deleted. */
export interface StoredTextItem extends TextItem, TextItemAnalysis {
  editedAtMs: number | null;
  deletedAtMs: number | null;
}

/** Which stored item: its source, channel and id, and when it was published (from its id on Discord). */
export interface TextItemReference {
  source: string;
  channel: string;
  id: string;
  publishedAtMs: number;
}

/** What identifies a stored item as an article: where it is, its title and address. */
export interface TextItemHeading {
  channel: string;
  id: string;
  title: string | null;
  url: string | null;
  knownAtMs: number;
}

/** Filters of `queryItems`; absent ones do not filter. */
export interface TextItemQuery {
  source: string;
  /** Items of this channel of the source. */
  channel?: string;
  /** Items naming this asset or rune. */
  mention?: string;
  /** Published inside the range (start inclusive, end exclusive). */
  publishedRange?: TimeRange;
  /**
   * Items after this one in the order of the answer (newest published first, then item id and
   * channel descending): where the previous page ended.
   */
  after?: TextItemPosition;
  minSentiment?: number;
  maxSentiment?: number;
  limit: number;
  /** Return only the start of each body, this many characters; the whole body when absent. */
  bodyCharacters?: number;
}

/** Where an item stands in the order of `queryItems`: a page ends at one. */
export interface TextItemPosition {
  publishedAtMs: number;
  id: string;
  channel: string;
}

/** Filters of `listKnownItems`: items that became known inside a window. */
export interface KnownTextItemQuery {
  /** Items of any of these sources. */
  sources: readonly string[];
  channel?: string;
  mention?: string;
  /** Known (the later of published and first seen) inside the range: start exclusive, end inclusive. */
  knownRange: TimeRange;
  /** The newest known items, at most this many. */
  limit: number;
}

export interface TextItemRepository {
  /** Validates all, then stores; an item given with a scorer also stores its analysis. */
  upsertItems(items: readonly (TextItem & Partial<TextItemAnalysis>)[]): Promise<number>;
  listItems(source: string, channel: string | null, range: TimeRange, limit?: number): Promise<TextItem[]>;
  latestItem(source: string, channel: string): Promise<TextItem | null>;
  listRecentHeadings(source: string, sinceKnownMs: number, limit: number): Promise<TextItemHeading[]>;
  listKnown(source: string, range: TimeRange): Promise<KnownTextItem[]>;
  queryItems(query: TextItemQuery): Promise<AnalysedTextItem[]>;
  /**
   * Items known inside a window, newest known first, with how many matched in all (the list
   * stops at the limit, the count does not): what a summary of that window may read.
   */
  listKnownItems(query: KnownTextItemQuery): Promise<{ items: AnalysedTextItem[]; matched: number }>;
  /** The channels of a source with items known inside the range (start exclusive, end inclusive). */
  listKnownChannels(source: string, range: TimeRange): Promise<string[]>;
  /**
   * Removes the text (body) of a source's items known (the later of published and first seen)
   * before `beforeMs`; the items, their times, sentiment and mentions stay. Returns how many
   * texts were removed.
   */
  removeTextKnownBefore(source: string, beforeMs: number): Promise<number>;
  /**
   * Applies an edit made at `editedAtMs`: the text and analysis are replaced unless the item was
   * deleted or a later edit is stored; an item not stored yet is stored as edited. True when written.
   */
  applyEdit(item: TextItem & Partial<TextItemAnalysis>, editedAtMs: number): Promise<boolean>;
  /**
   * Marks an item deleted at `deletedAtMs` and removes its text (its id, times, sentiment and
   * mentions stay); an item not stored yet is stored as a tombstone, so a late copy is never
   * stored. True when written.
   */
  markDeleted(reference: TextItemReference, deletedAtMs: number, seenAtMs: number): Promise<boolean>;
  /** One stored item with its edit and deletion times, or null. */
  getItem(source: string, channel: string, id: string): Promise<StoredTextItem | null>;
}

/** The newest poll of one instrument of one snapshot source. */
export interface InstrumentState {
  source: string;
  symbol: string;
  instrumentId: string | null;
  name: string;
  simulated: boolean;
  firstSeenAtMs: number;
  observedAtMs: number;
  price: number | null;
  metrics: Readonly<Record<string, number>>;
}

/** The newest state of each instrument snapshot sources poll. */
export interface InstrumentRepository {
  record(states: readonly Omit<InstrumentState, 'firstSeenAtMs'>[]): Promise<void>;
  /** Every instrument, or those of the given sources. */
  list(sources?: readonly string[]): Promise<InstrumentState[]>;
  get(source: string, symbol: string): Promise<InstrumentState | null>;
}
