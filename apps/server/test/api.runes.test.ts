import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type RunningEmulator, startEmulator } from '@runecast/exchange-emulator';
import { systemClock } from '@runecast/market';
import { SnapshotCollector } from '../src/ingest/snapshot-collector.ts';
import { createLogger } from '../src/observability/logger.ts';
import { EMULATED_GENIIDATA_DATASOURCE, registerRunesSources } from '../src/sources/runes/runes-sources.ts';
import { SourceRegistry } from '../src/sources/source-registry.ts';
import { type ApiHarness, createApiHarness } from './support/http/api-harness.ts';

const DOG = 'DOG•GO•TO•THE•MOON/SATS';

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
});
