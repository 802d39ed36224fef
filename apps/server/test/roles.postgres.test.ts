import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { workerOverrides } from '../src/cli/commands/up.command.ts';
import { loadConfig } from '../src/config/config.ts';
import { startRunecast, type RunningRunecast } from '../src/main.ts';
import { createLogger } from '../src/observability/logger.ts';
import { ROLES } from '../src/roles/index.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { createTestPostgresDatabase } from './support/postgres.ts';

const ETHER = { exchange: 'binance', symbol: 'ETH/USDT' };

describe('roles on one PostgreSQL store, each process its own runtime', () => {
  let database: { url: string; drop: () => Promise<void> };
  let home: string;
  let api: RunningRunecast;
  let scheduler: RunningRunecast;
  let observer: Store;

  before(async () => {
    database = await createTestPostgresDatabase();
    home = await mkdtemp(join(tmpdir(), 'runecast-roles-'));
    const environment = {
      RUNECAST_HOME: home,
      RUNECAST_DATABASE_URL: database.url,
      RUNECAST_PORT: '0',
      RUNECAST_MARKETS: 'binance:BTC/USDT',
      RUNECAST_DEFAULT_MODEL: 'none',
      RUNECAST_ADMIN_PASSWORD: 'a-long-test-password',
      RUNECAST_LOG_LEVEL: 'silent',
    };
    const logger = createLogger('silent');
    api = await startRunecast({
      config: loadConfig(environment),
      roles: ['api'],
      logger,
      announce: () => {},
    });
    scheduler = await startRunecast({
      config: loadConfig({ ...environment, RUNECAST_WORKER_KINDS: 'train,predict' }),
      roles: ['worker', 'scheduler'],
      logger,
    });
    observer = await openStore({ url: database.url });
  });

  after(async () => {
    await scheduler?.stop();
    await api?.stop();
    await observer?.close();
    await database?.drop();
    await rm(home, { recursive: true, force: true });
  });

  test('up, serve and worker start roles from one list', () => {
    assert.deepEqual(
      ROLES.map((role) => role.name),
      ['alerts', 'ingest', 'worker', 'scheduler', 'api'],
    );
  });

  test('a process without the api role answers /health and /ready, and serves no API', async () => {
    const base = `http://127.0.0.1:${scheduler.port}`;
    assert.equal((await fetch(`${base}/health`)).status, 200);
    const ready = (await (await fetch(`${base}/ready`)).json()) as { components: { name: string }[] };
    const names = ready.components.map((component) => component.name).sort();
    for (const name of ['bus', 'cache', 'queue', 'scheduler', 'store', 'tracked-markets']) {
      assert.ok(names.includes(name), `${name} in ${names.join(', ')}`);
    }
    const document = (await (await fetch(`${base}/docs/json`)).json()) as { paths: Record<string, unknown> };
    assert.deepEqual(
      Object.keys(document.paths).filter((path) => path.startsWith('/api/')),
      [],
      'no API route is served',
    );
    assert.equal(scheduler.context.localJobWorker?.kinds.join(','), 'train,predict');
  });

  test('the api process registers no scheduler, and serves the API', async () => {
    const base = `http://127.0.0.1:${api.port}`;
    const ready = (await (await fetch(`${base}/ready`)).json()) as { components: { name: string }[] };
    assert.ok(!ready.components.some((component) => component.name === 'scheduler'));
    assert.equal((await fetch(`${base}/api/v1/markets`)).status, 401);
    const document = (await (await fetch(`${base}/docs/json`)).json()) as { paths: Record<string, unknown> };
    assert.ok('/api/v1/markets' in document.paths);
  });

  test('a market added in one process reaches the tracked markets of another', async () => {
    const heard: string[][] = [];
    const unsubscribe = scheduler.context.trackedMarkets.subscribe((markets) => {
      heard.push(markets.map((market) => `${market.exchange}:${market.symbol}:${market.added}`));
    });
    await observer.markets.upsertMarkets([
      {
        ...ETHER,
        base: 'ETH',
        quote: 'USDT',
        type: 'spot',
        active: true,
        pricePrecision: null,
        amountPrecision: null,
        addedAtMs: Date.now(),
      },
    ]);
    await scheduler.context.trackedMarkets.refresh();
    assert.deepEqual(heard.at(-1), ['binance:BTC/USDT:false', 'binance:ETH/USDT:true']);
    assert.deepEqual(
      scheduler.context.trackedMarkets.series().map((entry) => [entry.series.symbol, entry.horizonsMinutes]),
      [
        ['BTC/USDT', [5, 15, 60]],
        ['ETH/USDT', [5, 15, 60]],
      ],
    );
    await observer.markets.removeMarket(ETHER.exchange, ETHER.symbol);
    await scheduler.context.trackedMarkets.refresh();
    assert.deepEqual(heard.at(-1), ['binance:BTC/USDT:false']);
    // Nothing changed since: listeners are not told again.
    const told = heard.length;
    await scheduler.context.trackedMarkets.refresh();
    assert.equal(heard.length, told);
    unsubscribe();
  });
});

describe('runecast worker is an alias of serve --roles worker', () => {
  test('its flags become the configuration the worker and scheduler roles read', () => {
    const overrides = workerOverrides({
      concurrency: '3',
      kinds: 'train, backtest',
      interval: '1h',
      retrainCron: '0 3 * * *',
      leaseSeconds: '90',
      port: '0',
    });
    const config = loadConfig({}, overrides);
    assert.equal(config.workerConcurrency, 3);
    assert.deepEqual(config.workerKinds, ['train', 'backtest']);
    assert.equal(config.forecastIntervalMinutes, 60);
    assert.equal(config.retrainCron, '0 3 * * *');
    assert.equal(config.jobLeaseSeconds, 90);
    assert.throws(() => workerOverrides({ interval: 'soon' }), /--interval "soon" is not a duration/);
    assert.throws(() => loadConfig({}, workerOverrides({ kinds: 'Train!' })), /RUNECAST_WORKER_KINDS/);
  });
});
