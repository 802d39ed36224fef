import { z } from 'zod';
import { safeText, seriesKeySchema } from '../common.schema.ts';
import {
  forecastAccuracySchema,
  forecastMadeMessageSchema,
  forecastMetricsSchema,
  forecastRecordSchema,
  horizonMinutesSchema,
  jobKindSchema,
  jobRecordSchema,
  jobStates,
  lossPointSchema,
  modelStageSchema,
  modelTypeSchema,
  modelVersionSchema,
  registryMetricSchema,
  volatilitySpecSchema,
} from '../jobs.schema.ts';
import {
  booleanQuerySchema,
  integerQuerySchema,
  seriesQuerySchema,
  timeQuerySchema,
  uuidSchema,
} from './common.schema.ts';
import { streamTicketQuerySchema } from './stream.schema.ts';

// Forecasts, the model registry and jobs over HTTP. Job bodies are the job payload schemas of
// jobs.schema.ts; the records answered are its record schemas.

const MAX_HORIZON_MINUTES = 366 * 1440;
const HORIZON_UNIT_MINUTES: Readonly<Record<string, number>> = { m: 1, h: 60, d: 1440 };

/** A horizon in a query: minutes (`240`) or a duration (`15m`, `4h`, `1d`). Parsed to minutes. */
export const horizonQuerySchema = safeText()
  .max(12)
  .describe('horizon as minutes (240) or a duration (15m, 4h, 1d)')
  .transform((text, context) => {
    const match = /^(\d{1,6})([mhd]?)$/.exec(text.trim());
    const minutes = match ? Number(match[1]) * HORIZON_UNIT_MINUTES[match[2] || 'm']! : Number.NaN;
    if (!Number.isSafeInteger(minutes) || minutes < 1 || minutes > MAX_HORIZON_MINUTES) {
      context.addIssue({
        code: 'custom',
        message: 'must be minutes (240) or a duration such as 15m, 4h or 1d, at most a year',
      });
      return z.NEVER;
    }
    return minutes;
  });

/** A model version id in a path or query. */
export const modelVersionIdTextSchema = integerQuerySchema({
  min: 1,
  max: Number.MAX_SAFE_INTEGER,
  description: 'model version id, e.g. 12',
});

/** Comma-separated values of a list filter (`state=queued,running`), split and trimmed. */
function commaListSchema(description: string) {
  return safeText()
    .max(500)
    .describe(description)
    .transform((text) =>
      text
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part.length > 0),
    );
}

const MAX_LIST_VALUES = 10;

// ---------------------------------------------------------------------------------------------
// Forecasts

/** A forecast of the ledger: point, 80% and 95% bands, model version, input range, target time, and its score once known. */
export const apiForecastSchema = forecastRecordSchema.meta({ id: 'Forecast' });
export type ApiForecast = z.infer<typeof apiForecastSchema>;

export const latestForecastQuerySchema = z.strictObject({
  series: seriesQuerySchema,
  /** One horizon; default: the latest forecast of every horizon the series has models for. */
  horizon: horizonQuerySchema.optional(),
});

/** The newest forecast per horizon of a series, shortest horizon first (empty when none was made). */
export const latestForecastResponseSchema = z.object({
  series: z.string(),
  forecasts: z.array(apiForecastSchema),
});
export type LatestForecastResponse = z.infer<typeof latestForecastResponseSchema>;

export const maxForecastsPerPage = 5_000;

export const forecastHistoryQuerySchema = z.strictObject({
  series: seriesQuerySchema.optional(),
  horizon: horizonQuerySchema.optional(),
  modelVersionId: modelVersionIdTextSchema.optional(),
  /** Forecasts issued at or after this time. */
  from: timeQuerySchema.optional(),
  /** Forecasts issued before this time (page backwards with the oldest `issuedAtMs` seen). */
  to: timeQuerySchema.optional(),
  /** Only scored forecasts (true) or only those still waiting for their target (false). */
  scored: booleanQuerySchema.optional(),
  limit: integerQuerySchema({ min: 1, max: maxForecastsPerPage }).optional(),
});

/** Error figures of the forecasts answered, beside naive's on the same forecasts. */
export const forecastHistorySummarySchema = z.object({
  forecasts: z.int().min(0),
  scored: z.int().min(0),
  mae: z.number().nullable(),
  naiveMae: z.number().nullable(),
  /** mae / naiveMae: below 1 beats naive. */
  relativeMae: z.number().nullable(),
  coverage80: z.number().nullable(),
  coverage95: z.number().nullable(),
});

/** Newest issued first; scored ones carry the actual close, the error and naive's error. */
export const forecastHistoryResponseSchema = z.object({
  forecasts: z.array(apiForecastSchema),
  summary: forecastHistorySummarySchema,
});
export type ForecastHistoryResponse = z.infer<typeof forecastHistoryResponseSchema>;

