import {
  maxCandlesPerBatch,
  type MetricSnapshotMessage,
  toCandleColumns,
  type CandleBatchMessage,
} from '@runecast/contracts';
import {
  type Candle,
  type Clock,
  floorToGrid,
  type MetricPoint,
  type SeriesKey,
  timeframeMs,
} from '@runecast/market';
import type { Bus } from '../bus/bus.port.ts';
import { candlesTopic, metricsTopic } from '../bus/topics.ts';
import type { HealthCheck } from '../observability/health.ts';
import type { Logger } from '../observability/logger.ts';
import type { InstrumentSnapshot, SnapshotSource } from '../sources/snapshot-source.port.ts';
import type { Store } from '../store/store.ts';
import { retryDelayMs, sleep, DEFAULT_BACKOFF } from './backoff.ts';
import { type IngestFaultListener, providerFaultKind } from './fault-reporter.ts';

/** The `source` label of a snapshot provider's faults (its id is the `exchange` label). */
export const SNAPSHOT_FAULT_SOURCE = 'snapshots';

export interface SnapshotCollectorOptions {
  source: SnapshotSource;
  store: Store;
  bus: Bus | null;
  clock: Clock;
  logger: Logger;
  /** The instruments (series-key spelling) to poll this cycle. */
  symbols(): readonly string[] | Promise<readonly string[]>;
  /** A cycle that takes longer than this is given up (its instruments keep their last good snapshot). */
  cycleTimeoutMs?: number;
  /** Told when the bus refuses a message about stored data. */
  onPublishError?: (error: unknown) => void;
  /** The provider's id and name of an instrument, where its list gave them. */
  instrumentOf?: (symbol: string) => { id: string | null; name: string } | undefined;
  /**
   * Told of every failed cycle (the provider's 429, 5xx, timeout or malformed answer that ended
   * it; the next cycle retries) and of the first good cycle after failures. With it, the
   * outage and the recovery are logged once each by the listener and each failed cycle is only
   * a debug line here.
   */
  faults?: IngestFaultListener;
}

export interface SnapshotCollectorStats {
  cycles: number;
  snapshotsStored: number;
  pointsStored: number;
  rejected: number;
  failures: number;
  lastSuccessAtMs: number | null;
  lastError: string | null;
}

/** An instrument's candle of the slot being polled, built from the polls inside it. */
interface OpenSlot {
  candle: Candle;
  /** The last value of the source's cumulative volume metric, for the next delta. */
  cumulativeVolume: number | null;
}

/**
 * Polls one snapshot source on its timeframe, one cycle at a time (a slow cycle delays the next
 * instead of overlapping it): each instrument's price becomes a candle of the poll timeframe
 * (open, high, low and close of the polls inside it; volume from the deltas of the source's
 * cumulative volume metric where it declares one), and every other stat a metric point. A
 * poll that succeeded marks its slot complete in the coverage ledger; a missed one stays a gap.
 */
export class SnapshotCollector {
  private readonly slots = new Map<string, OpenSlot>();
  /** When the first cycle started: until it ends, the source has not yet had its chance. */
  private firstCycleAtMs: number | null = null;
  private readonly counters: SnapshotCollectorStats = {
    cycles: 0,
    snapshotsStored: 0,
    pointsStored: 0,
    rejected: 0,
    failures: 0,
    lastSuccessAtMs: null,
    lastError: null,
  };

  constructor(private readonly options: SnapshotCollectorOptions) {}

  get sourceId(): string {
    return this.options.source.id;
  }

  stats(): SnapshotCollectorStats {
    return { ...this.counters };
  }

  /** Polls until `signal` aborts; failures are counted, logged and retried with backoff. */
  async run(signal: AbortSignal): Promise<void> {
    const { source, clock, logger } = this.options;
    const periodMs = timeframeMs(source.capabilities.pollTimeframe);
    let failuresInRow = 0;
    while (!signal.aborted) {
      const startedMs = clock.now();
      let waitMs = periodMs - (startedMs % periodMs);
      try {
        await this.pollOnce(signal);
        failuresInRow = 0;
      } catch (error) {
        if (signal.aborted) return;
        failuresInRow += 1;
        waitMs = Math.min(
          waitMs,
          retryDelayMs(error, { ...DEFAULT_BACKOFF, maxDelayMs: periodMs }, failuresInRow),
        );
        const fields = { err: error, source: source.id, retryInMs: waitMs };
        if (this.options.faults) logger.debug(fields, 'snapshot poll failed');
        else logger.warn(fields, 'snapshot poll failed');
      }
      try {
        await sleep(Math.max(waitMs, 1_000), signal);
      } catch {
        return;
      }
    }
  }

