import type { MetricSnapshotMessage } from '@runecast/contracts';
import type { MetricPoint } from '@runecast/market';
import type { Bus } from '../bus/bus.port.ts';
import { metricsTopic } from '../bus/topics.ts';
import { LONGEST_TEXT_WINDOW_MS, TEXT_METRIC_STEP_MS, textMetricsAt } from '../signals/text-metrics.ts';
import type { Store } from '../store/store.ts';

/** A market whose text metrics are written: its instrument and the asset or rune its texts name. */
export interface TextMetricMarket {
  /** The instrument the metric points are stored under (`BTC/USDT`, `DOG•GO•TO•THE•MOON/SATS`). */
  symbol: string;
  /** What an item must mention to count for it (`BTC`, `DOG•GO•TO•THE•MOON`). */
  subject: string;
}

export interface TextMetricsWriterOptions {
  sourceId: string;
  store: Pick<Store, 'textItems' | 'metricPoints'>;
  markets: () => readonly TextMetricMarket[];
  /**
   * A point at time t is written only when a successful cycle ran at most this long before t:
   * then every item known by t was stored when the point is computed. After a longer pause the
   * point is left out (a gap), never counted from a store that was not being filled.
   */
  maxGapMs: number;
  /** Where each market's metrics of each hour are announced once stored (sentiment-shift rules hear them). */
  bus?: Bus | null;
  /** Told when the bus refuses an announcement; the points are stored regardless. */
  onPublishError?: (error: unknown) => void;
}

/** Text metrics are series of the hour grid: `news:BTC/USDT:1h`. */
const TEXT_METRIC_TIMEFRAME = '1h';

/** The instrument and subject of a tracked market: `binance` + `BTC/USDT` → `BTC/USDT` about `BTC`. */
export function textMetricMarketOf(symbol: string): TextMetricMarket {
  return { symbol, subject: symbol.split('/')[0] ?? symbol };
}

/**
 * Writes the text metrics of every market (counts, mean and dispersion of sentiment, shares
 * positive and negative, over 1 h and 24 h) at each full hour, as metric points of the text
 * source (`news:BTC/USDT:1h:sentiment_mean_24h`). Each point counts the items known by its
 * time, by the later of publication and first sight, so a point never uses what was not yet read.
 */
export class TextMetricsWriter {
  private lastCycleAtMs: number | null = null;

  constructor(private readonly options: TextMetricsWriterOptions) {}

  /** Called after each successful collection cycle; returns the points written. */
  async afterCycle(nowMs: number): Promise<number> {
    const previousMs = this.lastCycleAtMs;
    if (previousMs === null) {
      this.lastCycleAtMs = nowMs;
      return 0;
    }
    const times: number[] = [];
    const firstMs = Math.floor(previousMs / TEXT_METRIC_STEP_MS) * TEXT_METRIC_STEP_MS + TEXT_METRIC_STEP_MS;
    for (let timeMs = firstMs; timeMs <= nowMs; timeMs += TEXT_METRIC_STEP_MS) {
      if (timeMs - previousMs <= this.options.maxGapMs) times.push(timeMs);
    }
    const markets = this.options.markets();
    let written = 0;
    if (times.length > 0 && markets.length > 0) {
      const { sourceId, store } = this.options;
      const items = await store.textItems.listKnown(sourceId, {
        startMs: (times[0] ?? nowMs) - LONGEST_TEXT_WINDOW_MS,
        endMs: times.at(-1) ?? nowMs,
      });
      const points: MetricPoint[] = [];
      const announcements: MetricSnapshotMessage[] = [];
      const bySymbol = new Map(markets.map((market) => [market.symbol, market]));
      for (const market of bySymbol.values()) {
        const about = items.filter((item) => item.mentions.includes(market.subject));
        for (const timeMs of times) {
          // A deleted message counts only for points before it was seen deleted.
          const standing = about.filter((item) => item.deletedAtMs === null || item.deletedAtMs > timeMs);
          const metrics = textMetricsAt(standing, timeMs);
          for (const [metric, value] of Object.entries(metrics)) {
            points.push({ source: sourceId, symbol: market.symbol, metric, timeMs, value });
          }
          announcements.push({
            exchange: sourceId,
            symbol: market.symbol,
            timeframe: TEXT_METRIC_TIMEFRAME,
            observedAtMs: timeMs,
            metrics,
          });
        }
      }
      written = await store.metricPoints.upsertPoints(points);
      await this.announce(announcements);
    }
    this.lastCycleAtMs = nowMs;
    return written;
  }

  /** Announces stored metrics; a refusal is reported, never a reason to store them again. */
  private async announce(announcements: readonly MetricSnapshotMessage[]): Promise<void> {
    const { bus } = this.options;
    if (!bus) return;
    for (const announcement of announcements) {
      await bus
        .publish(
          metricsTopic({
            exchange: announcement.exchange,
            symbol: announcement.symbol,
            timeframe: announcement.timeframe,
          }),
          announcement,
        )
        .catch((error: unknown) => this.options.onPublishError?.(error));
    }
  }
}
