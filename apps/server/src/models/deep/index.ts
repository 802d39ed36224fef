// The deep sequence models, for the forecaster registry to register beside the others.
import { gruForecasterDefinition, lstmForecasterDefinition } from './recurrent.forecaster.ts';

export {
  gruForecasterDefinition,
  lstmForecasterDefinition,
  RecurrentForecaster,
  type EpochRecord,
  type RecurrentEpochProgress,
  type RecurrentFitOptions,
  type RecurrentParams,
} from './recurrent.forecaster.ts';
export { TrainingCancelledError, type EpochProgress } from './sequence-trainer.ts';

/** `lstm` and `gru`, in that order. */
export const DEEP_FORECASTER_DEFINITIONS = [lstmForecasterDefinition, gruForecasterDefinition] as const;
