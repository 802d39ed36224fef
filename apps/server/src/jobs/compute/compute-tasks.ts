import type { FeatureMatrix } from '../../features/feature-matrix.ts';
import type {
  TuneHyperparametersInput,
  TuningResult,
  TuningTrial,
} from '../../models/evaluation/hyperparameter-search.ts';
import type {
  RunWalkForwardInput,
  WalkForwardProgress,
  WalkForwardResult,
} from '../../models/evaluation/walk-forward.ts';
import type { Timeframe } from '@runecast/market';
import type {
  FeatureModelImportance,
  FeatureModelImportanceInput,
} from '../../models/evaluation/feature-model-importance.ts';
import type { VolatilitySpec } from '../../models/volatility/volatility.registry.ts';

/** Fit one model on a matrix and return its artifact. */
export interface FitTaskInput {
  modelType: string;
  timeframe: Timeframe;
  horizonMinutes: number;
  params: Record<string, unknown>;
  calibrationWindowSize: number;
  matrix: FeatureMatrix;
  endIndex: number;
  windowSteps?: number;
  /** Out-of-sample absolute log errors for the intervals; without them the fit holds out its own. */
  calibrationResiduals?: number[];
  /** Volatility model scaling the bands; the residuals are then normalized by its forecasts. */
  volatility?: VolatilitySpec;
}

export interface FitTaskResult {
  artifact: Uint8Array;
  featureNames: string[];
}

/** CPU-heavy work the forecasting jobs hand to a compute thread, so the job's process stays responsive. */
export type ComputeTask =
  | { kind: 'walk-forward'; input: Omit<RunWalkForwardInput, 'onProgress' | 'signal'> }
  | { kind: 'tune'; input: Omit<TuneHyperparametersInput, 'onTrial' | 'signal'> }
  | { kind: 'fit'; input: FitTaskInput }
  | { kind: 'feature-importance'; input: FeatureModelImportanceInput };

export interface ComputeResults {
  'walk-forward': WalkForwardResult;
  tune: TuningResult;
  fit: FitTaskResult;
  'feature-importance': FeatureModelImportance | null;
}

/** What a task reports while it runs. */
/** One training epoch of a model that trains in epochs (the sequence models). */
export interface EpochEvent {
  /** `calibration` for the held-out fit that measures interval errors, `final` for the model kept. */
  phase: string;
  epoch: number;
  maxEpochs: number;
  trainLoss: number;
  validationLoss: number | null;
}

export type ComputeEvent =
  | { type: 'progress'; progress: WalkForwardProgress }
  | { type: 'trial'; trial: TuningTrial }
  | { type: 'epoch'; epoch: EpochEvent };

/** A thrown error, as it crosses from the compute thread. */
export interface SerializedError {
  name: string;
  code: string | null;
  message: string;
  details: Record<string, unknown> | null;
}

export type ComputeThreadMessage =
  ComputeEvent | { type: 'result'; result: unknown } | { type: 'error'; error: SerializedError };