  /** One cycle: every instrument once, in batches the source accepts. Returns snapshots stored. */
  async pollOnce(signal?: AbortSignal): Promise<number> {
    const { source, logger } = this.options;
    const cycleSignal = AbortSignal.any([
      ...(signal ? [signal] : []),
      AbortSignal.timeout(this.options.cycleTimeoutMs ?? timeframeMs(source.capabilities.pollTimeframe)),
    ]);
    this.counters.cycles += 1;
    this.firstCycleAtMs ??= this.options.clock.now();
    const symbols = [...(await this.options.symbols())];
    let stored = 0;
    try {
      for (let index = 0; index < symbols.length; index += source.capabilities.batchLimit) {
        if (index > 0 && source.capabilities.rateLimitMs > 0) {
          await sleep(source.capabilities.rateLimitMs, cycleSignal);
        }
        const batch = await source.fetchSnapshots({
          symbols: symbols.slice(index, index + source.capabilities.batchLimit),
          signal: cycleSignal,
        });
        for (const rejected of batch.rejected) {
          logger.warn(
            { source: source.id, symbol: rejected.symbol, reason: rejected.reason },
            'snapshot row rejected',
          );
        }
        this.counters.rejected += batch.rejected.length;
        stored += await this.store(batch.snapshots);
      }
    } catch (error) {
      this.counters.failures += 1;
      this.counters.lastError = error instanceof Error ? error.message : String(error);
      if (!signal?.aborted) this.reportFault(error);
      throw error;
    }
    this.counters.lastSuccessAtMs = this.options.clock.now();
    this.counters.lastError = null;
    this.options.faults?.recovered({ exchange: source.id, source: SNAPSHOT_FAULT_SOURCE });
    if (stored > 0) logger.info({ source: source.id, instruments: stored }, 'snapshots stored');
    return stored;
  }

  /** One fault per failed cycle: a cycle stops at the first request that fails. */
  private reportFault(error: unknown): void {
    try {
      this.options.faults?.fault({
        exchange: this.options.source.id,
        source: SNAPSHOT_FAULT_SOURCE,
        kind: providerFaultKind(error),
        message: error instanceof Error ? error.message : String(error),
        series: null,
        retrying: true,
      });
    } catch {
      // A listener's bug must not stop collection; the failure is counted in the stats.
    }
  }

  /** Stores one batch: candles, metric points, then the coverage of each polled slot. */
  async store(snapshots: readonly InstrumentSnapshot[]): Promise<number> {
    const { source, store } = this.options;
    const timeframe = source.capabilities.pollTimeframe;
    const own = snapshots.filter((snapshot) => snapshot.source === source.id);
    await this.resumeSlots(own);
    const candles: Candle[] = [];
    const points: MetricPoint[] = [];
    const slotsPolled: { series: SeriesKey; slotMs: number; priced: boolean }[] = [];
    for (const snapshot of own) {
      const series: SeriesKey = { exchange: source.id, symbol: snapshot.symbol, timeframe };
      const slotMs = floorToGrid(snapshot.observedAtMs, timeframe);
      for (const [metric, value] of Object.entries(snapshot.metrics)) {
        points.push({
          source: source.id,
          symbol: snapshot.symbol,
          metric,
          timeMs: snapshot.observedAtMs,
          value,
        });
      }
      if (snapshot.price !== null) candles.push(...this.advance(series, slotMs, snapshot));
      slotsPolled.push({ series, slotMs, priced: snapshot.price !== null });
    }
    // Three independent writes; on PostgreSQL they run on separate connections at once. A slot is
    // marked complete in the ledger only after its candle is stored.
    const [, pointsStored] = await Promise.all([
      store.candles.upsertCandles(candles).then(() =>
        store.coverage.markFetchedMany(
          slotsPolled.map(({ series, slotMs, priced }) => ({
            series,
            range: { startMs: slotMs, endMs: slotMs + timeframeMs(timeframe) },
            candleOpenTimesMs: priced ? [slotMs] : [],
          })),
        ),
      ),
      store.metricPoints.upsertPoints(points),
      store.instruments.record(
        own.map((snapshot) => {
          const known = this.options.instrumentOf?.(snapshot.symbol);
          return {
            source: source.id,
            symbol: snapshot.symbol,
            instrumentId: known?.id ?? null,
            name: known?.name ?? snapshot.symbol.split('/')[0] ?? snapshot.symbol,
            simulated: snapshot.simulated,
            observedAtMs: snapshot.observedAtMs,
            price: snapshot.price,
            metrics: snapshot.metrics,
          };
        }),
      ),
    ]);
    this.counters.pointsStored += pointsStored;
    this.counters.snapshotsStored += slotsPolled.length;
    await this.publish(candles);
    await this.publishMetrics(own);
    return slotsPolled.length;
  }

