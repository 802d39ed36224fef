import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { ValidationError } from '@runecast/market';
import { BaseForecaster } from './base.forecaster.ts';
import type { ForecasterDefinition } from './forecaster-definition.ts';
import type { ForecastContext } from './forecaster.port.ts';
import type { TrainingWindow } from './training-window.ts';

const arimaParamsSchema = z
  .object({
    /** One-step log returns the model is fitted on; also how far back residuals are rebuilt when forecasting. */
    trainingWindowSteps: z.number().int().min(50).max(20_000).default(720),
    /** Upper bounds of the auto-ARIMA order search. */
    maxP: z.number().int().min(0).max(5).default(3),
    maxQ: z.number().int().min(0).max(5).default(3),
  })
  .strict();
export type ArimaParams = z.infer<typeof arimaParamsSchema>;

/** A fitted ARMA(p, q) on one-step log returns x: (x_t − μ) = Σ φ_i (x_{t−i} − μ) + e_t − Σ θ_j e_{t−j}. */
export interface ArmaCoefficients {
  mean: number;
  ar: number[];
  /** With ctsa's sign: the MA terms are subtracted. */
  ma: number[];
}

const arimaStateSchema = z
  .object({
    mean: z.number(),
    ar: z.array(z.number()).max(5),
    ma: z.array(z.number()).max(5),
    contextSteps: z.number().int().positive(),
  })
  .strict();

interface ArimaModel {
  fit(series: number[]): ArimaModel;
  predict(steps: number): [number[], number[]];
  destroy(): void;
}
type ArimaConstructor = new (options: Record<string, unknown>) => ArimaModel;

interface ArimaRuntime {
  Arima: ArimaConstructor;
  printed: string[];
}

let runtime: ArimaRuntime | undefined;

/**
 * The `arima` package (a WebAssembly build of ctsa) hides the fitted coefficients, repeated
 * `predict` calls on some auto-ARIMA models drift (each call adds the forecast again), and long
 * forecasts of some models go wrong after a few steps. So the package
 * is used for what it does well, order selection and estimation, and the coefficients are read from
 * its printed summary. A private module instance, built from the package's own files, sends that
 * output to a buffer instead of the console.
 */
function loadArimaRuntime(): ArimaRuntime {
  if (runtime) return runtime;
  const require = createRequire(import.meta.url);
  const packageDirectory = dirname(require.resolve('arima'));
  const createModule = require(join(packageDirectory, 'wasm', 'native-sync.js')) as (
    options: object,
  ) => unknown;
  const wasmBinary = require(join(packageDirectory, 'wrapper', 'native.bin.js')) as Uint8Array;
  const bindArima = require(join(packageDirectory, 'load.js')) as (module: unknown) => ArimaConstructor;
  const printed: string[] = [];
  const capture = (line: string): void => {
    printed.push(line);
  };
  runtime = { Arima: bindArima(createModule({ wasmBinary, print: capture, printErr: capture })), printed };
  return runtime;
}

/** Reads order and coefficients from ctsa's auto-ARIMA summary. */
export function parseArimaSummary(lines: readonly string[]): ArmaCoefficients {
  const start = lines.findIndex((line) => line.includes('AutoARIMA summary'));
  if (start < 0) throw new ValidationError('auto-ARIMA printed no summary');
  const summary = lines.slice(start);
  const orderLine = summary.find((line) => line.includes('Seasonal Order'));
  const order = orderLine ? /\(\s*(\d+),\s*(\d+),\s*(\d+)\)/.exec(orderLine) : null;
  if (!order) throw new ValidationError('auto-ARIMA summary has no order line');
  const [p, d, q] = [Number(order[1]), Number(order[2]), Number(order[3])];
  const coefficients: ArmaCoefficients = { mean: 0, ar: [], ma: [] };
  let trend = 0;
  for (const line of summary) {
    const term = /^\s*(AR|MA)(\d+)\s+(\S+)/.exec(line);
    if (term) {
      const lag = Number(term[2]);
      (term[1] === 'AR' ? coefficients.ar : coefficients.ma)[lag - 1] = Number(term[3]);
      continue;
    }
    const mean = /^\s*MEAN\s+(\S+)/.exec(line);
    if (mean) coefficients.mean = Number(mean[1]);
    const drift = /^\s*TREND\s+(\S+)/.exec(line);
    if (drift) trend = Number(drift[1]);
  }
  const values = [coefficients.mean, trend, ...coefficients.ar, ...coefficients.ma];
  if (
    d !== 0 ||
    trend !== 0 ||
    coefficients.ar.length !== p ||
    coefficients.ma.length !== q ||
    !values.every(Number.isFinite)
  ) {
    throw new ValidationError(`auto-ARIMA summary could not be read as ARMA(${p}, ${q}) with a mean`);
  }
  return coefficients;
}

/**
 * Forecasts the next `steps` values after `series` (oldest first): residuals are rebuilt from
 * zero over the series (conditional sum of squares), then the recursion runs forward.
 */
