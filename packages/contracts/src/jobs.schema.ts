import { z } from 'zod';
import {
  epochMsSchema,
  exchangeIdSchema,
  isSafeJson,
  safeText,
  crossAssetKeySchema,
  seriesKeySchema,
  symbolSchema,
  timeframeSchema,
} from './common.schema.ts';

// Forecasting jobs, the model registry and the forecast ledger: job payloads (also the bodies
// of the API's "start a job" routes), the records the server returns, and the bus messages on
// `jobs.progress.<jobId>` and `forecasts.made.<exchange>.<BASE-QUOTE>.<timeframe>`.

export const jobStates = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobState = (typeof jobStates)[number];
export const jobStateSchema = z.enum(jobStates);

/** Job kinds Runecast ships; workers may register more (same naming rule). */
export const forecastJobKinds = ['train', 'backtest', 'tune', 'predict', 'score'] as const;
export type ForecastJobKind = (typeof forecastJobKinds)[number];

export const jobKindSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,39}$/, 'job kind must be lower-case letters, digits and dashes, e.g. "train"');

export const modelStages = ['candidate', 'production', 'archived'] as const;
export type ModelStage = (typeof modelStages)[number];
export const modelStageSchema = z.enum(modelStages);

/** Model type id as the model registry names it: `naive`, `arima`, `ridge`, `rf`, `svr`, `lstm`, … */
export const modelTypeSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,39}$/, 'model type must be lower-case letters, digits and dashes, e.g. "ridge"');

/** Forecast horizon in minutes; a multiple of the series timeframe (checked against the series). */
export const horizonMinutesSchema = z
  .int()
  .min(1, 'horizon must be at least one minute')
  .max(366 * 1440, 'horizon must be at most a year');

/** Metrics the registry can rank versions by. */
export const registryMetrics = [
  'mae',
  'rmse',
  'mape',
  'mase',
  'r2',
  'directionalAccuracy',
  'pinball',
  'coverage80',
  'coverage95',
  'intervalScore80',
  'intervalScore95',
  'crps',
] as const;
export type RegistryMetric = (typeof registryMetrics)[number];
export const registryMetricSchema = z.enum(registryMetrics);

export const tuningMetrics = ['rmse', 'mae', 'mase', 'pinball'] as const;
export const tuningMetricSchema = z.enum(tuningMetrics);

const modelParamsSchema = z
  .record(safeText(), z.unknown())
  .refine((params) => isSafeJson(params), 'must not contain control characters');

/** Walk-forward settings a job may override; the evaluation module's defaults apply otherwise. */
export const walkForwardOptionsSchema = z
  .object({
    /** Training origins per fit; each model's own default when absent. */
    trainWindowSteps: z.int().min(10).max(1_000_000).optional(),
    /** Candles between forecast origins. */
    stepSteps: z.int().min(1).max(100_000).optional(),
    /** Candles between refits. */
    retrainEverySteps: z.int().min(1).max(1_000_000).optional(),
    /** Candles between the last training target and the forecast origin (at least the horizon). */
    embargoSteps: z.int().min(1).max(1_000_000).optional(),
    /** Fee per position change of the long/flat strategy figure, e.g. 0.001. */
    feeRate: z.number().min(0).max(0.1).optional(),
    /** Issue every model's bands but naive's with adaptive conformal inference at this step γ, e.g. 0.005. */
    adaptiveConformalGamma: z.number().gt(0).lt(1).optional(),
  })
  .strict();
export type WalkForwardOptions = z.infer<typeof walkForwardOptionsSchema>;

const timeRangeRefinement = (value: { fromMs: number; toMs: number }, context: z.RefinementCtx): void => {
  if (value.toMs <= value.fromMs) {
    context.addIssue({ code: 'custom', message: 'toMs must be after fromMs', path: ['toMs'] });
  }
};