export const forecastAccuracyQuerySchema = z.strictObject({
  series: seriesQuerySchema.optional(),
  horizon: horizonQuerySchema.optional(),
  modelVersionId: modelVersionIdTextSchema.optional(),
  /** Only forecasts whose target time is at or after this (a rolling window). */
  since: timeQuerySchema.optional(),
});

export const forecastAccuracyResponseSchema = z.object({
  accuracy: z.array(forecastAccuracySchema.meta({ id: 'ForecastAccuracy' })),
});

// ---------------------------------------------------------------------------------------------
// Jobs

/** A job as stored, with its progress, loss curve, result and error. */
export const apiJobSchema = jobRecordSchema.meta({ id: 'Job' });
export type ApiJob = z.infer<typeof apiJobSchema>;

/** A job in a list: everything but the result and the loss curve. */
export const apiJobSummarySchema = jobRecordSchema
  .omit({ result: true, lossHistory: true })
  .meta({ id: 'JobSummary' });
export type ApiJobSummary = z.infer<typeof apiJobSummarySchema>;

export const jobParamsSchema = z.strictObject({
  jobId: uuidSchema.describe('job id (UUID)').transform((text) => text.toLowerCase()),
});

export const jobListQuerySchema = z.strictObject({
  state: commaListSchema(`job states, comma-separated: ${jobStates.join(', ')}`)
    .pipe(
      z
        .array(z.enum(jobStates, { error: `must be one of ${jobStates.join(', ')}` }))
        .min(1, 'name at least one state')
        .max(MAX_LIST_VALUES, `at most ${MAX_LIST_VALUES} states`),
    )
    .optional(),
  kind: commaListSchema('job kinds, comma-separated, e.g. train,backtest')
    .pipe(
      z
        .array(jobKindSchema)
        .min(1, 'name at least one kind')
        .max(MAX_LIST_VALUES, `at most ${MAX_LIST_VALUES} kinds`),
    )
    .optional(),
  limit: integerQuerySchema({ min: 1, max: 1000 }).optional(),
  /** Page backwards: jobs created before this time (pass the oldest `createdAtMs` seen). */
  before: timeQuerySchema.optional(),
});

/** Newest first. */
export const jobListResponseSchema = z.object({
  jobs: z.array(apiJobSummarySchema),
  /** Pass as `before` for the next page; null when this page is the last. */
  nextBeforeMs: z.int().nullable(),
});
export type JobListResponse = z.infer<typeof jobListResponseSchema>;

/** Query of a job's progress stream (EventSource cannot send headers). */
export const jobEventsQuerySchema = z.strictObject({
  ticket: streamTicketQuerySchema.optional(),
});

/** Query of the progress stream of every job. */
export const allJobEventsQuerySchema = z.strictObject({
  kind: commaListSchema('only these job kinds, comma-separated')
    .pipe(
      z
        .array(jobKindSchema)
        .min(1, 'name at least one kind')
        .max(MAX_LIST_VALUES, `at most ${MAX_LIST_VALUES} kinds`),
    )
    .optional(),
  ticket: streamTicketQuerySchema.optional(),
});

// ---------------------------------------------------------------------------------------------
// Models

/** A registered version without its evaluation detail, with naive's metrics on the same origins. */
export const apiModelSummarySchema = modelVersionSchema
  .omit({ evaluation: true })
  .extend({
    /** Naive's walk-forward metrics on the same forecast origins (null when not recorded). */
    naiveMetrics: forecastMetricsSchema.nullable(),
  })
  .meta({ id: 'ModelVersionSummary' });
export type ApiModelSummary = z.infer<typeof apiModelSummarySchema>;

export const versionParamsSchema = z.strictObject({ versionId: modelVersionIdTextSchema });

export const modelListQuerySchema = z.strictObject({
  series: seriesQuerySchema.optional(),
  horizon: horizonQuerySchema.optional(),
  stage: modelStageSchema.optional(),
  modelType: modelTypeSchema.optional(),
  limit: integerQuerySchema({ min: 1, max: 5000 }).optional(),
});

/** Newest first. */
export const modelListResponseSchema = z.object({ models: z.array(apiModelSummarySchema) });
export type ModelListResponse = z.infer<typeof modelListResponseSchema>;

export const promotionRecordSchema = z.object({
  id: z.int(),
  series: z.string(),
  horizonMinutes: z.int(),
  action: z.enum(['promote', 'rollback']),
  versionId: z.int(),
  previousVersionId: z.int().nullable(),
  reason: z.string().nullable(),
  atMs: z.int(),
});

