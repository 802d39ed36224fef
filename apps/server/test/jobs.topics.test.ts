import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { createBus } from '../src/bus/create-bus.ts';
import { forecastsTopic, jobProgressTopic, parseTopic, topicPattern } from '../src/bus/topics.ts';

test('job progress and forecast topics round-trip and their messages are checked against the topic', async () => {
  const jobId = randomUUID();
  assert.equal(jobProgressTopic(jobId), `jobs.progress.${jobId}`);
  assert.deepEqual(parseTopic(`jobs.progress.${jobId}`), {
    family: 'jobProgress',
    prefix: 'jobs.progress',
    jobId,
  });
  assert.throws(() => jobProgressTopic('not-a-job'), /bad job id "not-a-job"/);
  assert.throws(() => parseTopic('jobs.progress.x.y'), /must look like jobs\.progress\.<jobId>/);
  const series = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1h' as const };
  assert.equal(forecastsTopic(series), 'forecasts.made.binance.BTC-USDT.1h');
  assert.deepEqual(parseTopic('forecasts.made.binance.BTC-USDT.1h'), {
    family: 'forecasts',
    prefix: 'forecasts.made',
    ...series,
  });
  assert.equal(topicPattern('jobProgress'), 'jobs.progress.>');
  assert.equal(topicPattern('forecasts', { symbol: 'BTC/USDT' }), 'forecasts.made.*.BTC-USDT.*');

  const bus = await createBus();
  try {
    const received: unknown[] = [];
    await bus.subscribe(topicPattern('jobProgress'), (message) => {
      received.push(message.data);
    });
    const progress = {
      jobId,
      kind: 'train',
      state: 'running',
      attempt: 1,
      percent: 40,
      message: 'fitting',
      epoch: 2,
      totalEpochs: 10,
      trainLoss: 0.5,
      validationLoss: 0.6,
      error: null,
      atMs: Date.now(),
    };
    await bus.publish(jobProgressTopic(jobId), progress);
    await assert.rejects(
      bus.publish(jobProgressTopic(randomUUID()), progress),
      /jobId "[0-9a-f-]+" does not match/,
    );
    await assert.rejects(bus.publish(jobProgressTopic(jobId), { ...progress, percent: 140 }), /percent/);
    const forecast = {
      id: 1,
      series: 'binance:BTC/USDT:1h',
      horizonMinutes: 240,
      modelVersionId: 3,
      modelType: 'ridge',
      madeAtMs: 1_700_000_000_000,
      inputStartMs: 1_690_000_000_000,
      inputEndMs: 1_699_999_200_000,
      issuedAtMs: 1_700_002_800_000,
      targetTimeMs: 1_700_017_200_000,
      lastClose: 100,
      point: 101,
      lower80: 99,
      upper80: 103,
      lower95: 98,
      upper95: 104,
    };
    await bus.publish(forecastsTopic(series), forecast);
    await assert.rejects(
      bus.publish(forecastsTopic({ ...series, symbol: 'ETH/USDT' }), forecast),
      /series "binance:BTC\/USDT:1h" does not match/,
    );
    await assert.rejects(
      bus.publish(forecastsTopic(series), { ...forecast, lower80: 103.5 }),
      /bands must nest/,
    );
    await bus.flush();
    assert.deepEqual(received, [progress]);
  } finally {
    await bus.close();
  }
});
