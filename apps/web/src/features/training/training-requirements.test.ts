import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkTrainingSamples, DEFAULT_TRAINING_DAYS, type TrainingInput } from './training-requirements.ts';

const LSTM_1H: TrainingInput = {
  kind: 'train',
  modelType: 'lstm',
  timeframe: '1h',
  days: 14,
  horizonMinutes: 1440,
  evaluationFraction: 0.25,
  params: {},
};

describe('checkTrainingSamples', () => {
  test('an LSTM on 1h candles over 14 days has too few samples, said in plain words', () => {
    const check = checkTrainingSamples(LSTM_1H);
    assert.equal(check.samples, 336);
    assert.ok(check.minimum > 336, `minimum ${check.minimum}`);
    assert.match(check.problem ?? '', /An LSTM on 1h candles over 14 days has 336 samples/);
    assert.match(check.problem ?? '', new RegExp(`needs at least ${check.minimum}`));
    assert.match(check.problem ?? '', /Choose at least \d+ days of history/);
  });

  test('the days it asks for are enough', () => {
    const check = checkTrainingSamples(LSTM_1H);
    const days = Number(/at least (\d+) days/.exec(check.problem!)![1]);
    assert.equal(checkTrainingSamples({ ...LSTM_1H, days }).problem, null);
    assert.notEqual(checkTrainingSamples({ ...LSTM_1H, days: days - 1 }).problem, null);
  });

  test('a shorter sequence needs fewer candles; ridge needs fewer than an LSTM', () => {
    const long = checkTrainingSamples(LSTM_1H).minimum;
    assert.ok(checkTrainingSamples({ ...LSTM_1H, params: { sequenceLength: 12 } }).minimum < long);
    assert.ok(checkTrainingSamples({ ...LSTM_1H, modelType: 'ridge' }).minimum < long);
    assert.ok(checkTrainingSamples({ ...LSTM_1H, modelType: 'naive' }).minimum <= 256);
  });

  test('the default window of every timeframe is enough for every model at its shortest default horizon', () => {
    for (const [timeframe, days] of Object.entries(DEFAULT_TRAINING_DAYS)) {
      assert.ok(days > 1, `${timeframe}: more than one day`);
      for (const modelType of ['naive', 'ridge', 'lstm']) {
        const horizonMinutes = { '1m': 5, '5m': 15, '15m': 60, '1h': 240, '4h': 1440, '1d': 1440 }[
          timeframe
        ]!;
        const check = checkTrainingSamples({
          ...LSTM_1H,
          modelType,
          timeframe: timeframe as TrainingInput['timeframe'],
          days,
          horizonMinutes,
        });
        assert.equal(check.problem, null, `${modelType} on ${timeframe}: ${check.problem}`);
      }
    }
  });
});
