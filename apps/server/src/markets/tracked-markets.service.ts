import type { Clock, Market, SeriesKey, Timeframe } from '@runecast/market';

/** A market Runecast follows, and whether it came from the configuration or was added later. */
export interface TrackedMarket {
  exchange: string;
  symbol: string;
  /** Added through the API or CLI (not in RUNECAST_MARKETS): stopped when removed there. */
  added: boolean;
}

/** A tracked series with the horizons forecast for it. */
export interface TrackedSeries {
  series: SeriesKey;
  horizonsMinutes: readonly number[];
  /** How much history its first model trains on, where that differs from the backfilled days. */
  trainingLookbackMs?: number;
}

/** What the service reads markets added at run time from. */
export interface AddedMarketsReader {
  listMarkets(): Promise<readonly Pick<Market, 'exchange' | 'symbol'>[]>;
}

export interface TrackedMarketsOptions {
  configured: readonly { exchange: string; symbol: string }[];
  timeframe: Timeframe;
  horizonsMinutes: readonly number[];
  markets: AddedMarketsReader;
  clock: Clock;
  /**
   * Series of sources that are not exchanges (runes providers: candles of their poll timeframe,
   * forecast at their own horizons); the tracked timeframe and horizons otherwise.
   */
  seriesOf?: (
    exchange: string,
  ) => { timeframe: Timeframe; horizonsMinutes: readonly number[]; trainingLookbackMs?: number } | undefined;
}

export type TrackedMarketsListener = (markets: readonly TrackedMarket[]) => void | Promise<void>;

/**
 * The markets every role of every process follows: those configured, plus those added through
 * the API (kept in the store, so every process sees them). Roles read the last snapshot, which
 * never waits on the store (the scheduler must not query inside its tick while it holds the
 * embedded database's only connection), and subscribe to hear of changes. `refresh()` reads the
 * store again: the ingest role calls it on a timer and whenever the bus says the markets changed.
 */
export class TrackedMarketsService {
  private snapshot: TrackedMarket[];
  private readonly listeners = new Set<TrackedMarketsListener>();
  private refreshedAtMs: number | null = null;

  constructor(private readonly options: TrackedMarketsOptions) {
    this.snapshot = options.configured.map((market) => ({ ...market, added: false }));
  }

  /** The markets tracked now, configured first. */
  list(): readonly TrackedMarket[] {
    return this.snapshot;
  }

  /** Every tracked market at its timeframe, with its forecast horizons. */
  series(): TrackedSeries[] {
    return this.snapshot.map((market) => {
      const own = this.options.seriesOf?.(market.exchange);
      return {
        series: {
          exchange: market.exchange,
          symbol: market.symbol,
          timeframe: own?.timeframe ?? this.options.timeframe,
        },
        horizonsMinutes: own?.horizonsMinutes ?? this.options.horizonsMinutes,
        ...(own?.trainingLookbackMs === undefined ? {} : { trainingLookbackMs: own.trainingLookbackMs }),
      };
    });
  }

  /** When the store was last read (null before the first refresh). */
  lastRefreshedAtMs(): number | null {
    return this.refreshedAtMs;
  }

  /** Hears of every change of the tracked markets until the returned function is called. */
  subscribe(listener: TrackedMarketsListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Reads the markets added at run time and tells the listeners when the set changed. A listener
   * that fails does not keep the others from hearing; its error is thrown once all have run.
   */
  async refresh(): Promise<readonly TrackedMarket[]> {
    const stored = await this.options.markets.listMarkets();
    const next: TrackedMarket[] = this.options.configured.map((market) => ({ ...market, added: false }));
    for (const market of stored) {
      if (next.some((item) => item.exchange === market.exchange && item.symbol === market.symbol)) continue;
      next.push({ exchange: market.exchange, symbol: market.symbol, added: true });
    }
    this.refreshedAtMs = this.options.clock.now();
    const changed =
      next.length !== this.snapshot.length ||
      next.some(
        (market, index) =>
          market.exchange !== this.snapshot[index]?.exchange ||
          market.symbol !== this.snapshot[index]?.symbol,
      );
    if (!changed) return this.snapshot;
    this.snapshot = next;
    const failures: unknown[] = [];
    for (const listener of this.listeners) {
      try {
        await listener(next);
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new AggregateError(failures, 'listeners of tracked markets failed');
    return next;
  }
}