/** Fit a model type on a series over a range, evaluate it walk-forward, register the version. */
/** Volatility model that scales a model's bands (normalized conformal): `ewma`, `har` or `garch`. */
export const volatilitySpecSchema = z
  .object({
    modelType: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'volatility model must be lower-case, e.g. "har"'),
    params: modelParamsSchema.optional(),
  })
  .strict();

export const trainJobPayloadSchema = z
  .object({
    series: seriesKeySchema,
    horizonMinutes: horizonMinutesSchema,
    modelType: modelTypeSchema,
    params: modelParamsSchema.default({}),
    /** Scales the version's bands by this volatility model (normalized conformal); plain bands without. */
    volatility: volatilitySpecSchema.optional(),
    /** Candles with open time in [fromMs, toMs) are used. */
    fromMs: epochMsSchema,
    toMs: epochMsSchema,
    /** Share of the range's forecast origins, at its end, that the walk-forward evaluation covers. */
    evaluationFraction: z.number().min(0.05).max(0.9).default(0.25),
    walkForward: walkForwardOptionsSchema.default({}),
    /** Other series whose returns become cross-asset features. */
    crossAssets: z.array(crossAssetKeySchema).max(10).default([]),
    /** `if-better`: promote when the version is no worse than production on `promoteMetric`. */
    promote: z.enum(['never', 'if-better', 'always']).default('never'),
    promoteMetric: registryMetricSchema.default('mase'),
  })
  .strict()
  .superRefine(timeRangeRefinement);
export type TrainJobPayload = z.infer<typeof trainJobPayloadSchema>;
export type TrainJobRequest = z.input<typeof trainJobPayloadSchema>;

export const backtestModelSchema = z
  .object({
    modelType: modelTypeSchema,
    params: modelParamsSchema.optional(),
    retrainEverySteps: z.int().min(1).max(1_000_000).optional(),
    /** Scales this model's bands by a volatility forecast; the result is named `model+volatility`. */
    volatility: volatilitySpecSchema.optional(),
  })
  .strict();

/** Walk-forward of several models (naive always included) with forecast origins in [fromMs, toMs). */
export const backtestJobPayloadSchema = z
  .object({
    series: seriesKeySchema,
    horizonMinutes: horizonMinutesSchema,
    fromMs: epochMsSchema,
    toMs: epochMsSchema,
    models: z.array(backtestModelSchema).min(1).max(20),
    walkForward: walkForwardOptionsSchema.default({}),
    crossAssets: z.array(crossAssetKeySchema).max(10).default([]),
  })
  .strict()
  .superRefine(timeRangeRefinement);
export type BacktestJobPayload = z.infer<typeof backtestJobPayloadSchema>;
export type BacktestJobRequest = z.input<typeof backtestJobPayloadSchema>;

/** Random search over a model's declared space, scored by walk-forward inside [fromMs, toMs). */
export const tuneJobPayloadSchema = z
  .object({
    series: seriesKeySchema,
    horizonMinutes: horizonMinutesSchema,
    modelType: modelTypeSchema,
    fromMs: epochMsSchema,
    toMs: epochMsSchema,
    trials: z.int().min(1).max(500).default(10),
    seed: z
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(1),
    metric: tuningMetricSchema.default('rmse'),
    /** Forecast origins the inner walk-forward scores, at the end of the range (default: a quarter of it). */
    validationSteps: z.int().min(40).max(1_000_000).optional(),
    baseParams: modelParamsSchema.default({}),
    walkForward: walkForwardOptionsSchema.default({}),
    crossAssets: z.array(crossAssetKeySchema).max(10).default([]),
  })
  .strict()
  .superRefine(timeRangeRefinement);
export type TuneJobPayload = z.infer<typeof tuneJobPayloadSchema>;
export type TuneJobRequest = z.input<typeof tuneJobPayloadSchema>;

/**
 * Forecast from the latest candles with one model version: the one given, else the production
 * version of the series and horizon. Written to the forecast ledger.
 */
