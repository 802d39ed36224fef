import type { BackfillProgressMessage, IngestFaultMessage } from '@runecast/contracts';
import type { IngestFaultListener } from './fault-reporter.ts';
import type { Bus } from '../bus/bus.port.ts';
import { backfillProgressTopic, ingestFaultsTopic } from '../bus/topics.ts';
import {
  type Candle,
  floorToGrid,
  formatSeriesKey,
  RateLimitedError,
  type SeriesKey,
  timeframeMs,
  type TimeRange,
  TransientSourceError,
  UnsupportedError,
  ValidationError,
} from '@runecast/market';
import type { CandlePage, MarketDataSource } from '../sources/market-data-source.port.ts';
import type { CandleRepository, CoverageRepository } from '../store/store.port.ts';
import { DEFAULT_BACKOFF, isRetryable, retryDelayMs, sleep, type BackoffPolicy } from './backoff.ts';
import { pageFromCandles, planPageCoverage, type LedgerEntry } from './page-coverage.ts';

/** The repositories a backfill writes through. */
export interface BackfillStore {
  candles: Pick<CandleRepository, 'upsertCandles'>;
  coverage: Pick<CoverageRepository, 'markFetched' | 'missingRanges'>;
}

export interface BackfillServiceOptions {
  source: MarketDataSource;
  store: BackfillStore;
  /** Progress and fault events go here when given. */
  bus?: Bus;
  backoff?: BackoffPolicy;
  /** Tries per page (the first included) before the backfill fails. */
  maxAttemptsPerPage?: number;
  /** Sweeps over the ledger's missing ranges; later sweeps repair what earlier ones could not. */
  maxPasses?: number;
  /** Shortest spacing of progress events (the last one is always sent). */
  progressIntervalMs?: number;
  /** Candles per request; defaults to the exchange's page limit. */
  pageLimit?: number;
  /**
   * Stretches of one missing range fetched at the same time (default 3). Each stretch pages on
   * its own, so the exchange answers one while the store writes another; with a rate limit the
   * source's throttle still spaces every request.
   */
  concurrency?: number;
  /** Told of every fault and retry of a page, and of the first page fetched after faults. */
  faults?: IngestFaultListener;
}

export interface BackfillRequest {
  series: SeriesKey;
  /** First candle wanted (floored to the timeframe grid). */
  sinceMs: number;
  /** Candles opening before this time are wanted; absent means "up to the exchange's open candle". */
  untilMs?: number;
  /** Candles ending at or before this time are known closed (live ingestion knows the exchange moved past them). */
  closedBeforeMs?: number;
  /**
   * Fetch the whole stretch again even where the ledger knows it, so candles that may be wrong
   * (a stream version later shown incomplete) are replaced by the exchange's REST answer.
   */
  refetch?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: BackfillProgress) => void;
  /** Called after each batch of candles is stored (live ingestion publishes them). */
  onCandlesWritten?: (candles: readonly Candle[]) => void | Promise<void>;
}

export type BackfillState = 'running' | 'done' | 'failed';

export interface BackfillProgress {
  series: SeriesKey;
  fromMs: number;
  /** End of the stretch: `untilMs`, or the best guess of "now" while catching up. */
  toMs: number;
  /** Everything between fromMs and this time is fetched or was known before. */
  doneMs: number;
  percent: number;
  candlesWritten: number;
  pages: number;
  retries: number;
  rateLimited: number;
  rejectedRows: number;
  state: BackfillState;
  message: string | null;
}

export interface BackfillResult extends BackfillProgress {
  /** Faults met and survived (or not), by kind: `rate_limited`, `transient`, `malformed_response`, `invalid_candle`. */
  faults: Record<string, number>;
  /** What the ledger still misses inside [fromMs, doneMs) at the end: slots no retry could fill. */
  missingRanges: TimeRange[];
  /** True when the backfill reached the exchange's still-open candle. */
  caughtUp: boolean;
}

/** Closed candles gathered from consecutive pages before they are written together. */
const WRITE_BATCH_CANDLES = 10_000;

/** Ledger entries that touch end to start become one, so a batch of pages is one ledger update. */
function joinAdjacentEntries(entries: readonly LedgerEntry[]): LedgerEntry[] {
  const joined: LedgerEntry[] = [];
  for (const entry of entries) {
    const previous = joined.at(-1);
    if (previous !== undefined && previous.range.endMs === entry.range.startMs) {
      previous.range = { startMs: previous.range.startMs, endMs: entry.range.endMs };
      for (const timeMs of entry.candleOpenTimesMs) previous.candleOpenTimesMs.push(timeMs);
    } else {
      joined.push({ range: { ...entry.range }, candleOpenTimesMs: [...entry.candleOpenTimesMs] });
    }
  }
  return joined;
}

