import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { createMetrics } from '../observability/metrics.ts';
import { FaultReporter } from './fault-reporter.ts';

test('every fault and retry is counted; a run of faults warns once per kind and recovers with one line', async () => {
  const metrics = createMetrics();
  const lines: { level: number; msg: string }[] = [];
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) },
  );
  const reporter = new FaultReporter({
    logger,
    metrics: { faults: metrics.ingest.faults, retries: metrics.ingest.retries },
  });
  const fault = (kind: string, retrying = true) =>
    reporter.fault({
      exchange: 'binance',
      kind,
      source: 'live:candles',
      message: 'refused',
      series: null,
      retrying,
    });
  for (let attempt = 0; attempt < 5; attempt += 1) fault('transient');
  fault('rate_limited');
  fault('stream_failed', false);
  reporter.recovered({ exchange: 'binance', source: 'live:candles' });
  reporter.recovered({ exchange: 'binance', source: 'live:candles' }); // nothing to recover from

  const values = async (name: string) =>
    Object.fromEntries(
      (await metrics.registry.getSingleMetric(name)!.get()).values.map((value) => [
        value.labels.kind,
        value.value,
      ]),
    );
  assert.deepEqual(await values('runecast_ingest_faults_total'), {
    transient: 5,
    rate_limited: 1,
    stream_failed: 1,
  });
  assert.deepEqual(await values('runecast_ingest_retries_total'), { transient: 5, rate_limited: 1 });
  const warnings = lines.filter((line) => line.level === 40).map((line) => line.msg);
  assert.equal(warnings.length, 3, 'one warning per kind in the run, not one per attempt');
  assert.match(warnings[0]!, /^exchange fault: binance live:candles transient, retrying: refused/);
  const recoveries = lines.filter((line) => line.level === 30);
  assert.equal(recoveries.length, 1);
  assert.match(recoveries[0]!.msg, /answers again after 7 fault\(s\)/);
});
