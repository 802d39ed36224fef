/** How random search draws one hyperparameter. */
export type ParameterDistribution =
  | { kind: 'integer'; min: number; max: number }
  | { kind: 'uniform'; min: number; max: number }
  | { kind: 'log-uniform'; min: number; max: number }
  | { kind: 'choice'; values: readonly (number | string | boolean)[] };

/** The hyperparameters a model declares as tunable, by parameter name. */
export type ParameterSpace = Readonly<Record<string, ParameterDistribution>>;