/** Far enough to mean "no end"; still a safe integer and a valid date. */
const OPEN_END_MS = 8_640_000_000_000_000;

/** A source that can tell the exchange's time (CcxtSource can); used only for progress figures. */
interface ExchangeClock {
  exchangeNowMs(signal?: AbortSignal): Promise<number | null>;
}

function hasExchangeClock(source: MarketDataSource): source is MarketDataSource & ExchangeClock {
  return typeof (source as Partial<ExchangeClock>).exchangeNowMs === 'function';
}

function ceilToGrid(timeMs: number, stepMs: number): number {
  return Math.ceil(timeMs / stepMs) * stepMs;
}

function faultKind(error: unknown): string {
  if (error instanceof RateLimitedError) return 'rate_limited';
  if (error instanceof TransientSourceError) {
    // Sources tag unreadable answers so they can be told apart from outages.
    return error.details?.fault === 'malformed_response' ? 'malformed_response' : 'transient';
  }
  return 'failed';
}

/** Mutable state of one backfill run. */
class BackfillRun {
  candlesWritten = 0;
  pages = 0;
  retries = 0;
  rateLimited = 0;
  rejectedRows = 0;
  faults: Record<string, number> = {};
  doneMs: number;
  toMs: number;
  /** Furthest point paging has carried this run. */
  frontierMs: number;
  /** Milliseconds of the span fetched so far, over all stretches; drives the percentage. */
  fetchedSpanMs = 0;
  /** Where the first pass found the first missing slot (everything before was known). */
  firstMissingMs: number | null = null;
  caughtUp = false;
  lastProgressAtMs = Number.NEGATIVE_INFINITY;

  constructor(
    readonly request: BackfillRequest,
    readonly fromMs: number,
    readonly endMs: number,
  ) {
    this.doneMs = fromMs;
    this.frontierMs = fromMs;
    this.toMs = endMs === OPEN_END_MS ? Math.max(fromMs, Date.now()) : endMs;
  }

  countFault(kind: string, count = 1): void {
    this.faults[kind] = (this.faults[kind] ?? 0) + count;
  }
}

/**
 * Backfills one series from the exchange: pages through what the coverage ledger still misses,
 * writes each page's closed candles and then marks exactly the range the page proves, so a crash
 * at any point resumes where the ledger says and never leaves a gap marked as known. Rate limits
 * and transient failures are retried with backoff (honouring Retry-After); rejected exchange rows
 * are retried, and a slot that stays bad stays missing.
 */
export class BackfillService {
  private readonly source: MarketDataSource;
  private readonly store: BackfillStore;
  private readonly bus: Bus | undefined;
  private readonly backoff: BackoffPolicy;
  private readonly maxAttemptsPerPage: number;
  private readonly maxPasses: number;
  private readonly progressIntervalMs: number;
  private readonly pageLimit: number;
  private readonly concurrency: number;
  private readonly faults: IngestFaultListener | undefined;

  constructor(options: BackfillServiceOptions) {
    this.faults = options.faults;
    this.source = options.source;
    this.store = options.store;
    this.bus = options.bus;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.maxAttemptsPerPage = options.maxAttemptsPerPage ?? 8;
    this.maxPasses = options.maxPasses ?? 4;
    this.progressIntervalMs = options.progressIntervalMs ?? 250;
    this.pageLimit = Math.min(
      options.pageLimit ?? Number.POSITIVE_INFINITY,
      options.source.capabilities.candlePageLimit,
    );
    this.concurrency = options.concurrency ?? 3;
    if (!Number.isSafeInteger(this.concurrency) || this.concurrency < 1 || this.concurrency > 16) {
      throw new ValidationError(
        `backfill concurrency must be a whole number from 1 to 16, got ${this.concurrency}`,
      );
    }
    if (!Number.isSafeInteger(this.pageLimit) || this.pageLimit < 2) {
      throw new ValidationError(
        `backfill page limit must be a whole number of at least 2, got ${this.pageLimit}`,
      );
    }
  }

