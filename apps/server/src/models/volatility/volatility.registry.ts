import { ValidationError } from '@runecast/market';
import { ewmaVolatilityDefinition } from './ewma.volatility.ts';
import { garchVolatilityDefinition } from './garch.volatility.ts';
import { harVolatilityDefinition } from './har.volatility.ts';
import type { VolatilityModel, VolatilityModelDefinition } from './volatility-model.port.ts';

// Definitions differ in their parameter types; the registry only passes validated params through.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const definitions = new Map<string, VolatilityModelDefinition<any>>(
  [ewmaVolatilityDefinition, harVolatilityDefinition, garchVolatilityDefinition].map((definition) => [
    definition.modelType,
    definition,
  ]),
);

/** Volatility model ids: `ewma`, `har`, `garch`. */
export function listVolatilityModelTypes(): string[] {
  return [...definitions.keys()];
}

/** Which volatility model scales a forecaster's bands, and its parameters. */
export interface VolatilitySpec {
  modelType: string;
  params?: Record<string, unknown>;
}

/** Validates a volatility spec and fills its parameter defaults. */
export function parseVolatilitySpec(spec: VolatilitySpec): Required<VolatilitySpec> {
  const definition = definitions.get(spec.modelType);
  if (!definition) {
    throw new ValidationError(
      `unknown volatility model "${spec.modelType}"; known: ${listVolatilityModelTypes().join(', ')}`,
    );
  }
  const result = definition.paramsSchema.safeParse(spec.params ?? {});
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${issue.path.join('.') || 'params'}: ${issue.message}`,
    );
    throw new ValidationError(`${spec.modelType} volatility parameters are invalid: ${problems.join('; ')}`);
  }
  return { modelType: spec.modelType, params: result.data as Record<string, unknown> };
}

export function createVolatilityModel(spec: VolatilitySpec, horizonSteps: number): VolatilityModel {
  const parsed = parseVolatilitySpec(spec);
  return definitions.get(parsed.modelType)!.create(horizonSteps, parsed.params);
}

/** Candles before the first forecast origin a volatility model's first fit and forecast read. */
export function volatilityHistorySteps(spec: VolatilitySpec, horizonSteps: number): number {
  const { modelType, params } = parseVolatilitySpec(spec);
  const steps = (name: string): number => (typeof params[name] === 'number' ? (params[name] as number) : 0);
  if (modelType === 'har') {
    const windows = params['windowHorizons'] as number[];
    return steps('trainingWindowSteps') + (Math.max(...windows) + 1) * horizonSteps;
  }
  return Math.max(steps('trainingWindowSteps'), steps('lookbackSteps'));
}