  /** Announces each instrument's stored stats (the alerts role watches rune holders and volume). */
  private async publishMetrics(snapshots: readonly InstrumentSnapshot[]): Promise<void> {
    const { bus, source } = this.options;
    if (!bus) return;
    for (const snapshot of snapshots) {
      if (Object.keys(snapshot.metrics).length === 0) continue;
      const series: SeriesKey = {
        exchange: source.id,
        symbol: snapshot.symbol,
        timeframe: source.capabilities.pollTimeframe,
      };
      const payload: MetricSnapshotMessage = {
        exchange: series.exchange,
        symbol: series.symbol,
        timeframe: series.timeframe,
        observedAtMs: snapshot.observedAtMs,
        metrics: { ...snapshot.metrics },
      };
      await bus.publish(metricsTopic(series), payload).catch((error: unknown) => {
        this.options.onPublishError?.(error);
        this.options.logger.warn(
          { err: error, source: source.id, symbol: snapshot.symbol },
          'could not announce stored stats',
        );
      });
    }
  }

  /**
   * After a restart, a slot already begun continues from its stored candle: the instruments
   * this process has not seen yet are looked up in one query per slot.
   */
  private async resumeSlots(snapshots: readonly InstrumentSnapshot[]): Promise<void> {
    const { source, store } = this.options;
    const timeframe = source.capabilities.pollTimeframe;
    const volumeMetric = source.capabilities.cumulativeVolumeMetric;
    const unseen = new Map<number, Map<string, InstrumentSnapshot>>();
    for (const snapshot of snapshots) {
      if (snapshot.price === null || this.slots.has(snapshot.symbol)) continue;
      const slotMs = floorToGrid(snapshot.observedAtMs, timeframe);
      const bySymbol = unseen.get(slotMs) ?? new Map<string, InstrumentSnapshot>();
      if (!bySymbol.has(snapshot.symbol)) bySymbol.set(snapshot.symbol, snapshot);
      unseen.set(slotMs, bySymbol);
    }
    for (const [slotMs, bySymbol] of unseen) {
      const stored = await store.candles.candlesOpenAt(source.id, timeframe, [...bySymbol.keys()], slotMs);
      for (const candle of stored) {
        const snapshot = bySymbol.get(candle.symbol);
        // The growth before this process's first poll of the slot is already in the candle.
        const cumulative = volumeMetric === undefined ? null : (snapshot?.metrics[volumeMetric] ?? null);
        this.slots.set(candle.symbol, { candle, cumulativeVolume: cumulative });
      }
    }
  }

