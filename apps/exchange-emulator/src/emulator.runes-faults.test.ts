import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import {
  GENIIDATA_DATASOURCE_ID,
  MALFORMED_PRICE,
  RUNES_EMULATOR_API_KEY,
  startEmulator,
  type FaultReport,
  type RunningEmulator,
} from './index.ts';

const START_MS = Date.UTC(2025, 5, 2, 8, 0);
const HEADERS = {
  authorization: `Bearer ${RUNES_EMULATOR_API_KEY}`,
  'api-key': RUNES_EMULATOR_API_KEY,
  'content-type': 'application/json',
};

type Value = string | number | boolean | null;
type Row = Record<string, Value>;
interface Body {
  code: number;
  error: { message: string };
  data: Row & { list: Row[]; detail: Row[]; total: number };
}

async function get(
  url: string,
  signal?: AbortSignal,
): Promise<{ status: number; headers: Headers; body: Body }> {
  const response = await fetch(url, { headers: HEADERS, signal });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Body };
}

async function post(url: string, body: unknown): Promise<{ status: number; body: Body }> {
  const response = await fetch(url, { method: 'POST', headers: HEADERS, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Body };
}

async function addFault(url: string, rule: Record<string, unknown>): Promise<Response> {
  return fetch(`${url}/__emulator/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(rule),
  });
}

describe('runes provider faults', () => {
  let emulator: RunningEmulator;
  let results: string;

  before(async () => {
    emulator = await startEmulator({ startTime: START_MS, paused: true, seed: 11, simulatedHistoryDays: 1 });
    results = `${emulator.url}/geniidata/lordking/api/v1/datasource/${GENIIDATA_DATASOURCE_ID}/results`;
  });
  afterEach(() => emulator.faults.clear());
  after(async () => emulator?.close());

  test("429 with Retry-After in each provider's shape; GeniiData says 1003", async () => {
    for (const exchange of ['ordiscan', 'unisat', 'geniidata']) {
      assert.equal(
        (await addFault(emulator.url, { kind: 'http-429', exchange, retryAfterSeconds: 42 })).status,
        201,
      );
    }
    const ordiscan = await get(`${emulator.url}/ordiscan/v1/runes`);
    assert.equal(ordiscan.status, 429);
    assert.equal(ordiscan.headers.get('retry-after'), '42');
    assert.equal(typeof ordiscan.body.error.message, 'string');
    const unisat = await get(`${emulator.url}/unisat/v1/indexer/runes/840000:3/info`);
    assert.equal(unisat.status, 429);
    assert.ok(unisat.body.code < 0);
    const genii = await get(`${results}?limit=20&offset=0`);
    assert.equal(genii.status, 429);
    assert.equal(genii.headers.get('retry-after'), '42');
    assert.equal(genii.body.code, 1003);
    assert.equal((await get(`${results}?limit=20&offset=0`)).status, 200, 'a count of 1 fires once');
    assert.equal(emulator.faults.report().counters.byExchange.geniidata, 1);
  });

  test('5xx on one endpoint only', async () => {
    emulator.faults.add({ kind: 'http-5xx', exchange: 'ordiscan', endpoint: 'rune/market', statusCode: 502 });
    assert.equal((await get(`${emulator.url}/ordiscan/v1/rune/DOGGOTOTHEMOON`)).status, 200);
    const failed = await get(`${emulator.url}/ordiscan/v1/rune/DOGGOTOTHEMOON/market`);
    assert.equal(failed.status, 502);
    assert.equal(typeof failed.body.error.message, 'string');
    emulator.faults.add({ kind: 'http-5xx', exchange: 'unisat', endpoint: 'runes_types' });
    const market = await post(`${emulator.url}/unisat/v3/market/runes/auction/runes_types`, {
      timeType: 'day1',
    });
    assert.equal(market.status, 503);
  });

  test('a slow datasource call arrives late, and one of minutes outlasts the client', async () => {
    emulator.faults.add({ kind: 'http-slow', exchange: 'geniidata', endpoint: 'results', delayMs: 400 });
    const startedMs = Date.now();
    assert.equal((await get(`${results}?limit=5`)).status, 200);
    assert.ok(Date.now() - startedMs >= 390);
    emulator.faults.add({ kind: 'http-slow', exchange: 'geniidata', endpoint: 'results', delayMs: 180_000 });
    await assert.rejects(get(`${results}?limit=5`, AbortSignal.timeout(500)), /abort|timeout/i);
    assert.equal(emulator.faults.injected('http-slow'), 2);
  });

  test('malformed rows: a non-numeric price and negative holders', async () => {
    emulator.faults.add({ kind: 'data-malformed', exchange: 'geniidata', rune: 'DOG•GO•TO•THE•MOON' });
    const page = await get(`${results}?limit=1000`);
    const dog = page.body.data.list.find((row) => row.rune_id === '840000:3')!;
    assert.equal(dog.price_sats, MALFORMED_PRICE);
    assert.equal(dog.price_usd, MALFORMED_PRICE);
    assert.ok(Number(dog.holders) < 0);
    const others = page.body.data.list.filter((row) => row.rune_id !== '840000:3');
    assert.ok(others.every((row) => typeof row.price_sats === 'number' && Number(row.holders) > 0));

    emulator.faults.clear();
    emulator.faults.add({
      kind: 'data-malformed',
      exchange: 'unisat',
      endpoint: 'info',
      field: 'holders',
      count: 1,
    });
    const info = await get(`${emulator.url}/unisat/v1/indexer/runes/840000:3/info`);
    assert.ok(Number(info.body.data.holders) < 0);
    const again = await get(`${emulator.url}/unisat/v1/indexer/runes/840000:3/info`);
    assert.ok(Number(again.body.data.holders) > 0, 'count 1 breaks one answer');

    emulator.faults.add({ kind: 'data-malformed', exchange: 'ordiscan', field: 'price' });
    const market = await get(`${emulator.url}/ordiscan/v1/rune/DOGGOTOTHEMOON/market`);
    assert.equal(market.body.data.price_in_usd, MALFORMED_PRICE);
  });

  test('partial rows: fields missing', async () => {
    emulator.faults.add({ kind: 'data-partial', exchange: 'geniidata', endpoint: 'results' });
    const page = await get(`${results}?limit=3`);
    const [first, second] = page.body.data.list as [Row, Row];
    for (const key of ['price_sats', 'price_usd', 'holders', 'volume_1d_btc']) {
      assert.equal(key in first, false, key);
      assert.equal(key in second, true, key);
    }
    emulator.faults.add({ kind: 'data-partial', exchange: 'ordiscan', rune: '840000:3' });
    const market = await get(`${emulator.url}/ordiscan/v1/rune/DOGGOTOTHEMOON/market`);
    assert.deepEqual(Object.keys(market.body.data).sort(), ['market_cap_in_btc', 'price_in_sats']);
  });

  test("providers disagree: one provider's price for one rune is off by a percentage", async () => {
    const before = await get(`${emulator.url}/ordiscan/v1/rune/DOGGOTOTHEMOON/market`);
    emulator.faults.add({ kind: 'price-offset', exchange: 'unisat', rune: 'DOGGOTOTHEMOON', percent: 12.5 });
    const unisat = await post(`${emulator.url}/unisat/v3/market/runes/auction/runes_types_specified`, {
      timeType: 'day1',
      tick: 'DOG•GO•TO•THE•MOON',
    });
    const ordiscan = await get(`${emulator.url}/ordiscan/v1/rune/DOGGOTOTHEMOON/market`);
    assert.deepEqual(ordiscan.body.data, before.body.data, 'other providers unchanged');
    assert.ok(
      Math.abs(Number(unisat.body.data.curPrice) / Number(ordiscan.body.data.price_in_sats) - 1.125) < 1e-9,
    );
  });

  test('a rune renamed or delisted through the control API', async () => {
    const renamed = await addFault(emulator.url, {
      kind: 'rune-renamed',
      rune: '840000:3',
      newName: 'DOG•GOES•TO•MARS',
      exchange: 'ordiscan',
    });
    assert.equal(renamed.status, 201);
    assert.equal((await get(`${emulator.url}/ordiscan/v1/rune/DOGGOTOTHEMOON`)).status, 404);
    const shown = await get(`${emulator.url}/ordiscan/v1/rune/DOGGOESTOMARS`);
    assert.equal(shown.body.data.id, '840000:3');
    assert.equal(shown.body.data.formatted_name, 'DOG•GOES•TO•MARS');
    const unisat = await get(`${emulator.url}/unisat/v1/indexer/runes/840000:3/info`);
    assert.equal(unisat.body.data.rune, 'DOGGOTOTHEMOON', 'other providers keep the name');

    await addFault(emulator.url, { kind: 'rune-delisted', rune: 'DOG•GO•TO•THE•MOON', exchange: 'unisat' });
    const gone = await get(`${emulator.url}/unisat/v1/indexer/runes/840000:3/info`);
    assert.equal(gone.body.code, -4001);
    const list = await get(`${emulator.url}/unisat/v1/indexer/runes/info-list?limit=500`);
    assert.equal(
      list.body.data.detail.some((rune) => rune.runeid === '840000:3'),
      false,
    );
    assert.equal(list.body.data.total, emulator.runes.runes.length - 1);

    const report = (await (await fetch(`${emulator.url}/__emulator/faults`)).json()) as FaultReport;
    assert.ok(report.counters.byKind['rune-renamed'] >= 2);
    await fetch(`${emulator.url}/__emulator/faults`, { method: 'DELETE' });
    assert.equal((await get(`${emulator.url}/unisat/v1/indexer/runes/840000:3/info`)).body.code, 0);
  });

  test('the control API names bad runes fault fields', async () => {
    for (const [rule, field] of [
      [{ kind: 'price-offset', rune: 'DOGGOTOTHEMOON' }, /percent/],
      [{ kind: 'rune-renamed', rune: 'DOGGOTOTHEMOON', newName: 'dog..x' }, /newName/],
      [{ kind: 'rune-delisted' }, /rune/],
      [{ kind: 'data-partial', exchange: 'binance' }, /exchange/],
      [{ kind: 'ws-drop', exchange: 'unisat' }, /exchange/],
    ] as const) {
      const refused = await addFault(emulator.url, rule);
      assert.equal(refused.status, 400, JSON.stringify(rule));
      assert.match(((await refused.json()) as { error: { message: string } }).error.message, field);
    }
  });
});
