import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Candle } from '@runecast/market';
import { generateSyntheticCandles } from '../src/features/synthetic-candles.ts';
import type { Database } from '../src/store/database.port.ts';
import type { Store } from '../src/store/store.ts';
import { openStoreWithDatabase } from '../src/store/testing/store-with-database.ts';
import { runForecastCli } from './forecast.cli-support.ts';
import { createTestPostgresDatabase } from './support/postgres.ts';

const HOUR_MS = 3_600_000;
const START_MS = Date.UTC(2024, 0, 1);
const HOURS = 1400;
const MINUTES = 15 * 500;
const BTC = 'binance:BTC/USDT:1h';
const ETH_15M = 'binance:ETH/USDT:15m';

function asMarket(candles: Candle[], symbol: string): Candle[] {
  return candles.map((candle) => ({ ...candle, exchange: 'binance', symbol }));
}

async function load(store: Store, candles: Candle[]): Promise<void> {
  await store.candles.upsertCandles(candles);
  const first = candles[0]!;
  const stepMs = candles[1]!.openTimeMs - first.openTimeMs;
  await store.coverage.markFetched(
    { exchange: first.exchange, symbol: first.symbol, timeframe: first.timeframe },
    { startMs: first.openTimeMs, endMs: candles.at(-1)!.openTimeMs + stepMs },
    candles.map((candle) => candle.openTimeMs),
  );
}

const iso = (timeMs: number): string => new Date(timeMs).toISOString();

function parseJson<T>(text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new Error(`not JSON (${(error as Error).message}): ${text.slice(0, 500)}`, { cause: error });
  }
}

