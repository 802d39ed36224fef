import {
  onDemandForecastJobKind,
  onDemandForecastJobPayloadSchema,
  trainJobPayloadSchema,
  type OnDemandForecastJobPayload,
  type OnDemandForecastResult,
} from '@runecast/contracts';
import type { Bus } from '../../bus/bus.port.ts';
import {
  floorToGrid,
  formatHorizon,
  formatSeriesKey,
  RunecastError,
  type SeriesKey,
  type Timeframe,
  TransientSourceError,
  UnsupportedError,
  ValidationError,
} from '@runecast/market';
import { BackfillService, type BackfillServiceOptions } from '../../ingest/backfill.service.ts';
import { getForecasterDefinition } from '../../models/forecaster.registry.ts';
import { ModelRegistryService } from '../model-registry.ts';
import type { MarketDataSource } from '../../sources/market-data-source.port.ts';
import type { ModelVersion } from '../../store/model.port.ts';
import type { Store } from '../../store/store.ts';
import type { ComputeMode } from '../../jobs/compute/compute-thread.ts';
import { FEATURE_WARMUP_CANDLES, loadSeriesCandles } from '../forecasting-data.ts';
import {
  JobCancelledError,
  type JobContext,
  type JobHandler,
  type JobProgressReport,
} from '../../jobs/job-handler.ts';
import { parseWithSchema, resolveSeriesHorizon, type ForecastingDependencies } from './handler-support.ts';
import { predictWithVersion } from './predict.handler.ts';
import { createTrainHandler, minimumTrainingCandles } from './train.handler.ts';

const DEFAULT_MODEL_TYPE = 'ridge';
const FALLBACK_MODEL_TYPE = 'naive';
/** Share of the training range the version's walk-forward evaluation covers (the train job's default). */
const EVALUATION_FRACTION = 0.25;

/**
 * Snapshot sources (the runes providers): their series have no history to fetch and grow one
 * candle per poll, so the collecting step polls the instrument once, now.
 */
export interface SnapshotPolling {
  /** The poll timeframe of a snapshot source, or null when the id is not one. */
  pollTimeframe(sourceId: string): Timeframe | null;
  /** Polls one instrument and stores the snapshot; throws when the source does not know it. */
  pollNow(series: SeriesKey, signal: AbortSignal): Promise<void>;
}

export interface OnDemandForecastHandlerOptions {
  /** The market-data source of an exchange; throws UnsupportedError for an exchange it cannot reach. */
  sources: (exchange: string) => MarketDataSource;
  /** Snapshot sources, whose series are polled instead of backfilled. */
  snapshots?: SnapshotPolling;
  /** The store of the forecasting runtime: candles are backfilled into it, versions and forecasts written to it. */
  store: Store;
  /** Backfill progress and new forecasts are published here. */
  bus?: Bus | null;
  /** Candles a model trains on, counted back from the exchange's latest (default 1500). */
  historyCandles?: number;
  /**
   * A version of the chosen model type whose training data ends at most this many candles before
   * the latest is reused instead of training another (default 60).
   */
  reuseWithinCandles?: number;
  /** Where model fitting runs (default `thread`). */
  compute?: ComputeMode;
  /** Backfill settings (retries, backoff, page size). */
  backfill?: Omit<BackfillServiceOptions, 'source' | 'store' | 'bus'>;
  now?: () => number;
  onPublishError?: (error: unknown) => void;
}

/** Progress of one step, mapped into its share [fromPercent, toPercent] of the whole job. */
function stepContext(context: JobContext, fromPercent: number, toPercent: number, label: string): JobContext {
  return {
    job: context.job,
    signal: context.signal,
    checkpoint: () => context.checkpoint(),
    progress(report: JobProgressReport) {
      const mapped: JobProgressReport = { ...report };
      if (report.percent !== undefined) {
        const share = Math.min(100, Math.max(0, report.percent)) / 100;
        mapped.percent = fromPercent + (toPercent - fromPercent) * share;
      }
      if (report.message !== undefined) mapped.message = `${label}: ${report.message}`;
      context.progress(mapped);
    },
  };
}

interface BackfillOutcome {
  candlesBackfilled: number;
  /** Why the exchange could not be reached, when it could not. */
  unreachable: string | null;
}

