import { type Candle, sameOhlcv, type Timeframe, timeframeMs, type TimeRange } from '@runecast/market';

export interface StreamCandleTrackerOptions {
  timeframe: Timeframe;
  /** Open time of the first candle the stream may finalize; earlier ones came over REST. */
  startMs: number;
  /**
   * Batches with a later candle that must arrive before a candle counts as final. One would
   * do if messages never came out of order; two lets the last update of a candle arrive just
   * after the first update of the next one.
   */
  confirmations?: number;
  /** How many finalized candles are remembered to spot a late, fuller version of one. */
  memory?: number;
}

export interface TrackerUpdate {
  /** Candles now final (closed), oldest first. */
  finalized: Candle[];
  /** Stretches the stream skipped between final candles: they need a REST fetch. */
  skipped: TimeRange[];
  /** Open times of final candles a late message showed to be incomplete: fetch them again. */
  corrections: number[];
  /** The candle still in progress, when this batch changed it. */
  current: Candle | null;
  duplicates: number;
  /** Messages older than what was already final, or an older version of a pending candle. */
  outOfOrder: number;
}

/**
 * Decides when a streamed candle is final. Streams resend the in-progress candle as it grows,
 * may repeat or reorder messages, and never say "closed" through ccxt; a candle is final once
 * `confirmations` batches carrying later candles have arrived. Within one candle the volume
 * only grows, so a version with less volume than the one held is an old message arriving late.
 * Pure state, no I/O.
 */
export class StreamCandleTracker {
  private readonly stepMs: number;
  private readonly confirmations: number;
  private readonly memory: number;
  private readonly pending = new Map<number, { candle: Candle; confirmations: number }>();
  private readonly recentFinal = new Map<number, Candle>();
  private nextFinalMs: number;
  private readonly startMs: number;
  /** Newest open time seen in earlier batches: a message about an older candle after it came out of order. */
  private newestSeenMs = Number.NEGATIVE_INFINITY;

  constructor(options: StreamCandleTrackerOptions) {
    this.stepMs = timeframeMs(options.timeframe);
    this.confirmations = Math.max(1, options.confirmations ?? 2);
    this.memory = Math.max(1, options.memory ?? 16);
    this.nextFinalMs = options.startMs;
    this.startMs = options.startMs;
  }

  /** Open time of the earliest candle not yet final from the stream. */
  get finalUntilMs(): number {
    return this.nextFinalMs;
  }

  accept(batch: readonly Candle[]): TrackerUpdate {
    const update: TrackerUpdate = {
      finalized: [],
      skipped: [],
      corrections: [],
      current: null,
      duplicates: 0,
      outOfOrder: 0,
    };
    let newestInBatchMs = Number.NEGATIVE_INFINITY;
    for (const candle of [...batch].sort((left, right) => left.openTimeMs - right.openTimeMs)) {
      newestInBatchMs = Math.max(newestInBatchMs, candle.openTimeMs);
      // Before the start is REST's stretch (streams often replay recent candles on subscribe).
      if (candle.openTimeMs < this.startMs) continue;
      const late = candle.openTimeMs < this.newestSeenMs;
      if (candle.openTimeMs < this.nextFinalMs) {
        const final = this.recentFinal.get(candle.openTimeMs);
        if (final !== undefined && sameOhlcv(final, candle)) update.duplicates += 1;
        else {
          update.outOfOrder += 1;
          if (final !== undefined && candle.volume > final.volume) {
            update.corrections.push(candle.openTimeMs);
            this.recentFinal.set(candle.openTimeMs, { ...candle, closed: true });
          }
        }
        continue;
      }
      const held = this.pending.get(candle.openTimeMs);
      const stale = held !== undefined && candle.volume < held.candle.volume;
      if (late || stale) update.outOfOrder += 1;
      else if (held !== undefined && sameOhlcv(held.candle, candle)) update.duplicates += 1;
      if (held === undefined) {
        this.pending.set(candle.openTimeMs, { candle: { ...candle, closed: false }, confirmations: 0 });
      } else if (!stale) {
        // A fuller version is taken even when it comes late: it is still the newer news of that candle.
        held.candle = { ...candle, closed: false };
      }
    }
    if (newestInBatchMs === Number.NEGATIVE_INFINITY) return update;
    this.newestSeenMs = Math.max(this.newestSeenMs, newestInBatchMs);

    const newestPendingMs = Math.max(...this.pending.keys());
    for (const [openTimeMs, held] of this.pending) {
      if (openTimeMs < newestPendingMs && openTimeMs < newestInBatchMs) held.confirmations += 1;
    }
    for (const openTimeMs of [...this.pending.keys()].sort((left, right) => left - right)) {
      const held = this.pending.get(openTimeMs)!;
      if (held.confirmations < this.confirmations) break;
      this.pending.delete(openTimeMs);
      if (openTimeMs > this.nextFinalMs)
        update.skipped.push({ startMs: this.nextFinalMs, endMs: openTimeMs });
      const final = { ...held.candle, closed: true };
      update.finalized.push(final);
      this.remember(final);
      this.nextFinalMs = openTimeMs + this.stepMs;
    }
    const current = this.pending.get(newestPendingMs);
    update.current = current === undefined ? null : current.candle;
    return update;
  }

  private remember(candle: Candle): void {
    this.recentFinal.set(candle.openTimeMs, candle);
    if (this.recentFinal.size > this.memory) {
      const oldest = Math.min(...this.recentFinal.keys());
      this.recentFinal.delete(oldest);
    }
  }
}
