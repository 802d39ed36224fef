/** Significance level below which a Diebold-Mariano p-value says a model differs from naive. */
export const NAIVE_SIGNIFICANCE = 0.05;

/**
 * A model's error over the naive forecast's error on the same points: below 1 beats naive.
 * Null when either is missing or naive made no error (the ratio means nothing then).
 */
export function errorRelativeToNaive(
  modelError: number | null | undefined,
  naiveError: number | null | undefined,
): number | null {
  if (modelError === null || modelError === undefined || !Number.isFinite(modelError)) return null;
  if (naiveError === null || naiveError === undefined || !Number.isFinite(naiveError) || naiveError <= 0)
    return null;
  return modelError / naiveError;
}

/**
 * Whether a model beats naive: its relative error is below 1 and a Diebold-Mariano test says so
 * (p below `significance`). False when it is no better, or better by chance; null when the
 * relative error is unknown, or below 1 with no test to tell.
 */
export function beatsNaive(
  relativeError: number | null | undefined,
  pValue: number | null | undefined,
  significance = NAIVE_SIGNIFICANCE,
): boolean | null {
  if (relativeError === null || relativeError === undefined || Number.isNaN(relativeError)) return null;
  if (pValue === null || pValue === undefined || Number.isNaN(pValue))
    return relativeError < 1 ? null : false;
  return relativeError < 1 && pValue < significance;
}
