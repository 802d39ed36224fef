import { z } from 'zod';
import { ValidationError } from '@runecast/market';
import type { FeatureMatrix } from '../../features/feature-matrix.ts';
import { BaseForecaster, type ForecasterSettings } from '../base.forecaster.ts';
import { chooseFeatureNames, resolveFeatureColumns, StandardScaler } from '../feature-columns.ts';
import type { ForecasterDefinition } from '../forecaster-definition.ts';
import type { FitOptions, FitSummary, ForecastContext, TrainingData } from '../forecaster.port.ts';
import type { TrainingWindow } from '../training-window.ts';
import { createRecurrentWorkspace, type RecurrentWorkspace } from './recurrent-kernels.ts';
import { parameterLayout, type RecurrentCell, type RecurrentNetworkShape } from './recurrent-network.ts';
import { buildSequenceDataset } from './sequence-dataset.ts';
import { GradientWorkerPool } from './gradient-worker.ts';
import { trainSequenceNetwork, type EpochProgress } from './sequence-trainer.ts';

const recurrentParamsSchema = z
  .object({
    /** Candles per input window: the feature rows of the origin and the ones before it. */
    sequenceLength: z.number().int().min(2).max(512).default(60),
    /** Hidden units; a multiple of 4, the width of one SIMD vector in the kernels. */
    units: z.number().int().min(4).max(256).multipleOf(4).default(32),
    batchSize: z.number().int().min(2).max(1024).default(64),
    learningRate: z.number().positive().max(1).default(0.001),
    maxEpochs: z.number().int().min(1).max(1000).default(20),
    /** Epochs without a better validation loss before training stops; the best epoch's weights are kept. */
    patience: z.number().int().min(1).max(100).default(4),
    /** Share of the most recent training windows held out for early stopping. */
    validationFraction: z.number().gt(0).max(0.5).default(0.15),
    /** Largest L2 norm of a batch gradient; larger ones are scaled down to it. */
    gradientClipNorm: z.number().positive().default(1),
    /** Most recent training origins used. */
    trainingWindowSteps: z.number().int().min(100).default(4320),
    /** 2 lets a worker thread compute half of each batch on the second core; the fitted weights are identical. */
    trainingThreads: z.number().int().min(1).max(2).default(2),
    seed: z.number().int().min(0).max(2_147_483_647).default(42),
    /** Feature columns to use; empty or absent means every column of the matrix. */
    featureNames: z.array(z.string()).optional(),
  })
  .strict();
export type RecurrentParams = z.infer<typeof recurrentParamsSchema>;

const epochRecordSchema = z
  .object({ epoch: z.number().int().positive(), trainLoss: z.number(), validationLoss: z.number() })
  .strict();

const recurrentStateSchema = z
  .object({
    cell: z.enum(['lstm', 'gru']),
    inputSize: z.number().int().positive(),
    units: z.number().int().positive(),
    sequenceLength: z.number().int().min(2),
    /** Every weight as little-endian float32, base64: exact and a quarter of the size of JSON numbers. */
    parameters: z.string(),
    featureMeans: z.array(z.number()),
    featureDeviations: z.array(z.number().positive()),
    targetMean: z.number(),
    targetDeviation: z.number().positive(),
    bestEpoch: z.number().int().min(0),
    epochs: z.array(epochRecordSchema),
  })
  .strict();

/** Fit options of the recurrent models: the shared ones plus progress and cancellation. */
export interface RecurrentFitOptions extends FitOptions {
  /** Called after every epoch of every training the fit runs. */
  onEpoch?: (progress: RecurrentEpochProgress) => void;
  /** Aborting stops training between batches with a TrainingCancelledError. */
  signal?: AbortSignal;
}

export interface RecurrentEpochProgress extends EpochProgress {
  /**
   * `calibration` for the model trained on the older part of the window to measure out-of-sample
   * errors for the intervals (only when no calibration residuals are given), `final` for the model kept.
   */
  phase: 'calibration' | 'final';
}

/** One epoch of the training history kept with the model. */
export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  validationLoss: number;
}

function encodeFloat32(values: Float32Array): string {
  const view = new DataView(new ArrayBuffer(values.length * 4));
  for (let index = 0; index < values.length; index += 1) view.setFloat32(index * 4, values[index]!, true);
  return Buffer.from(view.buffer).toString('base64');
}