  /**
   * The candles one snapshot writes: its slot's candle updated with the price, and the
   * previous slot's candle closed when this snapshot opens a new slot.
   */
  private advance(series: SeriesKey, slotMs: number, snapshot: InstrumentSnapshot): Candle[] {
    const price = snapshot.price as number;
    const volumeMetric = this.options.source.capabilities.cumulativeVolumeMetric;
    const cumulative = volumeMetric === undefined ? null : (snapshot.metrics[volumeMetric] ?? null);
    const open = this.slots.get(series.symbol);
    const written: Candle[] = [];
    if (open && open.candle.openTimeMs === slotMs) {
      const candle = open.candle;
      const volumeDelta =
        cumulative !== null && open.cumulativeVolume !== null
          ? Math.max(0, cumulative - open.cumulativeVolume)
          : 0;
      open.candle = {
        ...candle,
        high: Math.max(candle.high, price),
        low: Math.min(candle.low, price),
        close: price,
        volume: candle.volume + volumeDelta,
      };
      open.cumulativeVolume = cumulative ?? open.cumulativeVolume;
      written.push(open.candle);
    } else {
      if (open && open.candle.openTimeMs < slotMs && !open.candle.closed) {
        written.push({ ...open.candle, closed: true });
      }
      // Volume is the growth since the previous slot's last poll; after a missed slot it is
      // unknown how much of the growth fell into this one, so none is claimed.
      const follows = open !== undefined && open.candle.openTimeMs === slotMs - timeframeMs(series.timeframe);
      const volume =
        follows && cumulative !== null && open?.cumulativeVolume != null
          ? Math.max(0, cumulative - open.cumulativeVolume)
          : 0;
      const candle: Candle = {
        ...series,
        openTimeMs: slotMs,
        open: price,
        high: price,
        low: price,
        close: price,
        volume,
        quoteVolume: null,
        tradeCount: null,
        closed: false,
      };
      this.slots.set(series.symbol, { candle, cumulativeVolume: cumulative });
      written.push(candle);
    }
    return written;
  }

  private async publish(candles: readonly Candle[]): Promise<void> {
    const { bus, source } = this.options;
    if (!bus) return;
    const bySymbol = new Map<string, Candle[]>();
    for (const candle of candles)
      bySymbol.set(candle.symbol, [...(bySymbol.get(candle.symbol) ?? []), candle]);
    for (const [symbol, own] of bySymbol) {
      const series: SeriesKey = { exchange: source.id, symbol, timeframe: source.capabilities.pollTimeframe };
      for (let index = 0; index < own.length; index += maxCandlesPerBatch) {
        const payload: CandleBatchMessage = {
          exchange: series.exchange,
          symbol,
          timeframe: series.timeframe,
          candles: toCandleColumns(own.slice(index, index + maxCandlesPerBatch)),
          source: {
            label: `${source.id}:${source.simulated ? 'simulated' : 'live'}`,
            simulated: source.simulated,
          },
        };
        await bus.publish(candlesTopic(series), payload).catch((error: unknown) => {
          this.options.onPublishError?.(error);
          this.options.logger.warn(
            { err: error, source: source.id, symbol },
            'could not announce stored candles',
          );
        });
      }
    }
  }

  /**
   * Health of this source: degraded after a failed cycle or three periods without success. A
   * first cycle still under way is not a failure (a provider's rate limit can make it take a
   * minute). An outside provider failing degrades this process; it does not bring it down.
   */
  healthCheck(): HealthCheck {
    return {
      name: `source:${this.options.source.id}`,
      check: async () => {
        const periodMs = timeframeMs(this.options.source.capabilities.pollTimeframe);
        const { lastSuccessAtMs, lastError, cycles } = this.counters;
        const ageMs = lastSuccessAtMs === null ? null : this.options.clock.now() - lastSuccessAtMs;
        const details = { kind: 'snapshots', lastSuccessAtMs, lastError, cycles };
        if (cycles === 0) return { state: 'ok', reason: null, details };
        if (ageMs === null && lastError === null && this.firstCycleAtMs !== null) {
          const waitedMs = this.options.clock.now() - this.firstCycleAtMs;
          if (waitedMs <= 3 * periodMs) return { state: 'ok', reason: null, details };
        }
        if (ageMs === null || ageMs > 3 * periodMs) {
          return { state: 'degraded', reason: lastError ?? 'no successful poll in three periods', details };
        }
        if (lastError !== null) return { state: 'degraded', reason: lastError, details };
        return { state: 'ok', reason: null, details };
      },
    };
  }
}
