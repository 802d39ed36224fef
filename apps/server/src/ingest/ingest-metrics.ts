import { formatSeriesKey, type SeriesKey, timeframeMs } from '@runecast/market';
import type { RunecastMetrics } from '../observability/metrics.ts';
import type { LiveStats } from './live.service.ts';
import type { Store } from '../store/store.ts';

export interface IngestMetricsOptions {
  metrics: RunecastMetrics;
  store: Store;
  ingestions: () => readonly { exchange: string; stats: LiveStats }[];
  series: () => readonly SeriesKey[];
  /** How far back the ledger is checked for missing ranges. */
  windowMs: number;
  /**
   * "Now" for an exchange's candles: the wall clock for live data, the exchange's own clock
   * for the emulator; null when there is nothing to measure age and lag against.
   */
  nowFor: (exchange: string) => Promise<number | null>;
  intervalMs?: number;
  onError?: (error: unknown) => void;
}

/**
 * Keeps the ingest metrics current: message counts and reconnects (as increments of the live
 * services' own counters), missing ranges in the ledger and the age of the newest candle per
 * series. Returns a function that stops it.
 */
export function recordIngestMetrics(options: IngestMetricsOptions): () => void {
  const { metrics } = options;
  const previous = new Map<string, number>();
  const increment = (key: string, total: number, apply: (delta: number) => void) => {
    const delta = total - (previous.get(key) ?? 0);
    previous.set(key, total);
    if (delta > 0) apply(delta);
  };
  const update = async () => {
    const totals = new Map<string, { candles: number; trades: number; book: number; reconnects: number }>();
    for (const { exchange, stats } of options.ingestions()) {
      const sum = totals.get(exchange) ?? { candles: 0, trades: 0, book: 0, reconnects: 0 };
      sum.candles += stats.candlesWritten;
      sum.trades += stats.tradesWritten;
      sum.book += stats.bookSamplesWritten;
      sum.reconnects += stats.reconnects;
      totals.set(exchange, sum);
    }
    for (const [exchange, sum] of totals) {
      for (const kind of ['candles', 'trades', 'book'] as const) {
        increment(`${exchange}:${kind}`, sum[kind], (delta) =>
          metrics.ingest.messages.inc({ exchange, kind }, delta),
        );
      }
      increment(`${exchange}:reconnects`, sum.reconnects, (delta) =>
        metrics.ingest.reconnects.inc({ exchange }, delta),
      );
    }
    for (const series of options.series()) {
      const key = formatSeriesKey(series);
      const latest = await options.store.candles.latestCandle(series);
      if (latest === null) continue;
      const endMs = latest.openTimeMs;
      const missing = await options.store.coverage.missingRanges(series, {
        startMs: Math.max(0, endMs - options.windowMs),
        endMs,
      });
      metrics.ingest.missingRanges.set({ series: key }, missing.length);
      const nowMs = await options.nowFor(series.exchange);
      if (nowMs !== null) {
        const ageSeconds = Math.max(0, (nowMs - latest.openTimeMs) / 1000);
        metrics.ingest.lastCandleAgeSeconds.set({ series: key }, ageSeconds);
        // A candle can only be stored once it closed: lag is the age beyond one timeframe.
        const lagSeconds = Math.max(0, ageSeconds - timeframeMs(series.timeframe) / 1000);
        metrics.ingest.lagSeconds.set({ exchange: series.exchange, symbol: series.symbol }, lagSeconds);
      }
    }
  };
  const timer = setInterval(() => {
    void update().catch((error: unknown) => options.onError?.(error));
  }, options.intervalMs ?? 15_000);
  void update().catch((error: unknown) => options.onError?.(error));
  return () => clearInterval(timer);
}