describe(
  'runecast backtest / train / tune / predict / models / promote on PostgreSQL',
  { timeout: 240_000 },
  () => {
    let environment: NodeJS.ProcessEnv;
    let drop: () => Promise<void>;
    let store: Store;
    let db: Database;
    const endMs = START_MS + HOURS * HOUR_MS;

    before(async () => {
      const created = await createTestPostgresDatabase();
      drop = created.drop;
      environment = { RUNECAST_DATABASE_URL: created.url, RUNECAST_HOME: '/nonexistent-runecast-home' };
      ({ store, db } = await openStoreWithDatabase({ url: created.url }));
      await load(
        store,
        asMarket(
          generateSyntheticCandles({ count: HOURS, seed: 11, startTimeMs: START_MS, autocorrelation: 0.05 }),
          'BTC/USDT',
        ),
      );
      // ETH exists only as 1m candles: its 15m series is derived.
      await load(
        store,
        asMarket(
          generateSyntheticCandles({
            count: MINUTES,
            seed: 12,
            timeframe: '1m',
            startTimeMs: START_MS,
            volatility: 0.001,
          }),
          'ETH/USDT',
        ),
      );
    });

    after(async () => {
      await store?.close();
      await drop?.();
    });

    test('backtest --json (one result per model, naive first, the documented metrics) and as a table on a series derived from 1m', async () => {
      const [result, table] = await Promise.all([
        runForecastCli(
          [
            'backtest',
            '--series',
            BTC,
            '--horizon',
            '4h',
            '--from',
            iso(START_MS + 900 * HOUR_MS),
            '--to',
            iso(endMs),
            '--models',
            'ridge+har,arima',
            '--json',
          ],
          environment,
        ),
        runForecastCli(
          [
            'backtest',
            '--series',
            ETH_15M,
            '--horizon',
            '60',
            '--from',
            iso(START_MS + 300 * 15 * 60_000),
            '--to',
            iso(START_MS + MINUTES * 60_000),
            '--models',
            'drift',
            '--no-progress',
          ],
          environment,
        ),
      ]);
      assert.equal(result.code, 0, result.stderr);
      const report = parseJson<unknown>(result.stdout) as {
        series: string;
        horizon: string;
        from: string;
        to: string;
        origins: number;
        results: { model: string; metrics: Record<string, number | null> }[];
      };
      assert.deepEqual(Object.keys(report), ['series', 'horizon', 'from', 'to', 'origins', 'results']);
      assert.ok(Number.isInteger(report.origins) && report.origins > 0, `${report.origins} origins`);
      assert.equal(report.series, BTC);
      assert.equal(report.horizon, '4h');
      assert.equal(report.from, iso(START_MS + 900 * HOUR_MS));
      assert.equal(report.to, iso(endMs));
      assert.deepEqual(
        report.results.map((entry) => entry.model),
        ['naive', 'ridge+har', 'arima'],
      );
      for (const entry of report.results) {
        assert.deepEqual(Object.keys(entry.metrics), [
          'mae',
          'rmse',
          'mape',
          'mase',
          'r2',
          'directionalAccuracy',
          'coverage80',
          'coverage95',
          'pinball',
          'dmStatistic',
          'dmPValue',
          'intervalScore80',
          'intervalScore95',
          'crps',
          'intervalSkill80',
          'intervalSkill95',
          'dmIntervalPValue80',
        ]);
        assert.ok((entry.metrics.mae ?? 0) > 0);
        assert.ok((entry.metrics.intervalScore80 ?? 0) > 0);
        assert.ok((entry.metrics.intervalScore95 ?? 0) > (entry.metrics.intervalScore80 ?? 0) * 0.5);
        assert.ok((entry.metrics.crps ?? 0) > 0);
        assert.ok((entry.metrics.coverage80 ?? -1) >= 0 && (entry.metrics.coverage80 ?? 2) <= 1);
      }
      const naive = report.results[0]!.metrics;
      assert.equal(naive.mase, 1, 'naive scaled by itself');
      assert.equal(naive.dmPValue, null, 'naive is not tested against itself');
      assert.equal(naive.intervalSkill80, 0, 'naive with plain bands is the interval reference');
      assert.equal(naive.dmIntervalPValue80, null);
      const ridge = report.results[1]!.metrics;
      const pValue = ridge.dmPValue ?? Number.NaN;
      assert.ok(pValue >= 0 && pValue <= 1);
      const intervalPValue = ridge.dmIntervalPValue80 ?? Number.NaN;
      assert.ok(intervalPValue >= 0 && intervalPValue <= 1);
      assert.ok(Number.isFinite(ridge.intervalSkill80 ?? Number.NaN));
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stdout, /binance:ETH\/USDT:15m, horizon 1h: \d+ forecast origins/);
      assert.match(table.stdout, /model\s+MAE\s+RMSE\s+MAPE%\s+MASE/);
      assert.match(table.stdout, /IS80\s+IS95\s+CRPS\s+skill80\s+skill95\s+IS80 DM p/);
      assert.match(table.stdout, /^naive\s+\S+/m);
      assert.match(table.stdout, /^drift\s+\S+/m);
    });

    test('train, predict, models, promote and roll back, tune, jobs', async () => {
      const train = (model: string, promote: string) =>
        runForecastCli(
          [
            'train',
            '--series',
            BTC,
            '--horizon',
            '240m',
            '--model',
            model,
            '--from',
            iso(START_MS),
            '--to',
            iso(endMs),
            '--promote',
            promote,
            '--json',
          ],
          environment,
        );
      // Independent commands run side by side: each is a process of its own on one shared store.
      const [first, second, third, tuned] = await Promise.all([
        train('naive-volatility', 'always'),
        train('ridge', 'always'),
        train('naive', 'never'),
        runForecastCli(
          [
            'tune',
            '--series',
            BTC,
            '--horizon',
            '4h',
            '--model',
            'ridge',
            '--from',
            iso(START_MS),
            '--to',
            iso(endMs),
            '--trials',
            '3',
            '--json',
          ],
          environment,
        ),
      ]);
      assert.equal(first.code, 0, first.stderr);
      const trained = parseJson<unknown>(first.stdout) as {
        modelVersionId: number;
        promoted: boolean;
        metrics: Record<string, number>;
        naiveMetrics: Record<string, number>;
      };
      assert.equal(trained.promoted, true);
      assert.equal(trained.naiveMetrics.mase, 1);
      assert.equal(trained.metrics.mase, 1, 'naive with volatility-scaled bands forecasts the last close');
      assert.ok((trained.metrics.count ?? 0) >= 40);
      assert.equal(second.code, 0, second.stderr);
      // On this nearly unpredictable series ridge does not beat naive significantly: never production.
      const ridge = parseJson<unknown>(second.stdout) as {
        modelVersionId: number;
        promoted: boolean;
        promotionReason: string;
        metrics: Record<string, number>;
      };
      assert.ok(!(ridge.metrics.dmStatistic! < 0 && ridge.metrics.dmPValue! < 0.05));
      assert.equal(ridge.promoted, false);
      assert.match(
        ridge.promotionReason,
        /\(ridge\) did not beat naive significantly on .* \(DM [-0-9.]+, p = /,
      );
      assert.equal(third.code, 0, third.stderr);
      const naiveVersion = (parseJson<unknown>(third.stdout) as { modelVersionId: number }).modelVersionId;
      assert.equal(tuned.code, 0, tuned.stderr);
      const tuning = parseJson<unknown>(tuned.stdout) as {
        jobId: string;
        trials: unknown[];
        best: { trial: number };
      };
      assert.equal(tuning.trials.length, 3);
      const trials = await db.query<{ count: number }>(
        'SELECT count(*) AS count FROM tuning_trials WHERE job_id = $1',
        [tuning.jobId],
      );
      assert.equal(trials[0]?.count, 3);

      const predicted = await runForecastCli(
        ['predict', '--series', BTC, '--horizon', '4h', '--json'],
        environment,
      );
      assert.equal(predicted.code, 0, predicted.stderr);
      const forecast = parseJson<unknown>(predicted.stdout) as Record<string, number | string | boolean>;
      assert.equal(forecast.modelVersionId, trained.modelVersionId);
      assert.equal(forecast.created, true);
      assert.equal(forecast.inputEndMs, endMs - HOUR_MS);
      assert.equal(forecast.targetTimeMs, endMs + 4 * HOUR_MS);
      assert.ok((forecast.lower95 as number) <= (forecast.lower80 as number));
      assert.ok(
        (forecast.lower80 as number) <= (forecast.point as number) &&
          (forecast.point as number) <= (forecast.upper80 as number),
      );
      const ledger = await db.query<{ count: number }>('SELECT count(*) AS count FROM forecasts');
      assert.equal(ledger[0]?.count, 1);

      const refused = await runForecastCli(
        ['promote', '--model-version', String(ridge.modelVersionId), '--json'],
        environment,
      );
      assert.equal(refused.code, 2, refused.stdout);
      assert.match(
        refused.stderr,
        /did not beat naive significantly .*only a model that beats naive significantly/,
      );

      const promoted = await runForecastCli(
        ['promote', '--model-version', String(naiveVersion), '--json'],
        environment,
      );
      assert.equal(promoted.code, 0, promoted.stderr);
      const change = parseJson<unknown>(promoted.stdout) as {
        production: { id: number };
        replaced: { id: number; stage: string };
      };
      assert.equal(change.production.id, naiveVersion);
      assert.equal(change.replaced.id, trained.modelVersionId);
      assert.equal(change.replaced.stage, 'archived');

      const rolledBack = await runForecastCli(
        ['promote', '--rollback', '--series', BTC, '--horizon', '4h'],
        environment,
      );
      assert.equal(rolledBack.code, 0, rolledBack.stderr);
      assert.match(
        rolledBack.stdout,
        new RegExp(
          `version ${trained.modelVersionId} \\(naive-volatility, MASE [^)]+\\) is production; version ${naiveVersion} \\(naive\\) archived`,
        ),
      );

      const [listed, table, jobs] = await Promise.all([
        runForecastCli(['models', '--series', BTC, '--json'], environment),
        runForecastCli(['models'], environment),
        runForecastCli(['jobs', '--json'], environment),
      ]);
      assert.equal(listed.code, 0, listed.stderr);
      const versions = parseJson<unknown>(listed.stdout) as {
        id: number;
        stage: string;
        liveAccuracy: unknown;
      }[];
      assert.deepEqual(
        versions
          .map((version) => [version.id, version.stage])
          .sort(([left], [right]) => Number(left) - Number(right)),
        [
          [trained.modelVersionId, 'production'],
          [ridge.modelVersionId, 'candidate'],
          [naiveVersion, 'archived'],
        ].sort(([left], [right]) => Number(left) - Number(right)),
      );
      assert.equal(versions[0]!.id, trained.modelVersionId, 'production first');
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stdout, /id\s+model\s+series\s+horizon\s+stage\s+MASE/);
      assert.equal(jobs.code, 0, jobs.stderr);
      const kinds = (parseJson<unknown>(jobs.stdout) as { kind: string; state: string }[]).map(
        (job) => `${job.kind}:${job.state}`,
      );
      assert.deepEqual(kinds.sort(), [
        'backtest:succeeded',
        'backtest:succeeded',
        'predict:succeeded',
        'train:succeeded',
        'train:succeeded',
        'train:succeeded',
        'tune:succeeded',
      ]);
    });

    test('bad input is named, with what would work, and exits 2', async () => {
      const range = ['--from', iso(START_MS), '--to', iso(endMs)];
      const cases: { args: string[]; message: RegExp }[] = [
        {
          args: ['backtest', '--series', 'binance:DOGE/USDT:1h', '--horizon', '4h', ...range],
          message: /unknown series binance:DOGE\/USDT:1h.*series with data: .*binance:BTC\/USDT:1h/,
        },
        {
          args: ['backtest', '--series', BTC, '--horizon', '90m', ...range],
          message: /horizon 90m is not a multiple of the 1h timeframe \(60 minutes\); try 1h or 2h/,
        },
        {
          args: ['backtest', '--series', BTC, '--horizon', '4x', ...range],
          message: /--horizon: horizon "4x" is not understood/,
        },
        {
          args: ['backtest', '--series', BTC, '--horizon', '4h', ...range, '--models', 'naive,prophet'],
          message: /--models: unknown model "prophet"; known models: naive, drift/,
        },
        {
          args: [
            'train',
            '--series',
            BTC,
            '--horizon',
            '4h',
            '--model',
            'ridge',
            '--from',
            iso(START_MS),
            '--to',
            iso(START_MS + 100 * HOUR_MS),
          ],
          message:
            /too little data: binance:BTC\/USDT:1h has 100 closed candles .* needs at least \d+; its data spans 2024-01-01T00:00Z to/,
        },
        {
          args: ['predict', '--series', ETH_15M, '--horizon', '1h'],
          message: /binance:ETH\/USDT:15m has no production model for horizon 1h; train one/,
        },
        {
          args: ['backtest', '--series', 'BTCUSDT', '--horizon', '4h', ...range],
          message: /--series: series "BTCUSDT" must look like source:BASE\/QUOTE:timeframe/,
        },
        { args: ['promote', '--model-version', '999'], message: /model version 999 does not exist/ },
      ];
      const results = await Promise.all(cases.map((entry) => runForecastCli(entry.args, environment)));
      results.forEach((result, index) => {
        const { args, message } = cases[index]!;
        assert.equal(result.code, 2, `${args.join(' ')} → ${result.code}: ${result.stderr}`);
        assert.match(result.stderr, message, args.join(' '));
        assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
      });
    });
  },
);
