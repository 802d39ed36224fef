import { ValidationError } from '@runecast/market';
import { dieboldMariano, dieboldMarianoOnLosses, type DieboldMarianoResult } from './diebold-mariano.ts';
import type { ForecastMetrics } from './forecast-metrics.ts';
import { intervalScores } from './metrics.ts';
import type { WalkForwardModelResult, WalkForwardResult } from './walk-forward.ts';

/** One model walked forward twice on the same origins: without and with extra features. */
export interface FeatureSetComparison {
  label: string;
  origins: number;
  without: ForecastMetrics;
  with: ForecastMetrics;
  /**
   * Diebold-Mariano on squared log errors, with-features minus without: a negative statistic means
   * the extra features lowered the loss.
   */
  squaredError: DieboldMarianoResult;
  /** The same test on the 80% interval score. */
  intervalScore80: DieboldMarianoResult;
}

function logErrors(model: WalkForwardModelResult): Float64Array {
  const { actualClose, lastClose, logReturn } = model.forecasts;
  return Float64Array.from(
    { length: actualClose.length },
    (_, index) => Math.log(actualClose[index]! / lastClose[index]!) - logReturn[index]!,
  );
}

function intervalScores80(model: WalkForwardModelResult): Float64Array {
  const { actualClose, lower80, upper80 } = model.forecasts;
  return intervalScores(actualClose, lower80, upper80, 0.2);
}

/**
 * Compares each model of `labels` between two walk-forward runs that differ only in the features
 * the models read. The runs must have forecast exactly the same origins (the same matrix rows, the
 * same horizon and step), or the losses would not be paired: then this throws, naming the first
 * difference, rather than compare unlike with unlike.
 */
export function compareFeatureSets(
  without: WalkForwardResult,
  withFeatures: WalkForwardResult,
  labels: readonly string[],
): FeatureSetComparison[] {
  if (without.horizonSteps !== withFeatures.horizonSteps) {
    throw new ValidationError(
      `feature set comparison: horizons differ (${without.horizonSteps} and ${withFeatures.horizonSteps} steps)`,
    );
  }
  if (without.settings.stepSteps !== withFeatures.settings.stepSteps) {
    throw new ValidationError('feature set comparison: the runs step through origins differently');
  }
  const left = without.origins.openTimeMs;
  const right = withFeatures.origins.openTimeMs;
  if (left.length !== right.length) {
    throw new ValidationError(
      `feature set comparison: the runs forecast ${left.length} and ${withFeatures.origins.openTimeMs.length} origins; start the test where every feature is known`,
    );
  }
  for (let position = 0; position < left.length; position += 1) {
    if (left[position] !== right[position]) {
      throw new ValidationError(
        `feature set comparison: origin ${position} differs (${new Date(left[position]!).toISOString()} and ${new Date(right[position]!).toISOString()})`,
      );
    }
  }
  const horizonObservations = Math.ceil(without.horizonSteps / without.settings.stepSteps);
  const find = (result: WalkForwardResult, label: string): WalkForwardModelResult => {
    const model = result.models.find((candidate) => candidate.label === label);
    if (!model) throw new ValidationError(`feature set comparison: no model ${label} in both runs`);
    return model;
  };
  return labels.map((label) => {
    const before = find(without, label);
    const after = find(withFeatures, label);
    return {
      label,
      origins: left.length,
      without: before.metrics,
      with: after.metrics,
      squaredError: dieboldMariano(logErrors(after), logErrors(before), horizonObservations),
      intervalScore80: dieboldMarianoOnLosses(
        intervalScores80(after),
        intervalScores80(before),
        horizonObservations,
      ),
    };
  });
}
