import { type ModelType, type Timeframe, TIMEFRAME_MS } from '@runecast/market';

/**
 * How much history a training, backtest or tuning job needs, checked in the form before the
 * job is sent. The numbers follow the server's own minimums (apps/server/src/forecasting and
 * apps/server/src/models): a job that passes here can still be refused there, but one that
 * fails here would surely be, after a wait.
 */

/** Out-of-sample errors the interval calibration needs (`MIN_CALIBRATION_RESIDUALS`). */
const CALIBRATION_RESIDUALS = 20;
/** Candles the slowest features take to warm up (`FEATURE_WARMUP_CANDLES`). */
const FEATURE_WARMUP_CANDLES = 200;
/** Training windows a sequence model needs (`MIN_SEQUENCE_TRAINING_WINDOWS`). */
const SEQUENCE_TRAINING_WINDOWS = 50;
/** Share of a sequence model's windows held out for early stopping (its default). */
const SEQUENCE_VALIDATION_FRACTION = 0.15;
/** A sequence model's default `sequenceLength`. */
const DEFAULT_SEQUENCE_LENGTH = 60;

const FEATURE_MODELS: ReadonlySet<string> = new Set(['ridge', 'rf', 'svr', 'lstm', 'gru']);
const SEQUENCE_MODELS: ReadonlySet<string> = new Set(['lstm', 'gru']);

/** Days of history the form starts with per timeframe: a few thousand candles or more. */
export const DEFAULT_TRAINING_DAYS: Record<Timeframe, number> = {
  '1m': 3,
  '5m': 14,
  '15m': 30,
  '1h': 90,
  '4h': 365,
  '1d': 1_500,
};

export interface TrainingInput {
  kind: 'train' | 'backtest' | 'tune';
  modelType: ModelType | string;
  timeframe: Timeframe;
  days: number;
  horizonMinutes: number;
  evaluationFraction: number;
  params: Record<string, unknown>;
}

export interface TrainingSampleCheck {
  /** Candles in the chosen window: one sample per candle. */
  samples: number;
  /** Fewest candles the job can work with. */
  minimum: number;
  /** Plain words for the user when there are too few; null when enough. */
  problem: string | null;
}

const MODEL_NAMES: Record<string, string> = { lstm: 'An LSTM', gru: 'A GRU', rf: 'A random forest' };

function modelName(modelType: string): string {
  return MODEL_NAMES[modelType] ?? `A ${modelType} model`;
}

function formatDays(days: number): string {
  return days === 1 ? '1 day' : `${Number(days.toFixed(2))} days`;
}

/** Counts the samples of the chosen window and the fewest the job needs. */
export function checkTrainingSamples(input: TrainingInput): TrainingSampleCheck {
  const stepMs = TIMEFRAME_MS[input.timeframe];
  const samples = Math.floor((input.days * 86_400_000) / stepMs);
  const horizonSteps = Math.max(1, Math.round((input.horizonMinutes * 60_000) / stepMs));
  const fraction = Math.min(0.9, Math.max(0.05, input.evaluationFraction));
  let minimum: number;
  if (input.kind === 'backtest') {
    minimum = horizonSteps + 2 * CALIBRATION_RESIDUALS + 60;
  } else if (input.kind === 'tune') {
    minimum = Math.max(160, 4 * horizonSteps + 8 * CALIBRATION_RESIDUALS);
  } else {
    minimum = Math.ceil(Math.max(120, 4 * horizonSteps + (2 * CALIBRATION_RESIDUALS) / fraction));
  }
  if (input.kind !== 'backtest' && FEATURE_MODELS.has(input.modelType)) {
    // The model is fitted on the part before the walk-forward, after its features warm up.
    let fitted = FEATURE_WARMUP_CANDLES + 50 + horizonSteps;
    if (SEQUENCE_MODELS.has(input.modelType)) {
      const given = input.params.sequenceLength;
      const sequenceLength =
        typeof given === 'number' && Number.isInteger(given) && given >= 2 ? given : DEFAULT_SEQUENCE_LENGTH;
      fitted =
        FEATURE_WARMUP_CANDLES +
        sequenceLength +
        Math.ceil(SEQUENCE_TRAINING_WINDOWS / (1 - SEQUENCE_VALIDATION_FRACTION)) +
        horizonSteps;
    }
    minimum = Math.max(minimum, Math.ceil(fitted / (1 - (input.kind === 'train' ? fraction : 0))));
  }
  if (samples >= minimum) return { samples, minimum, problem: null };
  const neededDays = Math.ceil((minimum * stepMs) / 86_400_000);
  const what = input.kind === 'backtest' ? 'A backtest' : modelName(input.modelType);
  return {
    samples,
    minimum,
    problem:
      `${what} on ${input.timeframe} candles over ${formatDays(input.days)} has ${samples} samples ` +
      `(one per candle), and needs at least ${minimum}. Choose at least ${formatDays(neededDays)} of ` +
      `history${SEQUENCE_MODELS.has(input.modelType) && input.kind !== 'backtest' ? ', a smaller timeframe or a shorter sequenceLength' : ' or a smaller timeframe'}.`,
  };
}
