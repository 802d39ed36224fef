import { horizonSteps as toHorizonSteps, ValidationError } from '@runecast/market';
import type { FeatureMatrix } from '../../features/feature-matrix.ts';
import { createSeededRandom, type RandomSource } from '../../features/seeded-random.ts';
import { getForecasterDefinition, parseForecasterParams } from '../forecaster.registry.ts';
import type { ParameterDistribution, ParameterSpace } from '../parameter-space.ts';
import type { ForecastMetrics } from './forecast-metrics.ts';
import { runWalkForward, type WalkForwardSettings } from './walk-forward.ts';

/** Metrics a search can minimise. */
export const TUNING_METRICS = ['rmse', 'mae', 'mase', 'pinball'] as const;
export type TuningMetric = (typeof TUNING_METRICS)[number];

export interface TuneHyperparametersInput {
  matrix: FeatureMatrix;
  modelType: string;
  horizonMinutes: number;
  /** Last candle of the training period; no candle after it is read. */
  trainingEndIndex: number;
  /** Forecast origins of the inner walk-forward, the last ones whose targets fall in the training period. */
  validationSteps: number;
  /** Candidates to score, the model's defaults first (default 10). */
  trials?: number;
  seed?: number;
  metric?: TuningMetric;
  /** Parameters fixed for every candidate (drawn ones override them). */
  baseParams?: Record<string, unknown>;
  /** Overrides the model's declared space. */
  parameterSpace?: ParameterSpace;
  /** Inner walk-forward settings (refit interval, step, embargo, …). */
  walkForward?: Omit<WalkForwardSettings, 'horizonMinutes' | 'testStartIndex' | 'testEndIndex'>;
  onTrial?: (trial: TuningTrial) => void;
  signal?: AbortSignal;
}

export interface TuningTrial {
  trial: number;
  /** Parameters with defaults filled in. */
  params: Record<string, unknown>;
  /** The chosen metric; Infinity when the candidate failed. */
  score: number;
  metrics: ForecastMetrics | null;
  /** Same metric for naive on the same origins, for comparison. */
  naiveScore: number | null;
  error: string | null;
  durationMs: number;
}

export interface TuningResult {
  modelType: string;
  horizonMinutes: number;
  metric: TuningMetric;
  /** Inner walk-forward origins: first and last row index. */
  validationStartIndex: number;
  validationEndIndex: number;
  trials: TuningTrial[];
  best: TuningTrial;
}

function draw(distribution: ParameterDistribution, random: RandomSource): number | string | boolean {
  switch (distribution.kind) {
    case 'integer':
      return distribution.min + Math.floor(random() * (distribution.max - distribution.min + 1));
    case 'uniform':
      return distribution.min + random() * (distribution.max - distribution.min);
    case 'log-uniform': {
      const low = Math.log(distribution.min);
      return Math.exp(low + random() * (Math.log(distribution.max) - low));
    }
    case 'choice':
      return distribution.values[Math.floor(random() * distribution.values.length)]!;
  }
}

/** Draws one candidate from a parameter space. */
export function sampleParameters(space: ParameterSpace, random: RandomSource): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const name of Object.keys(space).sort()) params[name] = draw(space[name]!, random);
  return params;
}

/**
 * Random search: each candidate is scored by a walk-forward over the last `validationSteps` origins
 * of the training period only (every target at or before `trainingEndIndex`), so the test period
 * that follows stays unseen. Returns every trial, best (lowest score) marked.
 */
export async function tuneHyperparameters(input: TuneHyperparametersInput): Promise<TuningResult> {
  const definition = getForecasterDefinition(input.modelType);
  const metric = input.metric ?? 'rmse';
  if (!TUNING_METRICS.includes(metric)) {
    throw new ValidationError(`unknown tuning metric "${metric}"; use one of ${TUNING_METRICS.join(', ')}`);
  }
  const trials = input.trials ?? 10;
  if (!Number.isSafeInteger(trials) || trials < 1)
    throw new ValidationError(`trials must be a positive integer, got ${trials}`);
  const lastRow = input.matrix.rows.length - 1;
  if (
    !Number.isSafeInteger(input.trainingEndIndex) ||
    input.trainingEndIndex < 0 ||
    input.trainingEndIndex > lastRow
  ) {
    throw new ValidationError(
      `trainingEndIndex ${input.trainingEndIndex} is outside the feature matrix (0..${lastRow})`,
    );
  }
  if (!Number.isSafeInteger(input.validationSteps) || input.validationSteps < 1) {
    throw new ValidationError(`validationSteps must be a positive integer, got ${input.validationSteps}`);
  }
  const horizonSteps = toHorizonSteps(input.horizonMinutes, input.matrix.timeframe);
  const validationEndIndex = input.trainingEndIndex - horizonSteps;
  const validationStartIndex = validationEndIndex - input.validationSteps + 1;
  if (validationStartIndex < 1) {
    throw new ValidationError(
      `the training period (${input.trainingEndIndex + 1} candles) is too short for ${input.validationSteps} validation origins`,
    );
  }
  const space = input.parameterSpace ?? definition.parameterSpace;
  const random = createSeededRandom(input.seed ?? 1);
  const results: TuningTrial[] = [];
  for (let trial = 0; trial < trials; trial += 1) {
    // Trial 0 scores the defaults, so the search reports whether tuning helped at all.
    const drawn = trial === 0 || Object.keys(space).length === 0 ? {} : sampleParameters(space, random);
    const startedMs = performance.now();
    let params: Record<string, unknown> = { ...input.baseParams, ...drawn };
    let outcome: TuningTrial;
    try {
      params = parseForecasterParams(input.modelType, params);
      const result = await runWalkForward({
        matrix: input.matrix,
        models: [{ modelType: input.modelType, params }],
        settings: {
          ...input.walkForward,
          horizonMinutes: input.horizonMinutes,
          testStartIndex: validationStartIndex,
          testEndIndex: validationEndIndex,
        },
        ...(input.signal ? { signal: input.signal } : {}),
      });
      const model = result.models.find((entry) => entry.modelType === input.modelType)!;
      const naive = result.models.find((entry) => entry.modelType === 'naive')!;
      outcome = {
        trial,
        params,
        score: model.metrics[metric],
        metrics: model.metrics,
        naiveScore: naive.metrics[metric],
        error: null,
        durationMs: performance.now() - startedMs,
      };
    } catch (error) {
      if (input.signal?.aborted) throw error;
      // A candidate that cannot be fitted is a result of the search, not a reason to stop it.
      outcome = {
        trial,
        params,
        score: Number.POSITIVE_INFINITY,
        metrics: null,
        naiveScore: null,
        error: (error as Error).message,
        durationMs: performance.now() - startedMs,
      };
    }
    results.push(outcome);
    input.onTrial?.(outcome);
  }
  const best = results.reduce((winner, candidate) => (candidate.score < winner.score ? candidate : winner));
  if (!Number.isFinite(best.score)) {
    throw new ValidationError(`every ${input.modelType} candidate failed; first error: ${results[0]!.error}`);
  }
  return {
    modelType: input.modelType,
    horizonMinutes: input.horizonMinutes,
    metric,
    validationStartIndex,
    validationEndIndex,
    trials: results,
    best,
  };
}