/**
 * The on-demand forecast (`forecast-on-demand`): a forecast for any market of an exchange, in
 * three steps reported as progress. Backfilling (to 40%): the series' recent candles are fetched
 * where the store's coverage ledger lacks them. Training (to 90%): the production version of the
 * series and horizon is used when no model type is asked for; otherwise a recent version of the
 * type is reused, or one is trained and registered as a candidate (ridge by default, naive when
 * the data is too short for it). Predicting (to 100%): the forecast is written to the ledger and
 * published like any other.
 */
export function createOnDemandForecastHandler(
  options: OnDemandForecastHandlerOptions,
): JobHandler<OnDemandForecastJobPayload, OnDemandForecastResult> {
  const historyCandles = options.historyCandles ?? 1500;
  const reuseWithinCandles = options.reuseWithinCandles ?? 60;
  if (!Number.isSafeInteger(historyCandles) || historyCandles < 200) {
    throw new ValidationError(`historyCandles must be a whole number of at least 200, got ${historyCandles}`);
  }
  const dependencies: ForecastingDependencies = {
    market: options.store,
    forecasting: options.store,
    registry: new ModelRegistryService(options.store.models),
    bus: options.bus ?? null,
    ...(options.now ? { now: options.now } : {}),
    ...(options.onPublishError ? { onPublishError: options.onPublishError } : {}),
    ...(options.compute ? { compute: options.compute } : {}),
  };
  const trainer = createTrainHandler(dependencies);

  const sourceOf = (exchange: string): MarketDataSource => {
    try {
      return options.sources(exchange);
    } catch (error) {
      if (error instanceof UnsupportedError) {
        throw new UnsupportedError(`no exchange "${exchange}" is supported: ${error.message}`, {
          field: 'exchange',
        });
      }
      throw error;
    }
  };

  async function backfill(series: SeriesKey, sinceMs: number, context: JobContext): Promise<BackfillOutcome> {
    const label = formatSeriesKey(series);
    const source = sourceOf(series.exchange);
    if (!source.capabilities.fetchCandles || !source.capabilities.timeframes.includes(series.timeframe)) {
      throw new UnsupportedError(
        `${series.exchange} cannot serve ${series.timeframe} candles (it has ${source.capabilities.timeframes.join(', ') || 'none'})`,
        { field: 'timeframe' },
      );
    }
    const service = new BackfillService({
      ...options.backfill,
      source,
      store: options.store,
      ...(options.bus ? { bus: options.bus } : {}),
    });
    context.progress({ percent: 2, message: `backfilling ${label}: checking what the store lacks` });
    try {
      const result = await service.backfill({
        series,
        sinceMs,
        signal: context.signal,
        onProgress: (progress) =>
          context.progress({
            percent: 2 + 0.38 * progress.percent,
            message: `backfilling ${label}: ${progress.candlesWritten} candles fetched (${Math.round(progress.percent)}%)`,
          }),
      });
      return { candlesBackfilled: result.candlesWritten, unreachable: null };
    } catch (error) {
      if (context.signal.aborted) throw new JobCancelledError('cancelled');
      // A market the exchange does not list, or a timeframe it lacks, will never work.
      if (
        error instanceof RunecastError &&
        ['bad_symbol', 'unsupported', 'validation_failed'].includes(error.code)
      ) {
        throw error;
      }
      // The exchange is unreachable: carry on with what is stored when it is enough.
      return { candlesBackfilled: 0, unreachable: (error as Error).message };
    }
  }

  async function chooseVersion(
    payload: OnDemandForecastJobPayload,
    series: SeriesKey,
    latestOpenTimeMs: number,
    stepMs: number,
  ): Promise<{ version: ModelVersion; choice: string } | null> {
    if (payload.modelType === undefined) {
      const production = await dependencies.registry.production(series, payload.horizonMinutes);
      if (production) return { version: production, choice: `production version ${production.id}` };
    }
    // Without a type asked for, a recent naive version counts too: it is what too little data led to.
    const types =
      payload.modelType === undefined ? [DEFAULT_MODEL_TYPE, FALLBACK_MODEL_TYPE] : [payload.modelType];
    const recent = await dependencies.registry.list({
      series,
      horizonMinutes: payload.horizonMinutes,
      limit: 50,
    });
    const reusable = recent.find(
      (version) =>
        types.includes(version.modelType) &&
        version.stage !== 'archived' &&
        version.trainingEndMs >= latestOpenTimeMs - reuseWithinCandles * stepMs,
    );
    return reusable
      ? { version: reusable, choice: `${reusable.modelType} version ${reusable.id}, trained on recent data` }
      : null;
  }

  async function train(
    payload: OnDemandForecastJobPayload,
    series: SeriesKey,
    modelType: string,
    range: { fromMs: number; toMs: number },
    context: JobContext,
  ): Promise<ModelVersion> {
    const trainPayload = trainJobPayloadSchema.parse({
      series: formatSeriesKey(series),
      horizonMinutes: payload.horizonMinutes,
      modelType,
      fromMs: range.fromMs,
      toMs: range.toMs,
      evaluationFraction: EVALUATION_FRACTION,
    });
    const result = await trainer.run(trainPayload, stepContext(context, 40, 90, `training ${modelType}`));
    return dependencies.registry.require(result.modelVersionId);
  }

  return {
    kind: onDemandForecastJobKind,
    parsePayload(raw) {
      const payload = parseWithSchema(onDemandForecastJobPayloadSchema, raw, 'on-demand forecast job');
      const series = { exchange: payload.exchange, symbol: payload.symbol, timeframe: payload.timeframe };
      resolveSeriesHorizon(formatSeriesKey(series), payload.horizonMinutes);
      if (payload.modelType !== undefined) getForecasterDefinition(payload.modelType);
      const pollTimeframe = options.snapshots?.pollTimeframe(payload.exchange) ?? null;
      if (pollTimeframe === null) sourceOf(payload.exchange);
      else if (payload.timeframe !== pollTimeframe) {
        throw new UnsupportedError(
          `${payload.exchange} series are the ${pollTimeframe} candles of its polls, not ${payload.timeframe}`,
          { field: 'timeframe' },
        );
      }
      return payload;
    },
    async run(payload, context) {
      const series: SeriesKey = {
        exchange: payload.exchange,
        symbol: payload.symbol,
        timeframe: payload.timeframe,
      };
      const label = formatSeriesKey(series);
      const { horizonSteps, stepMs } = resolveSeriesHorizon(label, payload.horizonMinutes);
      const polled = options.snapshots?.pollTimeframe(series.exchange) ?? null;
      let nowMs = (options.now ?? Date.now)();
      let backfilled: BackfillOutcome;
      if (polled !== null) {
        context.progress({ percent: 2, message: `polling ${series.exchange} for ${series.symbol} now` });
        await options.snapshots!.pollNow(series, context.signal);
        backfilled = { candlesBackfilled: 0, unreachable: null };
      } else {
        const source = sourceOf(series.exchange);
        const clock = source as MarketDataSource & {
          exchangeNowMs?: (signal?: AbortSignal) => Promise<number | null>;
        };
        const exchangeNowMs = clock.exchangeNowMs
          ? await clock.exchangeNowMs(context.signal).catch(() => null)
          : null;
        nowMs = exchangeNowMs ?? nowMs;
        backfilled = await backfill(
          series,
          Math.max(0, floorToGrid(nowMs, series.timeframe) - historyCandles * stepMs),
          context,
        );
      }
      const sinceMs = Math.max(0, floorToGrid(nowMs, series.timeframe) - historyCandles * stepMs);
      await context.checkpoint();

      const latest = await options.store.candles.latestCandle(series);
      const candles =
        latest === null
          ? []
          : await loadSeriesCandles(options.store.candles, series, {
              startMs: sinceMs,
              endMs: latest.openTimeMs + stepMs,
            });
      const minimum = minimumTrainingCandles(horizonSteps, EVALUATION_FRACTION);
      if (backfilled.unreachable !== null && candles.length < minimum) {
        // Too little stored to go on without the exchange: fail this attempt so it is retried.
        throw new TransientSourceError(
          `${series.exchange} could not be reached (${backfilled.unreachable}), and the store holds ` +
            `${candles.length} candles of ${label}, fewer than the ${minimum} a forecast needs`,
        );
      }
      if (candles.length === 0 && polled === null) {
        throw new ValidationError(
          `${series.exchange} has no ${series.timeframe} candles of ${series.symbol}`,
          {
            series: label,
          },
        );
      }
      const tooLittle = () => {
        const hoursLeft = Math.ceil(((minimum - candles.length) * stepMs) / 3_600_000);
        return new ValidationError(
          `too little data: ${label} has ${candles.length} closed candles since ${new Date(sinceMs).toISOString()}, ` +
            `and training at horizon ${formatHorizon(payload.horizonMinutes)} needs at least ${minimum}; ` +
            (polled === null
              ? 'a shorter timeframe (more candles over the same history) or a shorter horizon may work'
              : `${series.exchange} gives no history, only one candle per ${polled} poll, so a tracked ` +
                `rune has enough in about ${hoursLeft} h and the scheduler forecasts it then`),
          { series: label, candles: candles.length, minimumCandles: minimum },
        );
      };
      if (candles.length === 0) throw tooLittle();
      const lastOpenTimeMs = candles.at(-1)!.openTimeMs;
      context.progress({
        percent: 40,
        message: `choosing a model for ${label} at ${formatHorizon(payload.horizonMinutes)}`,
      });

      let chosen = await chooseVersion(payload, series, lastOpenTimeMs, stepMs);
      let trained = false;
      if (chosen === null) {
        if (candles.length < minimum) throw tooLittle();
        const range = { fromMs: candles[0]!.openTimeMs, toMs: lastOpenTimeMs + stepMs };
        let modelType = payload.modelType ?? DEFAULT_MODEL_TYPE;
        let choice = payload.modelType === undefined ? `${modelType} (default)` : `${modelType} as asked`;
        // Feature-based models need their features warmed up on top of the training minimum.
        if (payload.modelType === undefined && candles.length < minimum + FEATURE_WARMUP_CANDLES) {
          modelType = FALLBACK_MODEL_TYPE;
          choice = `${FALLBACK_MODEL_TYPE}: ${candles.length} candles are too few for ${DEFAULT_MODEL_TYPE}`;
        }
        let version: ModelVersion;
        try {
          version = await train(payload, series, modelType, range, context);
        } catch (error) {
          if (
            !(error instanceof ValidationError) ||
            payload.modelType !== undefined ||
            modelType === FALLBACK_MODEL_TYPE
          ) {
            throw error;
          }
          modelType = FALLBACK_MODEL_TYPE;
          choice = `${FALLBACK_MODEL_TYPE}: ${DEFAULT_MODEL_TYPE} could not be trained (${error.message})`;
          version = await train(payload, series, modelType, range, context);
        }
        chosen = { version, choice };
        trained = true;
      }
      await context.checkpoint();

      context.progress({
        percent: 90,
        message: `predicting with ${chosen.version.modelType} version ${chosen.version.id}`,
      });
      const predicted = await predictWithVersion(
        dependencies,
        chosen.version,
        stepContext(context, 90, 100, 'predicting'),
      );
      context.progress({ percent: 100, message: `forecast ${predicted.forecast.id} for ${label}` });
      return {
        forecast: {
          id: predicted.forecast.id,
          series: predicted.forecast.series,
          horizonMinutes: predicted.forecast.horizonMinutes,
          modelVersionId: predicted.forecast.modelVersionId,
          modelType: predicted.forecast.modelType,
          madeAtMs: predicted.forecast.madeAtMs,
          inputStartMs: predicted.forecast.inputStartMs,
          inputEndMs: predicted.forecast.inputEndMs,
          issuedAtMs: predicted.forecast.issuedAtMs,
          targetTimeMs: predicted.forecast.targetTimeMs,
          lastClose: predicted.forecast.lastClose,
          point: predicted.forecast.point,
          lower80: predicted.forecast.lower80,
          upper80: predicted.forecast.upper80,
          lower95: predicted.forecast.lower95,
          upper95: predicted.forecast.upper95,
          actualClose: predicted.forecast.actualClose,
          scoredAtMs: predicted.forecast.scoredAtMs,
          error: predicted.forecast.error,
          naiveError: predicted.forecast.naiveError,
          hit80: predicted.forecast.hit80,
          hit95: predicted.forecast.hit95,
        },
        modelVersionId: chosen.version.id,
        modelType: chosen.version.modelType,
        trained,
        modelChoice: chosen.choice,
        candlesBackfilled: backfilled.candlesBackfilled,
        backfillWarning:
          backfilled.unreachable === null
            ? null
            : `${series.exchange} could not be reached (${backfilled.unreachable}); the forecast uses the candles already stored`,
      };
    },
  };
}
