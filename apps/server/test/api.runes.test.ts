import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type RunningEmulator, startEmulator } from '@runecast/exchange-emulator';
import { systemClock } from '@runecast/market';
import { SnapshotCollector } from '../src/ingest/snapshot-collector.ts';
import { createLogger } from '../src/observability/logger.ts';
import { EMULATED_GENIIDATA_DATASOURCE, registerRunesSources } from '../src/sources/runes/runes-sources.ts';
import { SourceRegistry } from '../src/sources/source-registry.ts';
import { RunesService } from '../src/markets/runes.service.ts';
import type { Store } from '../src/store/store.ts';
import { type ApiHarness, createApiHarness } from './support/http/api-harness.ts';

const DOG = 'DOG•GO•TO•THE•MOON/SATS';

/** The store with every call of its candle and forecast repositories counted. */
function countingStore(store: Store): { store: Store; calls: (name: string) => number } {
  const counts = new Map<string, number>();
  const counting = <Repository extends object>(name: string, repository: Repository): Repository =>
    new Proxy(repository, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...parameters: unknown[]) => {
          const key = `${name}.${String(property)}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
          return (value as (...inner: unknown[]) => unknown).apply(target, parameters);
        };
      },
    });
  const wrapped = Object.create(store) as Store;
  Object.defineProperty(wrapped, 'candles', { value: counting('candles', store.candles) });
  Object.defineProperty(wrapped, 'forecasts', { value: counting('forecasts', store.forecasts) });
  return { store: wrapped, calls: (name) => counts.get(name) ?? 0 };
}

describe('runes API over the providers the emulator speaks', () => {
  let emulator: RunningEmulator;
  let sources: SourceRegistry;
  let harness: ApiHarness;

  before(async () => {
    emulator = await startEmulator({ paused: true, seed: 9, simulatedRuneCount: 12 });
    sources = new SourceRegistry();
    const providers = registerRunesSources(sources, {
      providers: ['ordiscan', 'unisat', 'geniidata'],
      emulatorUrl: emulator.url,
      simulated: true,
      geniiDataDatasource: EMULATED_GENIIDATA_DATASOURCE,
      apiKey: async () => 'test-key',
    });
    harness = await createApiHarness({
      environment: { RUNECAST_RUNES_PROVIDERS: providers.join(',') },
      dependencies: { snapshotSources: (id) => sources.snapshots(id), runesProviders: providers },
    });
    // One poll of DOG and one other rune by Ordiscan and UniSat, as the ingest role would.
    const other = (await sources.snapshots('ordiscan').listInstruments({ limit: 6 })).find(
      (instrument) => instrument.symbol !== DOG,
    );
    assert.ok(other);
    for (const id of ['ordiscan', 'unisat']) {
      const collector = new SnapshotCollector({
        source: sources.snapshots(id),
        store: harness.store,
        bus: null,
        clock: systemClock,
        logger: createLogger('silent'),
        symbols: (): string[] => [DOG, other.symbol],
      });
      assert.equal(await collector.pollOnce(), 2);
    }
  });

  after(async () => {
    await harness?.close();
    await sources?.close();
    await emulator?.close();
  });

  test('the runes list: one row per rune from the primary provider, with its stats and every provider', async () => {
    const token = await harness.adminToken();
    const response = await harness.request({ method: 'GET', url: '/api/v1/runes', token });
    assert.equal(response.statusCode, 200, response.body);
    const { runes } = response.json() as { runes: Record<string, unknown>[] };
    assert.equal(runes.length, 2);
    const dog = runes.find((rune) => rune.name === 'DOG•GO•TO•THE•MOON');
    assert.ok(dog);
    assert.equal(dog.source, 'ordiscan');
    assert.equal(dog.seriesKey, 'ordiscan:DOG•GO•TO•THE•MOON/SATS:5m');
    assert.ok((dog.priceSats as number) > 0);
    assert.ok((dog.holders as number) > 0, 'holders from UniSat');
    assert.deepEqual(
      (dog.sources as { source: string }[]).map((entry) => entry.source),
      ['ordiscan', 'unisat'],
    );
    assert.equal(dog.disagreement, null, 'the emulator providers agree');
    assert.equal(dog.simulated, true);
    assert.equal(dog.tracked, false);
  });

  test('one rune by any spelling, its metric series, and clear errors', async () => {
    const token = await harness.adminToken();
    const detail = await harness.request({ method: 'GET', url: '/api/v1/runes/dog.go.to.the.moon', token });
    assert.equal(detail.statusCode, 200, detail.body);
    const body = detail.json() as { name: string; metrics: string[]; stats: unknown[] };
    assert.equal(body.name, 'DOG•GO•TO•THE•MOON');
    assert.ok(body.metrics.includes('holders'));
    assert.equal(body.stats.length, 2);

    const holders = await harness.request({
      method: 'GET',
      url: '/api/v1/runes/DOGGOTOTHEMOON/metrics/holders?source=unisat',
      token,
    });
    assert.equal(holders.statusCode, 200, holders.body);
    assert.equal((holders.json() as { points: unknown[] }).points.length, 1);

    for (const [url, status] of [
      ['/api/v1/runes/DOG1', 400],
      ['/api/v1/runes/%E2%80%A2DOG', 400],
      ['/api/v1/runes/NEVER•POLLED', 404],
      ['/api/v1/runes/DOGGOTOTHEMOON/metrics/Bad-Name', 400],
      ['/api/v1/runes/DOGGOTOTHEMOON/metrics/holders?source=geniidata', 404],
      ['/api/v1/runes/DOGGOTOTHEMOON/metrics/holders?from=2025-02-01&to=2025-01-01', 400],
    ] as const) {
      const answer = await harness.request({ method: 'GET', url, token });
      assert.equal(answer.statusCode, status, `${url}: ${answer.body}`);
    }
    const anonymous = await harness.request({ method: 'GET', url: '/api/v1/runes' });
    assert.equal(anonymous.statusCode, 401);
  });

  test('tracking: checked against the provider, once, removable by an admin', async () => {
    const user = await harness.createUser('user');
    const unknown = await harness.request({
      method: 'POST',
      url: '/api/v1/runes',
      token: user.token,
      body: { name: 'NO•SUCH•RUNE•HERE' },
    });
    assert.equal(unknown.statusCode, 422, unknown.body);
    assert.match(unknown.body, /does not know the rune NO•SUCH•RUNE•HERE/);

    const tracked = await harness.request({
      method: 'POST',
      url: '/api/v1/runes',
      token: user.token,
      body: { name: 'dog go to the moon' },
    });
    assert.equal(tracked.statusCode, 201, tracked.body);
    assert.equal((tracked.json() as { tracked: boolean }).tracked, true);
    assert.ok(await harness.store.markets.getMarket('ordiscan', DOG));

    const again = await harness.request({
      method: 'POST',
      url: '/api/v1/runes',
      token: user.token,
      body: { name: 'DOG•GO•TO•THE•MOON' },
    });
    assert.equal(again.statusCode, 409);
    const byUser = await harness.request({
      method: 'DELETE',
      url: '/api/v1/runes/DOGGOTOTHEMOON',
      token: user.token,
    });
    assert.equal(byUser.statusCode, 403);
    const byAdmin = await harness.request({
      method: 'DELETE',
      url: '/api/v1/runes/DOGGOTOTHEMOON',
      token: await harness.adminToken(),
    });
    assert.equal(byAdmin.statusCode, 204);
    assert.equal(await harness.store.markets.getMarket('ordiscan', DOG), null);
  });

  test("the list carries each rune's sparkline and a tracked rune's newest forecast, in a bounded number of queries", async () => {
    const admin = await harness.adminToken();
    const tracked = await harness.request({
      method: 'POST',
      url: '/api/v1/runes',
      token: admin,
      body: { name: 'dog.go.to.the.moon' },
    });
    assert.equal(tracked.statusCode, 201, tracked.body);
    const series = { exchange: 'ordiscan', symbol: DOG, timeframe: '5m' as const };
    const stepMs = 5 * 60_000;
    const nowMs = Date.now();
    // Six hours of 5m candles up to the current one (closed, so they replace the poll's), rising
    // by one sat per candle, and one older than a day (left out).
    const firstOpenMs = Math.floor(nowMs / stepMs) * stepMs - 71 * stepMs;
    const candles = Array.from({ length: 72 }, (_, index) => ({
      ...series,
      openTimeMs: firstOpenMs + index * stepMs,
      open: 1000 + index,
      high: 1001 + index,
      low: 999 + index,
      close: 1000 + index,
      volume: 1,
      quoteVolume: null,
      tradeCount: null,
      closed: true,
    }));
    const old = {
      ...candles[0]!,
      openTimeMs: firstOpenMs - 2 * 86_400_000,
      close: 1,
      open: 1,
      low: 1,
      high: 1,
    };
    await harness.store.candles.upsertCandles([old, ...candles]);
    const version = await harness.store.models.insertVersion({
      modelType: 'naive-volatility',
      series,
      horizonMinutes: 1440,
      params: {},
      featureNames: [],
      trainingStartMs: firstOpenMs,
      trainingEndMs: nowMs,
      trainingCandles: 72,
      dataFingerprint: 'a'.repeat(64),
      metrics: {},
      artifact: new Uint8Array([1]),
    });
    const forecast = (horizonMinutes: number, point: number, issuedAtMs: number) => ({
      series,
      horizonMinutes,
      modelVersionId: version.id,
      modelType: 'naive-volatility',
      madeAtMs: issuedAtMs,
      inputStartMs: firstOpenMs,
      inputEndMs: issuedAtMs - stepMs,
      issuedAtMs,
      targetTimeMs: issuedAtMs + horizonMinutes * 60_000,
      lastClose: 1071,
      point,
      lower80: point - 50,
      upper80: point + 50,
      lower95: point - 90,
      upper95: point + 90,
    });
    await harness.store.forecasts.insertForecast(forecast(1440, 1200, nowMs - 3 * stepMs));
    await harness.store.forecasts.insertForecast(forecast(1440, 1300, nowMs - 2 * stepMs));
    await harness.store.forecasts.insertForecast(forecast(240, 1100, nowMs - stepMs));

    const response = await harness.request({ method: 'GET', url: '/api/v1/runes', token: admin });
    assert.equal(response.statusCode, 200, response.body);
    const { runes } = response.json() as {
      runes: {
        name: string;
        tracked: boolean;
        priceSats: number | null;
        sparkline: number[] | null;
        forecast: { horizonMinutes: number; point: number; lower80: number; upper80: number } | null;
      }[];
    };
    const dog = runes.find((rune) => rune.name === 'DOG•GO•TO•THE•MOON');
    assert.ok(dog);
    assert.equal(dog.tracked, true);
    // The last close of each half hour: twelve (or thirteen, when the hours straddle a bucket).
    assert.ok(dog.sparkline !== null && dog.sparkline.length >= 12 && dog.sparkline.length <= 13);
    assert.equal(dog.sparkline.at(-1), 1071);
    assert.ok(!dog.sparkline.includes(1), 'candles older than a day are left out');
    assert.deepEqual(
      dog.sparkline,
      [...dog.sparkline].sort((a, b) => a - b),
      'oldest first',
    );
    assert.deepEqual(
      dog.forecast && {
        horizonMinutes: dog.forecast.horizonMinutes,
        point: dog.forecast.point,
        lower80: dog.forecast.lower80,
        upper80: dog.forecast.upper80,
      },
      { horizonMinutes: 1440, point: 1300, lower80: 1250, upper80: 1350 },
      'the newest forecast of the longest horizon',
    );
    const other = runes.find((rune) => rune.name !== 'DOG•GO•TO•THE•MOON');
    assert.ok(other);
    assert.deepEqual(other.sparkline, [other.priceSats], 'the one candle its single poll wrote');
    assert.equal(other.forecast, null, 'untracked runes carry no forecast');

    const detail = await harness.request({
      method: 'GET',
      url: '/api/v1/runes/DOGGOTOTHEMOON',
      token: admin,
    });
    assert.equal((detail.json() as { forecast: { point: number } | null }).forecast?.point, 1300);

    // The list asks the store the same number of times however many runes it holds.
    const counted = countingStore(harness.store);
    const service = new RunesService({
      store: counted.store,
      providers: ['ordiscan', 'unisat'],
      snapshotSource: null,
      pollTimeframe: '5m',
      now: () => Date.now(),
    });
    await service.list();
    assert.equal(counted.calls('candles.sampledCloses'), 1, 'one candle query for every sparkline');
    assert.equal(counted.calls('forecasts.latestForecastsOf'), 1, 'one forecast query for the list');
    assert.equal(counted.calls('forecasts.listForecasts'), 0);
  });
});
