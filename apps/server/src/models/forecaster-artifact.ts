import { z } from 'zod';
import { type Timeframe, TIMEFRAMES, ValidationError } from '@runecast/market';

export const ARTIFACT_FORMAT = 'runecast.forecaster';
export const ARTIFACT_VERSION = 1;

/** Everything needed to rebuild a fitted forecaster; stored as UTF-8 JSON (JSON numbers round-trip doubles exactly). */
export interface ForecasterArtifact {
  format: typeof ARTIFACT_FORMAT;
  version: typeof ARTIFACT_VERSION;
  modelType: string;
  timeframe: Timeframe;
  horizonMinutes: number;
  params: Record<string, unknown>;
  featureNames: string[];
  calibration: { windowSize: number; residuals: number[] };
  /** Model-specific fitted state. */
  state: unknown;
  /** The volatility model scaling the bands, when there is one. */
  volatility?: { modelType: string; params: Record<string, unknown>; state: unknown };
}

const artifactSchema = z.object({
  format: z.literal(ARTIFACT_FORMAT),
  version: z.literal(ARTIFACT_VERSION),
  modelType: z.string().min(1),
  timeframe: z.enum(TIMEFRAMES),
  horizonMinutes: z.number().int().positive(),
  params: z.record(z.string(), z.unknown()),
  featureNames: z.array(z.string()),
  calibration: z.object({
    windowSize: z.number().int().positive(),
    residuals: z.array(z.number().nonnegative()),
  }),
  state: z.unknown(),
  volatility: z
    .object({ modelType: z.string().min(1), params: z.record(z.string(), z.unknown()), state: z.unknown() })
    .optional(),
});

export function encodeArtifact(artifact: ForecasterArtifact): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(artifact));
}

export function decodeArtifact(bytes: Uint8Array): ForecasterArtifact {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new ValidationError(`forecaster artifact is not UTF-8 JSON: ${(error as Error).message}`);
  }
  const result = artifactSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ValidationError(
      `forecaster artifact is invalid at ${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
  }
  return result.data as ForecasterArtifact;
}