/**
 * Whether a version may serve point forecasts in production: naive always; any other model only
 * when its walk-forward beat naive significantly (Diebold-Mariano p < 0.05).
 */
export const naiveGateSchema = z.object({ beatsNaive: z.boolean(), reason: z.string() });

/**
 * Adaptive conformal inference on one band level of a version: the coverage its next band is
 * issued at (1 − α_t) and the live coverage of the scored forecasts that moved it.
 */
export const adaptiveBandLevelSchema = z
  .object({
    /** Nominal coverage: 0.8 or 0.95. */
    nominalCoverage: z.number(),
    /** α_t: the miscoverage rate the next band is issued at. */
    alpha: z.number(),
    /** 1 − α_t: the calibrator's quantile the next band uses. */
    issuingCoverage: z.number(),
    /** Step size γ of the update α ← α + γ (nominal α − miss). */
    gamma: z.number(),
    /** Scored forecasts that moved α, and the share whose actual fell inside the band. */
    outcomes: z.int().min(0),
    liveCoverage: z.number().nullable(),
    updatedAtMs: z.int().nullable(),
  })
  .meta({ id: 'AdaptiveBandLevel' });
export type AdaptiveBandLevel = z.infer<typeof adaptiveBandLevelSchema>;

/**
 * Permutation importance of a feature model on its validation window: per feature, the increase
 * in validation MAE (in log return) when the feature's column is shuffled, mean and standard
 * deviation over seeded repeats, most important first.
 */
export const featureImportanceSchema = z
  .object({
    unit: z.literal('log return'),
    baselineMae: z.number(),
    rows: z.int().min(0),
    repeats: z.int().min(1),
    seed: z.int(),
    validationFromMs: z.int(),
    validationToMs: z.int(),
    features: z.array(
      z.object({ feature: z.string(), meanIncrease: z.number(), standardDeviation: z.number() }),
    ),
  })
  .meta({ id: 'FeatureImportance' });
export type FeatureImportance = z.infer<typeof featureImportanceSchema>;

/**
 * What the evidence charts draw, computed from the same walk-forward forecasts as the metrics:
 * series thinned to at most 600 points (every `stride`-th origin, ending with the last).
 */
export const forecastEvidenceSchema = z
  .object({
    /** Origins the walk-forward scored, before thinning. */
    origins: z.int().min(1),
    stride: z.int().min(1),
    /** Origins in the trailing mean of the interval scores (an expanding mean until it fills). */
    rollingWindow: z.int().min(1),
    series: z
      .object({
        targetTimeMs: z.array(z.number()),
        actualClose: z.array(z.number()),
        point: z.array(z.number()),
        lower80: z.array(z.number()),
        upper80: z.array(z.number()),
        lower95: z.array(z.number()),
        upper95: z.array(z.number()),
        /** Trailing mean of the 80% interval score. */
        intervalScore80: z.array(z.number()),
        /** The same of naive with plain conformal bands on the same origins, the skill reference. */
        naiveIntervalScore80: z.array(z.number()),
        /** Long/flat strategy after fees from 1; the last value is 1 + the strategy return of the metrics. */
        strategyEquity: z.array(z.number()),
        /** Buy and hold from 1; the last value is 1 + buyAndHoldReturn. */
        buyAndHoldEquity: z.array(z.number()),
      })
      .refine(
        (series) => Object.values(series).every((values) => values.length === series.targetTimeMs.length),
        'every series has one value per charted origin',
      ),
    /** Observed share of actuals inside the central band at each nominal coverage (5% … 95%). */
    calibration: z.object({ nominal: z.array(z.number()), observed: z.array(z.number()) }),
    /** Probability integral transform counts in 10 equal bins of [0, 1]; flat when calibrated. */
    pitHistogram: z.array(z.int().min(0)),
  })
  .meta({ id: 'ForecastEvidence' });
export type ForecastEvidence = z.infer<typeof forecastEvidenceSchema>;

/** One version with its whole evaluation, how it was trained, its live accuracy and its stage history. */
export const modelDetailResponseSchema = z.object({
  model: modelVersionSchema.meta({ id: 'ModelVersion' }),
  naiveMetrics: forecastMetricsSchema.nullable(),
  naiveGate: naiveGateSchema,
  training: z.object({
    /** The job that trained it, without its result (null for versions registered otherwise). */
    job: apiJobSummarySchema.nullable(),
    /** Training and validation loss per epoch of the final fit (empty for models without epochs). */
    lossHistory: z.array(lossPointSchema),
  }),
  /** Accuracy of its forecasts in the ledger (null before any is scored). */
  accuracy: forecastAccuracySchema.nullable(),
  /** The 80% and 95% bands' adaptive conformal state: issuing coverage against nominal and live coverage. */
  adaptiveBands: z.array(adaptiveBandLevelSchema),
  /** Permutation importance on the validation window (feature models trained with it; null otherwise). */
  featureImportance: featureImportanceSchema.nullable(),
  /** Charts of the walk-forward evaluation (null for versions trained before it was kept). */
  evidence: forecastEvidenceSchema.nullable(),
  /** Promotions and rollbacks of its series and horizon that involved it, newest first. */
  promotions: z.array(promotionRecordSchema),
});
export type ModelDetailResponse = z.infer<typeof modelDetailResponseSchema>;

