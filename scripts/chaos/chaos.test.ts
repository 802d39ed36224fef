import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runChaos } from './chaos.ts';

test('two minutes of killed roles and restarted servers lose nothing and every role recovers', async (t) => {
  const report = await runChaos({ minutes: 2, killEverySeconds: 20, say: (line) => t.diagnostic(line) });
  t.diagnostic(JSON.stringify(report));
  assert.ok(report.kills.length >= 5, `${report.kills.length} kills`);
  assert.deepEqual(report.serverRestarts, ['nats', 'redis', 'postgres']);
  assert.ok(report.availability >= 0.995, `availability ${report.availability}`);
  assert.equal(report.missingCandles, 0);
  assert.equal(report.duplicateCandles, 0);
  assert.equal(report.duplicateForecasts, 0);
  assert.equal(report.duplicateJobs, 0);
  assert.ok(report.forecasts > 0, 'forecasts were made');
  assert.ok(report.recoveredAll, JSON.stringify(report.kills));
});
