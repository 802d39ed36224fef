import { z } from 'zod';

/** The walk-forward forecasts a version keeps for charts (`evaluation.forecasts`). */
export const evaluationForecastsSchema = z.object({
  targetTimeMs: z.array(z.number()),
  lastClose: z.array(z.number()),
  actualClose: z.array(z.number()),
  point: z.array(z.number()),
  lower80: z.array(z.number()),
  upper80: z.array(z.number()),
  lower95: z.array(z.number()),
  upper95: z.array(z.number()),
});
export type EvaluationForecasts = z.infer<typeof evaluationForecastsSchema>;

/** The evaluation forecasts of a version, or null when it kept none (or another shape). */
export function readEvaluationForecasts(evaluation: Record<string, unknown>): EvaluationForecasts | null {
  const parsed = evaluationForecastsSchema.safeParse(evaluation.forecasts);
  if (!parsed.success || parsed.data.targetTimeMs.length === 0) return null;
  return parsed.data;
}

/** Share of the last `window` actuals inside [lower, upper] at each point (null until the window fills). */
export function rollingHitRate(
  actual: readonly number[],
  lower: readonly number[],
  upper: readonly number[],
  window: number,
): (number | null)[] {
  const hits = actual.map((value, index) => (value >= lower[index]! && value <= upper[index]! ? 1 : 0));
  const rates: (number | null)[] = [];
  let sum = 0;
  for (let index = 0; index < hits.length; index += 1) {
    sum += hits[index]!;
    if (index >= window) sum -= hits[index - window]!;
    rates.push(index >= window - 1 ? sum / window : null);
  }
  return rates;
}

/** Forecast error (point − actual) and naive's (last close − actual) at each target. */
export function forecastErrors(forecasts: EvaluationForecasts): { model: number[]; naive: number[] } {
  return {
    model: forecasts.point.map((point, index) => point - forecasts.actualClose[index]!),
    naive: forecasts.lastClose.map((close, index) => close - forecasts.actualClose[index]!),
  };
}