export const bestModelQuerySchema = z.strictObject({
  series: seriesQuerySchema,
  horizon: horizonQuerySchema,
  /** Default mase. */
  metric: registryMetricSchema.optional(),
  modelType: modelTypeSchema.optional(),
});

export const bestModelResponseSchema = z.object({
  metric: registryMetricSchema,
  model: apiModelSummarySchema,
});

export const leaderboardQuerySchema = z.strictObject({
  series: seriesQuerySchema,
  horizon: horizonQuerySchema,
  /** Default mase. */
  metric: registryMetricSchema.optional(),
});

export const leaderboardEntrySchema = z.object({
  /** 1 is best; versions without the metric come last. */
  rank: z.int().min(1),
  model: apiModelSummarySchema,
  /** The ranking metric's value (null when the version lacks it). */
  score: z.number().nullable(),
  /** Live accuracy from the ledger (null before any forecast of it is scored). */
  accuracy: forecastAccuracySchema.nullable(),
  naiveGate: naiveGateSchema,
});

/** Non-archived versions best first; naive's newest version is always listed when one exists. */
export const leaderboardResponseSchema = z.object({
  series: z.string(),
  horizonMinutes: z.int(),
  metric: registryMetricSchema,
  /**
   * Why production is naive when candidates exist, e.g. "no model beat naive on 2024-01-10 00:00 →
   * 2024-01-17 08:00 UTC; showing naive"; null otherwise.
   */
  notice: z.string().nullable(),
  entries: z.array(leaderboardEntrySchema),
});
export type LeaderboardResponse = z.infer<typeof leaderboardResponseSchema>;

/** Optional: a request without a body promotes with a default reason. */
export const promoteBodySchema = z.strictObject({ reason: safeText().min(1).max(500).optional() }).nullish();

export const rollbackBodySchema = z.strictObject({
  series: seriesKeySchema,
  horizonMinutes: horizonMinutesSchema,
  reason: safeText().min(1).max(500).optional(),
});

/** The version now in production and the one it replaced (now archived). */
export const stageChangeResponseSchema = z.object({
  production: apiModelSummarySchema,
  replaced: apiModelSummarySchema.nullable(),
});
export type StageChangeResponse = z.infer<typeof stageChangeResponseSchema>;

/** The result of a backtest job: one row per model, naive first. */
export const backtestResultSchema = z
  .object({
    series: z.string(),
    horizonMinutes: z.int(),
    fromMs: z.int(),
    toMs: z.int(),
    firstOriginMs: z.int(),
    lastOriginMs: z.int(),
    origins: z.int(),
    droppedOrigins: z.int(),
    settings: z.record(z.string(), z.unknown()),
    results: z.array(
      z.object({
        /** The model type, or `type+volatility` (e.g. `ridge+har`) when its bands were volatility-scaled. */
        model: z.string().regex(/^[a-z][a-z0-9-]{0,39}(\+[a-z][a-z0-9-]{0,39})?$/),
        modelType: modelTypeSchema,
        params: z.record(z.string(), z.unknown()),
        volatility: volatilitySpecSchema.nullable(),
        /** Point metrics, and intervalScore80/95, crps, intervalSkill80/95, crpsSkill, dmIntervalPValue80 (see `probabilisticMetrics`). */
        metrics: forecastMetricsSchema,
        fits: z.int(),
        failedFits: z.int(),
        fitMs: z.number(),
        predictMs: z.number(),
        /** Charts of this model's walk-forward (absent from backtests run before it was kept). */
        evidence: forecastEvidenceSchema.optional(),
      }),
    ),
  })
  .meta({ id: 'BacktestResult' });
export type BacktestResult = z.infer<typeof backtestResultSchema>;

export const backtestResultResponseSchema = z.object({
  job: apiJobSummarySchema,
  /** Null until the job has succeeded. */
  result: backtestResultSchema.nullable(),
});

// ---------------------------------------------------------------------------------------------
// Live events

/** `event: forecast` of the live stream: a new forecast of a followed series. */
export const streamForecastEventSchema = forecastMadeMessageSchema;
export type StreamForecastEvent = z.infer<typeof streamForecastEventSchema>;