  async backfill(request: BackfillRequest): Promise<BackfillResult> {
    const { series } = request;
    if (series.exchange !== this.source.exchange) {
      throw new ValidationError(
        `series ${formatSeriesKey(series)} belongs to ${series.exchange}, but this backfill reads ${this.source.exchange}`,
      );
    }
    if (!this.source.capabilities.fetchCandles) {
      throw new UnsupportedError(`${this.source.exchange} cannot fetch candles, so it cannot be backfilled`);
    }
    if (!this.source.capabilities.timeframes.includes(series.timeframe)) {
      throw new UnsupportedError(
        `${this.source.exchange} has no ${series.timeframe} candles (it has ${this.source.capabilities.timeframes.join(', ')})`,
      );
    }
    if (!Number.isSafeInteger(request.sinceMs) || request.sinceMs < 0) {
      throw new ValidationError(`backfill start must be epoch milliseconds, got ${String(request.sinceMs)}`);
    }
    if (request.untilMs !== undefined && (!Number.isSafeInteger(request.untilMs) || request.untilMs < 0)) {
      throw new ValidationError(`backfill end must be epoch milliseconds, got ${String(request.untilMs)}`);
    }
    const stepMs = timeframeMs(series.timeframe);
    const fromMs = floorToGrid(request.sinceMs, series.timeframe);
    const endMs = request.untilMs === undefined ? OPEN_END_MS : ceilToGrid(request.untilMs, stepMs);
    const run = new BackfillRun(request, fromMs, Math.max(fromMs, endMs));
    if (run.endMs === OPEN_END_MS && hasExchangeClock(this.source)) {
      const nowMs = await this.source.exchangeNowMs(request.signal).catch(() => null);
      if (nowMs !== null) run.toMs = Math.max(fromMs, nowMs);
    }

    try {
      await this.sweep(run);
      const windowEndMs = run.endMs === OPEN_END_MS ? run.frontierMs : run.endMs;
      const missing = await this.store.coverage.missingRanges(series, {
        startMs: fromMs,
        endMs: windowEndMs,
      });
      run.doneMs = missing[0]?.startMs ?? windowEndMs;
      const message =
        missing.length === 0
          ? null
          : `${missing.length} range(s) still missing after ${this.maxPasses} passes (rejected or unavailable rows)`;
      const progress = this.progressOf(run, 'done', message);
      await this.report(run, progress, true);
      return { ...progress, faults: { ...run.faults }, missingRanges: missing, caughtUp: run.caughtUp };
    } catch (error) {
      if (!request.signal?.aborted) {
        await this.report(run, this.progressOf(run, 'failed', (error as Error).message), true);
      }
      throw error;
    }
  }

  /** Passes over the ledger's missing ranges until none is left or a pass makes no progress. */
  private async sweep(run: BackfillRun): Promise<void> {
    const { series } = run.request;
    for (let pass = 1; pass <= this.maxPasses; pass += 1) {
      const missing =
        pass === 1 && run.request.refetch === true
          ? [{ startMs: run.fromMs, endMs: run.endMs }]
          : await this.store.coverage.missingRanges(series, { startMs: run.fromMs, endMs: run.endMs });
      if (missing.length === 0) return;
      // Everything before the first missing range was already known.
      run.doneMs = Math.max(run.doneMs, missing[0]!.startMs);
      run.firstMissingMs ??= missing[0]!.startMs;
      let progressed = false;
      for (const range of missing) {
        const outcome = await this.fillRangeInStretches(run, range);
        progressed ||= outcome.progressed;
        if (outcome.reachedOpenCandle) {
          // Later missing ranges lie after the exchange's current candle: nothing to fetch yet.
          run.caughtUp = true;
          break;
        }
      }
      if (!progressed) return;
    }
  }

  /**
   * A bounded range of several pages is cut into up to `concurrency` stretches on the grid,
   * filled side by side; each stretch's ledger entries are its own, so they never overlap.
   * An open-ended range (catching up to the exchange's open candle) is filled as one.
   */
  private async fillRangeInStretches(
    run: BackfillRun,
    range: TimeRange,
  ): Promise<{ progressed: boolean; reachedOpenCandle: boolean }> {
    const stepMs = timeframeMs(run.request.series.timeframe);
    const slots = Math.ceil((range.endMs - range.startMs) / stepMs);
    const stretches =
      range.endMs === OPEN_END_MS ? 1 : Math.min(this.concurrency, Math.floor(slots / this.pageLimit));
    if (stretches <= 1) return this.fillRange(run, range);
    const slotsPerStretch = Math.ceil(slots / stretches);
    const parts: TimeRange[] = [];
    for (let startMs = range.startMs; startMs < range.endMs; startMs += slotsPerStretch * stepMs) {
      parts.push({ startMs, endMs: Math.min(range.endMs, startMs + slotsPerStretch * stepMs) });
    }
    const outcomes = await Promise.allSettled(parts.map((part) => this.fillRange(run, part)));
    const failure = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
    const settled = outcomes as PromiseFulfilledResult<{ progressed: boolean; reachedOpenCandle: boolean }>[];
    return {
      progressed: settled.some((outcome) => outcome.value.progressed),
      reachedOpenCandle: settled.some((outcome) => outcome.value.reachedOpenCandle),
    };
  }

