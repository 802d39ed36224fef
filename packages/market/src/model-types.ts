/**
 * Forecasting models Runecast ships, in the order pages and commands list them: baselines
 * first (`naive-volatility` is naive's forecast with bands scaled by a volatility forecast).
 * The server's forecaster registry holds exactly these (a test keeps them equal).
 */
export const MODEL_TYPES = [
  'naive',
  'drift',
  'seasonal-naive',
  'arima',
  'ridge',
  'rf',
  'svr',
  'naive-volatility',
  'lstm',
  'gru',
] as const;
export type ModelType = (typeof MODEL_TYPES)[number];

/** Models that learn from the feature matrix (and so have feature importance and a training window). */
export const FEATURE_MODEL_TYPES: readonly ModelType[] = ['ridge', 'rf', 'svr', 'lstm', 'gru'];

export function isModelType(value: string): value is ModelType {
  return (MODEL_TYPES as readonly string[]).includes(value);
}