export function forecastArma(
  coefficients: ArmaCoefficients,
  series: ArrayLike<number>,
  steps: number,
): Float64Array {
  const { mean, ar, ma } = coefficients;
  const length = series.length;
  const centred = new Float64Array(length + steps);
  const residuals = new Float64Array(length + steps);
  for (let time = 0; time < length; time += 1) {
    centred[time] = series[time]! - mean;
    let residual = centred[time]!;
    for (let lag = 1; lag <= ar.length && lag <= time; lag += 1)
      residual -= ar[lag - 1]! * centred[time - lag]!;
    for (let lag = 1; lag <= ma.length && lag <= time; lag += 1)
      residual += ma[lag - 1]! * residuals[time - lag]!;
    residuals[time] = residual;
  }
  const forecast = new Float64Array(steps);
  for (let ahead = 0; ahead < steps; ahead += 1) {
    const time = length + ahead;
    let value = 0;
    for (let lag = 1; lag <= ar.length && lag <= time; lag += 1) value += ar[lag - 1]! * centred[time - lag]!;
    // Future residuals are zero in expectation; only known ones enter.
    for (let lag = ahead + 1; lag <= ma.length && lag <= time; lag += 1)
      value -= ma[lag - 1]! * residuals[time - lag]!;
    centred[time] = value;
    forecast[ahead] = value + mean;
  }
  return forecast;
}

/**
 * Auto-ARIMA on one-step log returns (equivalently ARIMA(p, 1, q) with drift on log prices); the
 * h-step forecast is the sum of the next h return forecasts.
 */
export class ArimaForecaster extends BaseForecaster<ArimaParams> {
  #coefficients: ArmaCoefficients | null = null;
  #contextSteps = 0;

  protected defaultTrainingWindowSteps(): number {
    return this.params.trainingWindowSteps;
  }

  protected async fitModel(window: TrainingWindow): Promise<string[]> {
    const { closes } = window.matrix;
    const firstReturnIndex = Math.max(window.firstOrigin, 1);
    const count = window.endIndex - firstReturnIndex + 1;
    if (count < 50)
      throw new ValidationError(`arima needs at least 50 returns to fit, the window has ${count}`);
    const logReturns: number[] = [];
    for (let index = firstReturnIndex; index <= window.endIndex; index += 1) {
      logReturns.push(Math.log(closes[index]! / closes[index - 1]!));
    }
    // If the read coefficients do not reproduce the package's own forecast (a model whose
    // residual recursion is unstable), fall back to a smaller search, finally a pure AR(1).
    const searches: [number, number][] = [
      [this.params.maxP, this.params.maxQ],
      [Math.min(this.params.maxP, 1), 0],
    ];
    let lastProblem = '';
    for (const [maxP, maxQ] of searches) {
      const outcome = this.#fitAutoArima(logReturns, maxP, maxQ);
      if (typeof outcome === 'string') {
        lastProblem = outcome;
        continue;
      }
      this.#coefficients = outcome;
      this.#contextSteps = logReturns.length;
      return [];
    }
    throw new ValidationError(`auto-ARIMA could not be fitted: ${lastProblem}`);
  }

  #fitAutoArima(logReturns: number[], maxP: number, maxQ: number): ArmaCoefficients | string {
    const { Arima, printed } = loadArimaRuntime();
    printed.length = 0;
    const model = new Arima({ auto: true, p: maxP, d: 0, q: maxQ, P: 0, D: 0, Q: 0, s: 0, verbose: true });
    try {
      model.fit(logReturns);
      // Only the first steps are compared: further ahead the package's own output is unreliable
      // (a mean-only model returns unrelated numbers after five steps), and any instability of
      // the residual recursion already shows in the first step.
      const checkedSteps = Math.min(this.horizonSteps, 4);
      const [packageForecast] = model.predict(checkedSteps);
      const coefficients = parseArimaSummary(printed);
      const ours = forecastArma(coefficients, logReturns, checkedSteps);
      const tolerance = 1e-6;
      const agrees = packageForecast.every(
        (value, step) => Number.isFinite(ours[step]) && Math.abs(value - ours[step]!) <= tolerance,
      );
      return agrees
        ? coefficients
        : `ARMA(${coefficients.ar.length}, ${coefficients.ma.length}) forecasts diverge`;
    } catch (error) {
      return (error as Error).message;
    } finally {
      model.destroy();
      printed.length = 0;
    }
  }

  protected predictionProblem(context: ForecastContext): string | null {
    return context.originIndex < this.#contextSteps
      ? `needs ${this.#contextSteps + 1} candles up to the origin`
      : null;
  }

  protected predictModel(context: ForecastContext): number {
    const { closes } = context.matrix;
    const length = this.#contextSteps;
    const contextReturns = new Float64Array(length);
    const first = context.originIndex - length + 1;
    for (let offset = 0; offset < length; offset += 1) {
      contextReturns[offset] = Math.log(closes[first + offset]! / closes[first + offset - 1]!);
    }
    let total = 0;
    for (const value of forecastArma(this.#coefficients!, contextReturns, this.horizonSteps)) total += value;
    return total;
  }

  protected serializeState(): unknown {
    return { ...this.#coefficients!, contextSteps: this.#contextSteps };
  }

  protected async restoreState(state: unknown): Promise<void> {
    const { contextSteps, ...coefficients } = arimaStateSchema.parse(state);
    this.#coefficients = coefficients;
    this.#contextSteps = contextSteps;
  }
}

export const arimaForecasterDefinition: ForecasterDefinition<ArimaParams> = {
  modelType: 'arima',
  description: 'Auto-ARIMA on one-step log returns (arima package), summed over the horizon',
  usesFeatures: false,
  paramsSchema: arimaParamsSchema,
  parameterSpace: {
    trainingWindowSteps: { kind: 'integer', min: 200, max: 2000 },
    maxP: { kind: 'integer', min: 1, max: 5 },
    maxQ: { kind: 'integer', min: 0, max: 5 },
  },
  create: (settings, params) => new ArimaForecaster('arima', settings, params),
};