  private async fillRange(
    run: BackfillRun,
    range: TimeRange,
  ): Promise<{ progressed: boolean; reachedOpenCandle: boolean }> {
    const { series } = run.request;
    const stepMs = timeframeMs(series.timeframe);
    let progressed = false;
    let sinceMs = range.startMs;
    const limitFrom = (fromMs: number): number =>
      Math.max(2, Math.min(this.pageLimit, Math.ceil((range.endMs - fromMs) / stepMs) + 1));
    // Pages are written a few at a time: one COPY and one ledger update per batch instead of
    // per page (on PGlite the ledger update cost about as much as parsing the page).
    let pendingCandles: Candle[] = [];
    let pendingEntries: LedgerEntry[] = [];
    let pendingReachedMs = sinceMs;
    const flush = async (): Promise<void> => {
      const candles = pendingCandles;
      const entries = joinAdjacentEntries(pendingEntries);
      pendingCandles = [];
      pendingEntries = [];
      if (candles.length > 0) {
        run.candlesWritten += await this.store.candles.upsertCandles(candles);
        await run.request.onCandlesWritten?.(candles);
      }
      // Marked only after the candles are stored: a crash in between re-fetches, never skips.
      for (const entry of entries) {
        await this.store.coverage.markFetched(series, entry.range, entry.candleOpenTimesMs);
        progressed = true;
      }
      if (range.startMs <= run.doneMs) run.doneMs = Math.max(run.doneMs, pendingReachedMs);
    };
    let pagePromise = this.fetchPage(run, sinceMs, limitFrom(sinceMs));
    for (;;) {
      let page: CandlePage;
      try {
        page = await pagePromise;
      } catch (error) {
        // What was fetched before the failure is good: keep it.
        if (!run.request.signal?.aborted) await flush();
        throw error;
      }
      const plan = planPageCoverage({
        page,
        timeframe: series.timeframe,
        sinceMs,
        untilMs: range.endMs,
        ...(run.request.closedBeforeMs === undefined ? {} : { closedBeforeMs: run.request.closedBeforeMs }),
      });
      // The next page is fetched while this one is handled: the exchange and the store work in parallel.
      const nextSinceMs = plan.reachedOpenCandle ? null : plan.nextSinceMs;
      let nextPage: Promise<CandlePage> | null = null;
      if (nextSinceMs !== null) {
        nextPage = this.fetchPage(run, nextSinceMs, limitFrom(nextSinceMs));
        nextPage.catch(() => undefined);
      }
      for (const candle of plan.closedCandles) pendingCandles.push(candle);
      for (const entry of plan.ledgerEntries) pendingEntries.push(entry);
      pendingReachedMs = Math.max(pendingReachedMs, plan.reachedMs);
      const last = plan.reachedOpenCandle || nextPage === null || nextSinceMs === null;
      if (last || pendingCandles.length >= WRITE_BATCH_CANDLES) await flush();
      run.pages += 1;
      run.fetchedSpanMs += Math.max(0, Math.min(plan.reachedMs, range.endMs) - sinceMs);
      run.frontierMs = Math.max(run.frontierMs, plan.reachedMs);
      if (run.endMs === OPEN_END_MS) run.toMs = Math.max(run.toMs, run.frontierMs);
      await this.report(run, this.progressOf(run, 'running', null), false);
      if (plan.reachedOpenCandle) return { progressed, reachedOpenCandle: true };
      if (nextPage === null || nextSinceMs === null) {
        // An open-ended backfill that ran out of candles has caught up with the exchange.
        return { progressed, reachedOpenCandle: range.endMs === OPEN_END_MS };
      }
      pagePromise = nextPage;
      sinceMs = nextSinceMs;
    }
  }