export const predictJobPayloadSchema = z
  .object({
    modelVersionId: z.int().min(1).optional(),
    series: seriesKeySchema.optional(),
    horizonMinutes: horizonMinutesSchema.optional(),
    /** With `modelVersionId`: the version's model type, checked, so a job row can say it. */
    modelType: modelTypeSchema.optional(),
  })
  .strict()
  .superRefine((value, context) => {
    if (
      value.modelVersionId === undefined &&
      (value.series === undefined || value.horizonMinutes === undefined)
    ) {
      context.addIssue({
        code: 'custom',
        message: 'give modelVersionId, or series and horizonMinutes to use the production model',
        path: ['modelVersionId'],
      });
    }
  });
export type PredictJobPayload = z.infer<typeof predictJobPayloadSchema>;

/**
 * Score every forecast of the ledger whose target time has passed and whose target candle is
 * stored. The scheduler queues one each tick (never a second while one is queued or running).
 */
export const scoreJobPayloadSchema = z
  .object({
    /** Most forecasts scored by one job (default 5000); the rest wait for the next. */
    limit: z.int().min(1).max(100_000).optional(),
  })
  .strict();
export type ScoreJobPayload = z.infer<typeof scoreJobPayloadSchema>;

/** What a score job did. */
export const scoreJobResultSchema = z.object({
  /** Forecasts scored by this job. */
  scored: z.int().min(0),
  /** Due forecasts whose target candle is not stored (or not closed) yet. */
  waitingForCandles: z.int().min(0),
});
export type ScoreJobResult = z.infer<typeof scoreJobResultSchema>;

export const lossPointSchema = z.object({
  epoch: z.int().min(0),
  trainLoss: z.number(),
  validationLoss: z.number().nullable(),
});
export type LossPoint = z.infer<typeof lossPointSchema>;

/** A job as stored. `result` is the handler's JSON result once succeeded. */
export const jobRecordSchema = z.object({
  id: z.uuid(),
  kind: jobKindSchema,
  state: jobStateSchema,
  payload: z.unknown(),
  priority: z.int(),
  attempts: z.int().min(0),
  maxAttempts: z.int().min(1),
  runAfterMs: epochMsSchema,
  leaseOwner: z.string().nullable(),
  leaseExpiresAtMs: epochMsSchema.nullable(),
  heartbeatAtMs: epochMsSchema.nullable(),
  cancelRequested: z.boolean(),
  progress: z.object({
    percent: z.number().min(0).max(100).nullable(),
    message: z.string().nullable(),
    epoch: z.int().min(0).nullable(),
    totalEpochs: z.int().min(0).nullable(),
  }),
  lossHistory: z.array(lossPointSchema),
  result: z.unknown().nullable(),
  error: z.string().nullable(),
  errorCode: z.string().nullable(),
  dedupeKey: z.string().nullable(),
  /** The user who started the job; null for jobs the system started. */
  ownerUserId: z.string().nullable(),
  createdAtMs: epochMsSchema,
  startedAtMs: epochMsSchema.nullable(),
  finishedAtMs: epochMsSchema.nullable(),
  updatedAtMs: epochMsSchema,
});
export type JobRecordMessage = z.infer<typeof jobRecordSchema>;

/** Progress or a state change of one job, on topic `jobs.progress.<jobId>`. */
export const jobProgressMessageSchema = z.object({
  jobId: z.uuid(),
  kind: jobKindSchema,
  state: jobStateSchema,
  attempt: z.int().min(0),
  percent: z.number().min(0).max(100).nullable(),
  message: z.string().max(2000).nullable(),
  epoch: z.int().min(0).nullable(),
  totalEpochs: z.int().min(0).nullable(),
  trainLoss: z.number().nullable(),
  validationLoss: z.number().nullable(),
  /** Why the job failed, when `state` is `failed`. */
  error: z.string().max(4000).nullable(),
  atMs: epochMsSchema,
});
export type JobProgressMessage = z.infer<typeof jobProgressMessageSchema>;

