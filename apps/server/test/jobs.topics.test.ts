import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { createBus } from '../src/bus/create-bus.ts';
import {
  alertsFiredTopic,
  forecastsTopic,
  jobProgressTopic,
  parseTopic,
  topicPattern,
} from '../src/bus/topics.ts';

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

test('a firing is announced on its owner’s topic, and a message naming another owner is refused', async () => {
  const ownerUserId = randomUUID();
  assert.equal(alertsFiredTopic(ownerUserId), `alerts.fired.${ownerUserId}`);
  assert.deepEqual(parseTopic(`alerts.fired.${ownerUserId}`), {
    family: 'alertsFired',
    prefix: 'alerts.fired',
    ownerUserId,
  });
  assert.throws(() => alertsFiredTopic('someone'), /bad user id "someone"/);
  assert.throws(() => parseTopic('alerts.fired.a.b'), /must look like alerts\.fired\.<ownerUserId>/);
  assert.equal(topicPattern('alertsFired'), 'alerts.fired.>');

  const bus = await createBus();
  try {
    const received: unknown[] = [];
    await bus.subscribe(alertsFiredTopic(ownerUserId), (message) => {
      received.push(message.data);
    });
    const firing = {
      id: randomUUID(),
      ruleId: randomUUID(),
      ownerUserId,
      ruleName: 'BTC above 100k',
      series: 'binance:BTC/USDT:1m',
      severity: 'warning',
      firedAtMs: 1_700_000_000_000,
      message: 'BTC above 100k: binance:BTC/USDT:1m crossed above 100000 (now 100200)',
      values: { price: 100_200, level: 100_000 },
      status: 'open',
      snoozedUntilMs: null,
      silent: false,
    };
    await bus.publish(alertsFiredTopic(ownerUserId), firing);
    await assert.rejects(
      bus.publish(alertsFiredTopic(randomUUID()), firing),
      /ownerUserId "[0-9a-f-]+" does not match/,
    );
    await assert.rejects(
      bus.publish(alertsFiredTopic(ownerUserId), { ...firing, severity: 'loud' }),
      /severity/,
    );
    await bus.flush();
    assert.deepEqual(received, [firing]);
  } finally {
    await bus.close();
  }
});
