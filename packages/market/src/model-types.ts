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
  'ses',
  'theta',
  'ensemble',
  'lstm',
  'gru',
] as const;
export type ModelType = (typeof MODEL_TYPES)[number];