/**
 * Probabilistic figures every walk-forward reports beside the point metrics: mean 80% and 95%
 * interval (Winkler) scores and CRPS in price (lower is better), their skill against naive with
 * plain conformal bands on the same origins (1 − model/naive: above 0 is better), and the
 * Diebold-Mariano test of the 80% interval score against that baseline.
 */
export const probabilisticMetrics = [
  'intervalScore80',
  'intervalScore95',
  'crps',
  'intervalSkill80',
  'intervalSkill95',
  'crpsSkill',
  'dmIntervalStatistic80',
  'dmIntervalPValue80',
] as const;
export type ProbabilisticMetric = (typeof probabilisticMetrics)[number];

/** Walk-forward figures of one model; null where a figure does not apply (e.g. naive vs itself). */
export const forecastMetricsSchema = z.record(z.string(), z.number().nullable());
export type ForecastMetricsRecord = z.infer<typeof forecastMetricsSchema>;

/** A registered model version (the artifact bytes are fetched separately). */
export const modelVersionSchema = z.object({
  id: z.int().min(1),
  modelType: modelTypeSchema,
  series: seriesKeySchema,
  horizonMinutes: horizonMinutesSchema,
  params: modelParamsSchema,
  featureNames: z.array(z.string()),
  featureSettings: modelParamsSchema,
  crossAssetSeries: z.array(seriesKeySchema),
  trainingStartMs: epochMsSchema,
  trainingEndMs: epochMsSchema,
  trainingCandles: z.int().min(1),
  dataFingerprint: z.string().regex(/^[0-9a-f]{64}$/),
  metrics: forecastMetricsSchema,
  evaluation: z.record(z.string(), z.unknown()),
  artifactBytes: z.int().min(1),
  artifactSha256: z.string().regex(/^[0-9a-f]{64}$/),
  stage: modelStageSchema,
  createdAtMs: epochMsSchema,
  stageChangedAtMs: epochMsSchema,
  jobId: z.uuid().nullable(),
});
export type ModelVersionRecord = z.infer<typeof modelVersionSchema>;

/** One forecast of the ledger, with its score once the target time has passed. */
export const forecastRecordSchema = z.object({
  id: z.int().min(1),
  series: seriesKeySchema,
  horizonMinutes: horizonMinutesSchema,
  modelVersionId: z.int().min(1),
  modelType: modelTypeSchema,
  madeAtMs: epochMsSchema,
  inputStartMs: epochMsSchema,
  inputEndMs: epochMsSchema,
  issuedAtMs: epochMsSchema,
  targetTimeMs: epochMsSchema,
  lastClose: z.number().positive(),
  point: z.number().positive(),
  lower80: z.number(),
  upper80: z.number(),
  lower95: z.number(),
  upper95: z.number(),
  actualClose: z.number().positive().nullable(),
  scoredAtMs: epochMsSchema.nullable(),
  error: z.number().nullable(),
  naiveError: z.number().nullable(),
  hit80: z.boolean().nullable(),
  hit95: z.boolean().nullable(),
});
export type ForecastRecordMessage = z.infer<typeof forecastRecordSchema>;

/** A new forecast of the ledger, on topic `forecasts.made.<exchange>.<BASE-QUOTE>.<timeframe>`. */
export const forecastMadeMessageSchema = forecastRecordSchema
  .pick({
    id: true,
    series: true,
    horizonMinutes: true,
    modelVersionId: true,
    modelType: true,
    madeAtMs: true,
    inputStartMs: true,
    inputEndMs: true,
    issuedAtMs: true,
    targetTimeMs: true,
    lastClose: true,
    point: true,
    lower80: true,
    upper80: true,
    lower95: true,
    upper95: true,
  })
  .superRefine((forecast, context) => {
    if (!(
      forecast.lower95 <= forecast.lower80 &&
      forecast.lower80 <= forecast.upper80 &&
      forecast.upper80 <= forecast.upper95
    )) {
      context.addIssue({
        code: 'custom',
        message: 'bands must nest: lower95 <= lower80 <= upper80 <= upper95',
        path: ['lower80'],
      });
    }
  });