function decodeFloat32(text: string, expectedLength: number, label: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== expectedLength * 4) {
    throw new ValidationError(
      `${label} artifact holds ${bytes.length} weight bytes, expected ${expectedLength * 4}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values = new Float32Array(expectedLength);
  for (let index = 0; index < expectedLength; index += 1) values[index] = view.getFloat32(index * 4, true);
  if (!values.every(Number.isFinite)) throw new ValidationError(`${label} artifact holds non-finite weights`);
  return values;
}

interface FittedNetwork {
  shape: RecurrentNetworkShape;
  parameters: Float32Array;
  features: StandardScaler;
  targetMean: number;
  targetDeviation: number;
  /** Capacity 1: one window per forecast. */
  workspace: RecurrentWorkspace;
}

/**
 * LSTM or GRU over the last `sequenceLength` feature rows, then a dense unit, forecasting the
 * standardised log return over the horizon. Forward pass and backpropagation through time run on
 * hand-written Float32Array kernels checked against TensorFlow.js (see recurrent-kernels.ts).
 */
export class RecurrentForecaster extends BaseForecaster<RecurrentParams> {
  readonly cell: RecurrentCell;
  #network: FittedNetwork | null = null;
  #modelFeatureNames: string[] = [];
  #history: EpochRecord[] = [];
  #bestEpoch = 0;
  #fitHooks: { options: RecurrentFitOptions; trainingsRun: number } | null = null;
  #window: {
    matrix: FeatureMatrix | null;
    originIndex: number;
    values: Float32Array;
    problem: string | null;
  } = {
    matrix: null,
    originIndex: -1,
    values: new Float32Array(0),
    problem: null,
  };

  constructor(cell: RecurrentCell, settings: ForecasterSettings, params: RecurrentParams) {
    super(cell, settings, params);
    this.cell = cell;
  }

  /** Epoch losses of the kept model's training (also restored from artifacts). */
  get trainingHistory(): readonly EpochRecord[] {
    return this.#history;
  }

  /** Epoch whose weights were kept (lowest validation loss). */
  get bestEpoch(): number {
    return this.#bestEpoch;
  }

  override async fit(training: TrainingData, options: RecurrentFitOptions = {}): Promise<FitSummary> {
    // The calibration and the final training of one fit share the helper threads.
    const ownPool = options.gradientWorkers === undefined ? new GradientWorkerPool() : null;
    const fitOptions = ownPool ? { ...options, gradientWorkers: ownPool } : options;
    this.#fitHooks = { options: fitOptions, trainingsRun: 0 };
    try {
      return await super.fit(training, fitOptions);
    } finally {
      this.#fitHooks = null;
      await ownPool?.close();
    }
  }

  protected defaultTrainingWindowSteps(): number {
    return this.params.trainingWindowSteps;
  }

  protected async fitModel(window: TrainingWindow): Promise<string[]> {
    const names = chooseFeatureNames(window.matrix, this.params.featureNames);
    const { dataset, scaling } = buildSequenceDataset(window, {
      columns: resolveFeatureColumns(window.matrix, names),
      sequenceLength: this.params.sequenceLength,
      validationFraction: this.params.validationFraction,
      label: this.modelType,
    });
    const shape: RecurrentNetworkShape = {
      cell: this.cell,
      inputSize: names.length,
      units: this.params.units,
    };
    const hooks = this.#fitHooks;
    // Without given residuals the base class first trains on the older part of the window to calibrate.
    const phase =
      hooks && hooks.options.calibrationResiduals === undefined && hooks.trainingsRun === 0
        ? 'calibration'
        : 'final';
    if (hooks) hooks.trainingsRun += 1;
    const onEpoch = hooks?.options.onEpoch;
    const result = await trainSequenceNetwork(
      shape,
      dataset,
      {
        batchSize: this.params.batchSize,
        learningRate: this.params.learningRate,
        maxEpochs: this.params.maxEpochs,
        patience: this.params.patience,
        gradientClipNorm: this.params.gradientClipNorm,
        seed: this.params.seed,
        threads: this.params.trainingThreads,
      },
      {
        ...(onEpoch ? { onEpoch: (progress: EpochProgress) => onEpoch({ ...progress, phase }) } : {}),
        ...(hooks?.options.signal ? { signal: hooks.options.signal } : {}),
        ...(hooks?.options.gradientWorkers ? { gradientWorkers: hooks.options.gradientWorkers } : {}),
      },
    );
    await this.#install(names, {
      shape,
      parameters: result.parameters,
      features: scaling.features,
      targetMean: scaling.targetMean,
      targetDeviation: scaling.targetDeviation,
    });
    this.#history = result.epochs.map(({ epoch, trainLoss, validationLoss }) => ({
      epoch,
      trainLoss,
      validationLoss,
    }));
    this.#bestEpoch = result.bestEpoch;
    return names;
  }

  async #install(names: string[], network: Omit<FittedNetwork, 'workspace'>): Promise<void> {
    const workspace = await createRecurrentWorkspace(network.shape, this.params.sequenceLength, 1);
    this.#modelFeatureNames = names;
    this.#network = { ...network, workspace };
    this.#window.matrix = null;
  }

  /** Reads and scales the window ending at the origin once for `predictionProblem` and `predictModel`. */
  #readWindow(context: ForecastContext): { values: Float32Array; problem: string | null } {
    const cached = this.#window;
    if (cached.matrix === context.matrix && cached.originIndex === context.originIndex) return cached;
    const network = this.#network;
    const steps = this.params.sequenceLength;
    const names = this.#modelFeatureNames;
    const values = new Float32Array(steps * names.length);
    let problem: string | null = null;
    const firstRow = context.originIndex - steps + 1;
    if (!network) {
      problem = 'the model is not fitted';
    } else if (firstRow < 0) {
      problem = `needs ${steps} candles of history up to the origin, has ${context.originIndex + 1}`;
    } else {
      const columns = resolveFeatureColumns(context.matrix, names);
      const { means, deviations } = network.features;
      for (let step = 0; step < steps && problem === null; step += 1) {
        const row = context.matrix.rows[firstRow + step]!;
        for (let feature = 0; feature < names.length; feature += 1) {
          const value = row[columns[feature]!]!;
          if (!Number.isFinite(value)) {
            problem = `feature ${names[feature]} is not known ${steps - 1 - step} candles before the origin (window still filling)`;
            break;
          }
          values[step * names.length + feature] = (value - means[feature]!) / deviations[feature]!;
        }
      }
    }
    this.#window = { matrix: context.matrix, originIndex: context.originIndex, values, problem };
    return this.#window;
  }

  protected predictionProblem(context: ForecastContext): string | null {
    return this.#readWindow(context).problem;
  }

  protected predictModel(context: ForecastContext): number {
    const network = this.#network!;
    const { values } = this.#readWindow(context);
    const [scaled] = network.workspace.forward(
      network.parameters,
      values,
      [this.params.sequenceLength - 1],
      0,
      1,
    );
    return scaled! * network.targetDeviation + network.targetMean;
  }

  protected serializeState(): unknown {
    const network = this.#network!;
    return {
      cell: this.cell,
      inputSize: network.shape.inputSize,
      units: network.shape.units,
      sequenceLength: this.params.sequenceLength,
      parameters: encodeFloat32(network.parameters),
      featureMeans: Array.from(network.features.means),
      featureDeviations: Array.from(network.features.deviations),
      targetMean: network.targetMean,
      targetDeviation: network.targetDeviation,
      bestEpoch: this.#bestEpoch,
      epochs: this.#history,
    };
  }

  protected async restoreState(state: unknown, featureNames: readonly string[]): Promise<void> {
    const parsed = recurrentStateSchema.safeParse(state);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ValidationError(
        `${this.modelType} artifact state is invalid at ${issue.path.join('.')}: ${issue.message}`,
      );
    }
    const saved = parsed.data;
    const problems: string[] = [];
    if (saved.cell !== this.cell) problems.push(`holds a ${saved.cell} network`);
    if (saved.units !== this.params.units)
      problems.push(`has ${saved.units} units but params say ${this.params.units}`);
    if (saved.sequenceLength !== this.params.sequenceLength) {
      problems.push(
        `has sequence length ${saved.sequenceLength} but params say ${this.params.sequenceLength}`,
      );
    }
    if (saved.inputSize !== featureNames.length || saved.featureMeans.length !== featureNames.length) {
      problems.push(`reads ${saved.inputSize} features but lists ${featureNames.length}`);
    }
    if (saved.featureDeviations.length !== saved.featureMeans.length)
      problems.push('has mismatched scaler lengths');
    if (problems.length > 0) throw new ValidationError(`${this.modelType} artifact ${problems.join('; ')}`);
    const shape: RecurrentNetworkShape = { cell: saved.cell, inputSize: saved.inputSize, units: saved.units };
    const parameters = decodeFloat32(saved.parameters, parameterLayout(shape).size, this.modelType);
    await this.#install([...featureNames], {
      shape,
      parameters,
      features: StandardScaler.fromJSON({ means: saved.featureMeans, deviations: saved.featureDeviations }),
      targetMean: saved.targetMean,
      targetDeviation: saved.targetDeviation,
    });
    this.#history = saved.epochs;
    this.#bestEpoch = saved.bestEpoch;
  }

  protected override releaseModel(): void {
    this.#network = null;
    this.#window.matrix = null;
  }

  /** The fitted weights and scalers, for comparing against a reference implementation. */
  exportNetwork(): Readonly<Omit<FittedNetwork, 'workspace'>> | null {
    const network = this.#network;
    if (!network) return null;
    const { workspace: _workspace, ...rest } = network;
    return rest;
  }
}

const recurrentParameterSpace = {
  units: { kind: 'choice', values: [16, 32, 64] },
  sequenceLength: { kind: 'integer', min: 24, max: 120 },
  learningRate: { kind: 'log-uniform', min: 3e-4, max: 3e-3 },
  batchSize: { kind: 'choice', values: [32, 64, 128] },
  trainingWindowSteps: { kind: 'integer', min: 1440, max: 8760 },
} as const;

export const lstmForecasterDefinition: ForecasterDefinition<RecurrentParams> = {
  modelType: 'lstm',
  description:
    'LSTM over the last sequenceLength feature rows (hand-written kernels, checked against TensorFlow.js)',
  usesFeatures: true,
  paramsSchema: recurrentParamsSchema,
  parameterSpace: recurrentParameterSpace,
  create: (settings, params) => new RecurrentForecaster('lstm', settings, params),
};

export const gruForecasterDefinition: ForecasterDefinition<RecurrentParams> = {
  modelType: 'gru',
  description:
    'GRU over the last sequenceLength feature rows (hand-written kernels, checked against TensorFlow.js)',
  usesFeatures: true,
  paramsSchema: recurrentParamsSchema,
  parameterSpace: recurrentParameterSpace,
  create: (settings, params) => new RecurrentForecaster('gru', settings, params),
};
