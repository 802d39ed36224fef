/**
 * `npm run bench [name …]`: runs every benchmark (or the named ones) in turn. Each prints its
 * own comparison measured in the same run. Benchmarks are not tests: they assert nothing.
 */
import { runAlertsBench } from './alerts.bench.ts';
import { runApiBench } from './api.bench.ts';
import { runBackfillBench } from './backfill.bench.ts';
import { runBacktestBench } from './backtest.bench.ts';
import { runDashboardBench } from './dashboard.bench.ts';
import { runDiscordBench } from './discord.bench.ts';
import { runIngestBench } from './ingest.bench.ts';
import { runMemoryBench } from './memory.bench.ts';
import { runScaleBench } from './scale.bench.ts';
import { runSentimentBench } from './sentiment.bench.ts';
import { runSequenceModelsBench } from './sequence-models.bench.ts';
import { runSignalsBench } from './signals.bench.ts';
import { runSnapshotsBench } from './snapshots.bench.ts';
import { runSummariesBench } from './summaries.bench.ts';

const BENCHMARKS: Record<string, () => Promise<unknown>> = {
  ingest: runIngestBench,
  snapshots: runSnapshotsBench,
  backfill: runBackfillBench,
  memory: runMemoryBench,
  api: () => runApiBench(),
  'sequence-models': runSequenceModelsBench,
  backtest: runBacktestBench,
  alerts: runAlertsBench,
  sentiment: runSentimentBench,
  discord: runDiscordBench,
  summaries: runSummariesBench,
  scale: runScaleBench,
  dashboard: runDashboardBench,
  signals: runSignalsBench,
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in BENCHMARKS));
if (unknown.length > 0) {
  process.stderr.write(
    `unknown benchmark(s) ${unknown.join(', ')}; choose from ${Object.keys(BENCHMARKS).join(', ')}\n`,
  );
  process.exit(2);
}
for (const [name, run] of Object.entries(BENCHMARKS)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  process.stdout.write(`\n=== ${name}\n`);
  const started = Date.now();
  await run();
  process.stdout.write(`(${name}: ${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
}
