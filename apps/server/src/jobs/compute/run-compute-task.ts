import { RunecastError } from '@runecast/market';
import { featureModelImportance } from '../../models/evaluation/feature-model-importance.ts';
import { tuneHyperparameters } from '../../models/evaluation/hyperparameter-search.ts';
import { runWalkForward } from '../../models/evaluation/walk-forward.ts';
import { createForecaster } from '../../models/forecaster.registry.ts';
import type { FitOptions } from '../../models/forecaster.port.ts';
import type {
  ComputeEvent,
  ComputeResults,
  ComputeTask,
  FitTaskResult,
  SerializedError,
} from './compute-tasks.ts';

/** Runs a compute task here (in a compute thread, or in-process when threads are not wanted). */
export async function runComputeTask<Task extends ComputeTask>(
  task: Task,
  onEvent: (event: ComputeEvent) => void,
  signal?: AbortSignal,
): Promise<ComputeResults[Task['kind']]> {
  switch (task.kind) {
    case 'walk-forward':
      return (await runWalkForward({
        ...task.input,
        onProgress: (progress) => onEvent({ type: 'progress', progress }),
        ...(signal ? { signal } : {}),
      })) as ComputeResults[Task['kind']];
    case 'tune':
      return (await tuneHyperparameters({
        ...task.input,
        onTrial: (trial) => onEvent({ type: 'trial', trial }),
        ...(signal ? { signal } : {}),
      })) as ComputeResults[Task['kind']];
    case 'fit':
      return (await fitModel(task.input, onEvent, signal)) as ComputeResults[Task['kind']];
    case 'feature-importance':
      return (await featureModelImportance(task.input)) as ComputeResults[Task['kind']];
  }
}

/** Fit options every model accepts, plus the epoch hooks models that train in epochs read (others ignore them). */
interface EpochFitOptions extends FitOptions {
  onEpoch?: (progress: {
    phase?: string;
    epoch: number;
    maxEpochs: number;
    trainLoss: number;
    validationLoss?: number;
  }) => void;
  signal?: AbortSignal;
}

async function fitModel(
  input: Extract<ComputeTask, { kind: 'fit' }>['input'],
  onEvent: (event: ComputeEvent) => void,
  signal: AbortSignal | undefined,
): Promise<FitTaskResult> {
  const forecaster = createForecaster(input.modelType, {
    timeframe: input.timeframe,
    horizonMinutes: input.horizonMinutes,
    params: input.params,
    calibrationWindowSize: input.calibrationWindowSize,
    volatility: input.volatility ?? null,
  });
  try {
    const options: EpochFitOptions = {
      ...(input.calibrationResiduals === undefined
        ? {}
        : { calibrationResiduals: input.calibrationResiduals }),
      onEpoch: (progress) =>
        onEvent({
          type: 'epoch',
          epoch: {
            phase: progress.phase ?? 'final',
            epoch: progress.epoch,
            maxEpochs: progress.maxEpochs,
            trainLoss: progress.trainLoss,
            validationLoss: progress.validationLoss ?? null,
          },
        }),
      ...(signal ? { signal } : {}),
    };
    await forecaster.fit(
      {
        matrix: input.matrix,
        endIndex: input.endIndex,
        ...(input.windowSteps === undefined ? {} : { windowSteps: input.windowSteps }),
      },
      options,
    );
    return { artifact: forecaster.serialize(), featureNames: [...forecaster.featureNames] };
  } finally {
    forecaster.dispose();
  }
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof RunecastError) {
    return { name: error.name, code: error.code, message: error.message, details: error.details ?? null };
  }
  const plain = error as Error;
  return {
    name: plain?.name ?? 'Error',
    code: null,
    message: plain?.message ?? String(error),
    details: null,
  };
}
