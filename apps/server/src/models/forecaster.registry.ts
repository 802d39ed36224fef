import { type Timeframe, ValidationError } from '@runecast/market';
import { arimaForecasterDefinition } from './arima.forecaster.ts';
import type { BaseForecaster } from './base.forecaster.ts';
import { DEEP_FORECASTER_DEFINITIONS } from './deep/index.ts';
import { driftForecasterDefinition } from './drift.forecaster.ts';
import { createEnsembleDefinition } from './ensemble.forecaster.ts';
import { sesForecasterDefinition, thetaForecasterDefinition } from './exponential-smoothing.forecaster.ts';
import { decodeArtifact } from './forecaster-artifact.ts';
import type { ForecasterDefinition } from './forecaster-definition.ts';
import type { Forecaster } from './forecaster.port.ts';
import { naiveForecasterDefinition, naiveVolatilityForecasterDefinition } from './naive.forecaster.ts';
import { randomForestForecasterDefinition } from './random-forest.forecaster.ts';
import { ridgeForecasterDefinition } from './ridge.forecaster.ts';
import { seasonalNaiveForecasterDefinition } from './seasonal-naive.forecaster.ts';
import { svrForecasterDefinition } from './svr.forecaster.ts';
import type { VolatilitySpec } from './volatility/volatility.registry.ts';

// Definitions differ in their parameter types; the registry only passes validated params through.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDefinition = ForecasterDefinition<any>;

/**
 * Every model type Runecast ships, by id, in the order of the vocabulary's MODEL_TYPES. Built
 * once from constant definitions and never changed, so no process-wide state hides here.
 */
const definitions: ReadonlyMap<string, AnyDefinition> = new Map(
  [
    naiveForecasterDefinition,
    driftForecasterDefinition,
    seasonalNaiveForecasterDefinition,
    arimaForecasterDefinition,
    ridgeForecasterDefinition,
    randomForestForecasterDefinition,
    svrForecasterDefinition,
    naiveVolatilityForecasterDefinition,
    sesForecasterDefinition,
    thetaForecasterDefinition,
    // Members are built through this registry, looked up when an ensemble is fitted.
    createEnsembleDefinition({
      isKnownModelType: (modelType) => definitions.has(modelType),
      paramsProblem: (modelType, params) => {
        try {
          parseForecasterParams(modelType, params);
          return null;
        } catch (error) {
          return (error as Error).message;
        }
      },
      create: (modelType, settings, params) =>
        createForecaster(modelType, {
          timeframe: settings.timeframe,
          horizonMinutes: settings.horizonMinutes,
          params,
        }),
      restore: (bytes) => deserializeForecaster(bytes),
    }),
    ...DEEP_FORECASTER_DEFINITIONS,
  ].map((definition) => [definition.modelType, definition]),
);

/** Registered model ids in registration order (`naive` first). */
export function listForecasterTypes(): string[] {
  return [...definitions.keys()];
}

export function getForecasterDefinition(modelType: string): AnyDefinition {
  const definition = definitions.get(modelType);
  if (!definition) {
    throw new ValidationError(
      `unknown model "${modelType}"; known models: ${listForecasterTypes().join(', ')}`,
      {
        modelType,
      },
    );
  }
  return definition;
}

/** Validates parameters for a model type and fills its defaults. */
export function parseForecasterParams(
  modelType: string,
  raw: Record<string, unknown> = {},
): Record<string, unknown> {
  const definition = getForecasterDefinition(modelType);
  const result = definition.paramsSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${issue.path.join('.') || 'params'}: ${issue.message}`,
    );
    throw new ValidationError(`${modelType} parameters are invalid: ${problems.join('; ')}`, { modelType });
  }
  return result.data as Record<string, unknown>;
}

export interface CreateForecasterOptions {
  timeframe: Timeframe;
  horizonMinutes: number;
  params?: Record<string, unknown>;
  /** Most recent out-of-sample errors kept for the intervals (default 1000). */
  calibrationWindowSize?: number;
  /** Volatility model scaling the bands (normalized conformal); plain conformal bands without one. */
  volatility?: VolatilitySpec | null;
}

/** A new, unfitted forecaster; throws a ValidationError for an unknown model, bad params or a bad horizon. */
export function createForecaster(
  modelType: string,
  options: CreateForecasterOptions,
): BaseForecaster<Record<string, unknown>> {
  const definition = getForecasterDefinition(modelType);
  const params = parseForecasterParams(modelType, options.params);
  return definition.create(
    {
      timeframe: options.timeframe,
      horizonMinutes: options.horizonMinutes,
      calibrationWindowSize: options.calibrationWindowSize,
      volatility: options.volatility ?? null,
    },
    params,
  );
}

/** Rebuilds a fitted forecaster from `serialize()` bytes; it predicts exactly what the original did. */
export async function deserializeForecaster(bytes: Uint8Array): Promise<Forecaster> {
  const artifact = decodeArtifact(bytes);
  const forecaster = createForecaster(artifact.modelType, {
    timeframe: artifact.timeframe,
    horizonMinutes: artifact.horizonMinutes,
    params: artifact.params,
    calibrationWindowSize: artifact.calibration.windowSize,
    volatility: artifact.volatility
      ? { modelType: artifact.volatility.modelType, params: artifact.volatility.params }
      : null,
  });
  try {
    await forecaster.restore(artifact);
  } catch (error) {
    forecaster.dispose();
    if (error instanceof ValidationError) throw error;
    throw new ValidationError(
      `${artifact.modelType} artifact could not be restored: ${(error as Error).message}`,
    );
  }
  return forecaster;
}