export type ForecastMadeMessage = z.infer<typeof forecastMadeMessageSchema>;

/** Accuracy of one model version's scored forecasts (all of them, or a recent window). */
export const forecastAccuracySchema = z.object({
  modelVersionId: z.int().min(1),
  modelType: modelTypeSchema,
  series: seriesKeySchema,
  horizonMinutes: horizonMinutesSchema,
  scored: z.int().min(0),
  mae: z.number().nullable(),
  rmse: z.number().nullable(),
  naiveMae: z.number().nullable(),
  /** mae / naiveMae on the same forecasts: below 1 beats naive. */
  relativeMae: z.number().nullable(),
  coverage80: z.number().nullable(),
  coverage95: z.number().nullable(),
  /** Mean interval (Winkler) scores of the 80% and 95% bands, in price; lower is better. */
  intervalScore80: z.number().nullable(),
  intervalScore95: z.number().nullable(),
  directionalAccuracy: z.number().nullable(),
  firstTargetMs: epochMsSchema.nullable(),
  lastTargetMs: epochMsSchema.nullable(),
});
export type ForecastAccuracyRecord = z.infer<typeof forecastAccuracySchema>;

/**
 * How one model version fares over its most recent scored forecasts, announced after each scoring
 * sweep that scored any of them, on topic `forecasts.scored.<exchange>.<BASE-QUOTE>.<timeframe>`.
 */
export const forecastScoredMessageSchema = forecastAccuracySchema
  .pick({
    modelVersionId: true,
    modelType: true,
    series: true,
    horizonMinutes: true,
    scored: true,
    mae: true,
    naiveMae: true,
    relativeMae: true,
  })
  .extend({
    /** The newest target time in the window: a later sweep announces a later one. */
    lastTargetMs: epochMsSchema,
    atMs: epochMsSchema,
  });
export type ForecastScoredMessage = z.infer<typeof forecastScoredMessageSchema>;

/** Kind of the on-demand forecast job: backfill the market when the store lacks history, train, forecast. */
export const onDemandForecastJobKind = 'forecast-on-demand';

/**
 * A forecast for any market of an exchange, tracked or not: its candles are backfilled from the
 * exchange as far as the store lacks them, a model is trained on them (ridge by default, naive
 * when there is too little data; a production model of the series and horizon is used instead
 * when there is one and no model type is asked for), and the forecast goes to the ledger.
 */
export const onDemandForecastJobPayloadSchema = z
  .object({
    exchange: exchangeIdSchema,
    symbol: symbolSchema,
    timeframe: timeframeSchema,
    horizonMinutes: horizonMinutesSchema,
    modelType: modelTypeSchema.optional(),
  })
  .strict();
export type OnDemandForecastJobPayload = z.infer<typeof onDemandForecastJobPayloadSchema>;

/** `POST /runes/{name}/forecast`: a rune's forecast, 4 h or 24 h ahead (default 24 h). */
export const runeForecastBodySchema = z
  .object({
    horizonMinutes: z
      .union([z.literal(240), z.literal(1440)], { error: 'must be 240 (4 h) or 1440 (24 h)' })
      .default(1440),
    modelType: modelTypeSchema.optional(),
  })
  .strict();

/** What an on-demand forecast job ends with. */
export const onDemandForecastResultSchema = z.object({
  forecast: forecastRecordSchema,
  modelVersionId: z.int().min(1),
  modelType: modelTypeSchema,
  /** True when a version was trained for this forecast; false when an existing one was used. */
  trained: z.boolean(),
  /** Why this model: the production version, a recent version reused, the type asked for, or naive for lack of data. */
  modelChoice: z.string(),
  /** Candles fetched from the exchange (0 when the store had them all). */
  candlesBackfilled: z.int().min(0),
  /** Set when the exchange could not be reached and the forecast used the candles already stored. */
  backfillWarning: z.string().nullable(),
});
export type OnDemandForecastResult = z.infer<typeof onDemandForecastResultSchema>;