  /** One page, retried on rate limits, transient failures and rejected rows. */
  private async fetchPage(run: BackfillRun, sinceMs: number, limit: number): Promise<CandlePage> {
    const { series, signal } = run.request;
    for (let attempt = 1; ; attempt += 1) {
      let page: CandlePage;
      try {
        const params = {
          symbol: series.symbol,
          timeframe: series.timeframe,
          sinceMs,
          limit,
          ...(signal === undefined ? {} : { signal }),
        };
        page = this.source.fetchCandlePage
          ? await this.source.fetchCandlePage(params)
          : pageFromCandles(await this.source.fetchCandles(params), sinceMs, series.timeframe);
      } catch (error) {
        if (signal?.aborted) throw error;
        const kind = faultKind(error);
        if (error instanceof RateLimitedError) run.rateLimited += 1;
        run.countFault(kind);
        const retrying = isRetryable(error) && attempt < this.maxAttemptsPerPage;
        this.tellFault(run, kind, (error as Error).message, retrying);
        await this.publishFault(run, kind, (error as Error).message);
        if (!retrying) throw error;
        run.retries += 1;
        await sleep(retryDelayMs(error, this.backoff, attempt), signal);
        continue;
      }
      if (page.rejected.length > 0) {
        run.rejectedRows += page.rejected.length;
        run.countFault('invalid_candle', page.rejected.length);
        const first = page.rejected[0]!;
        await this.publishFault(
          run,
          'invalid_candle',
          `${page.rejected.length} bad row(s) from the exchange, e.g. ${first.reason}`,
          page.rejected.length,
        );
        this.tellFault(
          run,
          'invalid_candle',
          `${page.rejected.length} bad row(s) from the exchange, e.g. ${first.reason}`,
          attempt < this.maxAttemptsPerPage,
          page.rejected.length,
        );
        if (attempt < this.maxAttemptsPerPage) {
          run.retries += 1;
          await sleep(retryDelayMs(null, this.backoff, attempt), signal);
          continue;
        }
        // Still bad: take what is good; the bad slots stay missing in the ledger.
      }
      if (attempt > 1) this.faults?.recovered({ exchange: series.exchange, source: 'backfill' });
      return page;
    }
  }

  private progressOf(run: BackfillRun, state: BackfillState, message: string | null): BackfillProgress {
    const toMs = Math.max(run.fromMs, run.endMs === OPEN_END_MS ? Math.max(run.toMs, run.doneMs) : run.endMs);
    const doneMs = Math.min(Math.max(run.doneMs, run.fromMs), toMs);
    const spanMs = toMs - run.fromMs;
    // Stretches fetched side by side move doneMs only as the first of them advances, so the
    // share fetched so far is counted too; a run still going never shows 100.
    const fetchedMs = (run.firstMissingMs ?? run.fromMs) - run.fromMs + run.fetchedSpanMs;
    const runningPercent = Math.min(99, (Math.max(doneMs - run.fromMs, fetchedMs) / spanMs) * 100);
    const percent =
      spanMs <= 0 || (state === 'done' && run.caughtUp)
        ? 100
        : state === 'running'
          ? runningPercent
          : ((doneMs - run.fromMs) / spanMs) * 100;
    return {
      series: run.request.series,
      fromMs: run.fromMs,
      toMs,
      doneMs,
      percent: Math.min(100, Math.max(0, percent)),
      candlesWritten: run.candlesWritten,
      pages: run.pages,
      retries: run.retries,
      rateLimited: run.rateLimited,
      rejectedRows: run.rejectedRows,
      state,
      message,
    };
  }

  private async report(run: BackfillRun, progress: BackfillProgress, force: boolean): Promise<void> {
    const nowMs = Date.now();
    if (!force && nowMs - run.lastProgressAtMs < this.progressIntervalMs) return;
    run.lastProgressAtMs = nowMs;
    run.request.onProgress?.(progress);
    if (!this.bus) return;
    const message: BackfillProgressMessage = {
      series: formatSeriesKey(progress.series),
      fromMs: progress.fromMs,
      toMs: progress.toMs,
      doneMs: progress.doneMs,
      candlesWritten: progress.candlesWritten,
      percent: progress.percent,
      state: progress.state,
      message: progress.message === null ? null : progress.message.slice(0, 2000),
      atMs: nowMs,
    };
    // Progress is advisory: a bus hiccup must not stop the data from being written.
    await this.bus.publish(backfillProgressTopic(progress.series), message).catch(() => undefined);
  }

  private tellFault(run: BackfillRun, kind: string, message: string, retrying: boolean, count = 1): void {
    try {
      this.faults?.fault({
        exchange: run.request.series.exchange,
        kind,
        source: 'backfill',
        message,
        series: formatSeriesKey(run.request.series),
        retrying,
        count,
      });
    } catch {
      // A listener's bug must not stop the backfill; the fault is still published and counted.
    }
  }

  private async publishFault(run: BackfillRun, kind: string, text: string, count = 1): Promise<void> {
    if (!this.bus) return;
    const message: IngestFaultMessage = {
      exchange: run.request.series.exchange,
      source: 'backfill',
      kind,
      message: text.slice(0, 2000) || kind,
      count,
      series: formatSeriesKey(run.request.series),
      atMs: Date.now(),
    };
    await this.bus.publish(ingestFaultsTopic(run.request.series.exchange), message).catch(() => undefined);
  }
}
