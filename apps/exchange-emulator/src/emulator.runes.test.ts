import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  DOG_INTRADAY_LOG_BAND,
  DOG_RUNE,
  GENIIDATA_DATASOURCE_ID,
  ORDISCAN_PAGE_SIZE,
  REAL_RUNES_HEADER,
  RUNES_EMULATOR_API_KEY,
  RUNES_PROVIDER_PATHS,
  SIMULATED_HEADER,
  parseRuneName,
  spacedRuneName,
  startEmulator,
  type RunningEmulator,
} from './index.ts';

const START_MS = Date.UTC(2025, 2, 10, 12, 0);
const KEY = RUNES_EMULATOR_API_KEY;
const replayDirectory = process.env.RUNECAST_REPLAY_DIR ? resolve(process.env.RUNECAST_REPLAY_DIR) : null;
const dogReplaySkip: string | false =
  replayDirectory && existsSync(join(replayDirectory, 'runes/DOG_GO_TO_THE_MOON-price-usd-1d.json'))
    ? false
    : 'the real DOG series (RUNECAST_REPLAY_DIR/runes/) is not available';

interface Answer<Body> {
  status: number;
  headers: Headers;
  body: Body;
}

async function call<Body = Record<string, unknown>>(
  url: string,
  options: { key?: string | null; header?: 'bearer' | 'api-key'; body?: unknown } = {},
): Promise<Answer<Body>> {
  const headers: Record<string, string> = {};
  const key = options.key === undefined ? KEY : options.key;
  if (key !== null) {
    if ((options.header ?? 'bearer') === 'bearer') headers.authorization = `Bearer ${key}`;
    else headers['api-key'] = key;
  }
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(url, {
    method: options.body === undefined ? 'GET' : 'POST',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Body };
}

type OrdiscanRune = Record<string, unknown> & { id: string; name: string; number: number };
type Envelope<Data> = { code: number; msg?: string; message?: string; data: Data };
type Page<Row> = { count: number; limit: string; offset: string; list: Row[] };

describe('runes providers', () => {
  let emulator: RunningEmulator;
  let ordiscan: string;
  let unisat: string;
  let geniidata: string;

  before(async () => {
    emulator = await startEmulator({ startTime: START_MS, paused: true, seed: 5, simulatedHistoryDays: 1 });
    ordiscan = `${emulator.url}${RUNES_PROVIDER_PATHS.ordiscan}`;
    unisat = `${emulator.url}${RUNES_PROVIDER_PATHS.unisat}`;
    geniidata = `${emulator.url}${RUNES_PROVIDER_PATHS.geniidata}`;
  });
  after(async () => emulator?.close());

  test('the universe holds at least 100 valid, unique runes with ids from block 840000', async () => {
    const names = new Set<string>();
    const ids = new Set<string>();
    let before: number | undefined;
    for (;;) {
      const query = before === undefined ? '' : `?before=${before}`;
      const { status, body } = await call<{ data: OrdiscanRune[] }>(`${ordiscan}/v1/runes${query}`);
      assert.equal(status, 200);
      if (body.data.length === 0) break;
      assert.ok(body.data.length <= ORDISCAN_PAGE_SIZE);
      for (const rune of body.data) {
        names.add(rune.name);
        ids.add(rune.id);
        const parsed = parseRuneName(rune.formatted_name as string);
        assert.ok(parsed, `valid name ${String(rune.formatted_name)}`);
        assert.equal(parsed.name, rune.name);
        assert.equal(spacedRuneName(rune.name, rune.spacers as number), rune.formatted_name);
        const [block, tx] = rune.id.split(':').map(Number);
        assert.ok(block! >= 840_000 && tx! >= 0, rune.id);
      }
      before = body.data[body.data.length - 1]!.number;
    }
    assert.ok(names.size >= 100, `${names.size} runes`);
    assert.equal(ids.size, names.size);
    assert.ok(ids.has(DOG_RUNE.id));
    assert.equal(emulator.status().runes.count, names.size);
  });

  test('Ordiscan: auth, envelope, cursors, rune and market shapes, name forms, errors', async () => {
    const refused = await call<{ error: { message: string } }>(`${ordiscan}/v1/runes`, { key: null });
    assert.equal(refused.status, 401);
    assert.equal(typeof refused.body.error.message, 'string');

    const newest = await call<{ data: OrdiscanRune[] }>(`${ordiscan}/v1/runes`);
    assert.equal(newest.body.data.length, ORDISCAN_PAGE_SIZE);
    const numbers = newest.body.data.map((rune) => rune.number);
    assert.deepEqual(
      numbers,
      [...numbers].sort((left, right) => right - left),
    );
    const oldest = await call<{ data: OrdiscanRune[] }>(`${ordiscan}/v1/runes?sort=oldest&after=1`);
    assert.deepEqual(
      oldest.body.data.slice(0, 3).map((rune) => rune.number),
      [2, 3, 4],
    );
    const next = await call<{ data: OrdiscanRune[] }>(`${ordiscan}/v1/runes?before=${numbers.at(-1)}`);
    assert.equal(next.body.data[0]!.number, numbers.at(-1)! - 1);
    assert.deepEqual(Object.keys(oldest.body.data[0]!).sort(), [
      'amount_per_mint',
      'decimals',
      'etching_txid',
      'formatted_name',
      'id',
      'inscription_id',
      'mint_count_cap',
      'mint_end_block',
      'mint_start_block',
      'name',
      'number',
      'premined_supply',
      'spacers',
      'symbol',
      'timestamp_unix',
    ]);

    const dog = await call<{ data: Record<string, unknown> }>(`${ordiscan}/v1/rune/DOGGOTOTHEMOON`);
    assert.equal(dog.status, 200);
    assert.equal(dog.body.data.id, '840000:3');
    assert.equal(dog.body.data.formatted_name, 'DOG•GO•TO•THE•MOON');
    assert.equal(dog.body.data.decimals, 5);
    assert.equal(dog.body.data.current_supply, '10000000000000000');
    assert.equal(dog.body.data.premined_supply, '10000000000000000');
    assert.equal(typeof dog.body.data.current_mint_count, 'number');
    assert.equal(typeof dog.body.data.timestamp_unix, 'string');
    const spaced = await call<{ data: { id: string } }>(
      `${ordiscan}/v1/rune/${encodeURIComponent('DOG•GO•TO•THE•MOON')}`,
    );
    assert.equal(spaced.body.data.id, '840000:3');

    const market = await call<{ data: Record<string, number> }>(`${ordiscan}/v1/rune/DOGGOTOTHEMOON/market`);
    assert.deepEqual(Object.keys(market.body.data).sort(), [
      'market_cap_in_btc',
      'market_cap_in_usd',
      'price_in_sats',
      'price_in_usd',
    ]);
    for (const value of Object.values(market.body.data)) assert.ok(typeof value === 'number' && value > 0);
    assert.ok(Math.abs(market.body.data.market_cap_in_usd! / market.body.data.price_in_usd! - 1e11) < 1e3);

    assert.equal((await call(`${ordiscan}/v1/rune/NOSUCHRUNEHERE`)).status, 404);
    const badName = await call<{ error: { message: string } }>(`${ordiscan}/v1/rune/DOG-GO`);
    assert.equal(badName.status, 400);
    assert.equal((await call(`${ordiscan}/v1/runes?sort=sideways`)).status, 400);
    assert.equal((await call(`${ordiscan}/v1/runes?after=abc`)).status, 400);
    assert.equal((await call(`${ordiscan}/v1/nothing`)).status, 404);
  });

  test('UniSat: auth, envelope, info-list paging and filters, info, holders, market POSTs, errors', async () => {
    const refused = await call<{ code: number }>(`${unisat}/v1/indexer/runes/info-list`, { key: null });
    assert.equal(refused.status, 401);
    assert.ok(refused.body.code < 0);

    type InfoList = Envelope<{ total: number; start: number; detail: Record<string, unknown>[] }>;
    const first = await call<InfoList>(`${unisat}/v1/indexer/runes/info-list?start=0&limit=50`);
    assert.equal(first.body.code, 0);
    assert.equal(first.body.msg, 'ok');
    assert.equal(first.body.data.detail.length, 50);
    const total = first.body.data.total;
    const pages: string[] = [];
    for (let start = 0; start < total; start += 50) {
      const page = await call<InfoList>(`${unisat}/v1/indexer/runes/info-list?start=${start}&limit=50`);
      pages.push(...page.body.data.detail.map((rune) => rune.runeid as string));
    }
    assert.equal(pages.length, total);
    assert.equal(new Set(pages).size, total, 'pages neither overlap nor skip');

    const search = await call<InfoList>(
      `${unisat}/v1/indexer/runes/info-list?rune=${encodeURIComponent('DOG•GO•TO•THE•MOON')}`,
    );
    assert.deepEqual(
      search.body.data.detail.map((rune) => rune.runeid),
      ['840000:3'],
    );
    const byHolders = await call<InfoList>(`${unisat}/v1/indexer/runes/info-list?sort=holders&limit=20`);
    const holders = byHolders.body.data.detail.map((rune) => rune.holders as number);
    assert.deepEqual(
      holders,
      [...holders].sort((left, right) => right - left),
    );
    const complete = await call<InfoList>(`${unisat}/v1/indexer/runes/info-list?complete=no&limit=500`);
    assert.ok(complete.body.data.detail.every((rune) => rune.mintable === true));

    for (const query of ['limit=0', 'limit=501', 'limit=ten', 'start=-1', 'sort=price', 'complete=maybe']) {
      const bad = await call<Envelope<null>>(`${unisat}/v1/indexer/runes/info-list?${query}`);
      assert.equal(bad.body.code, -1, query);
      assert.equal(bad.body.data, null);
    }

    const info = await call<Envelope<Record<string, unknown>>>(`${unisat}/v1/indexer/runes/840000:3/info`);
    assert.equal(info.body.data.spacedRune, 'DOG•GO•TO•THE•MOON');
    assert.equal(info.body.data.supply, '100000000000');
    assert.equal(info.body.data.divisibility, 5);
    for (const key of ['premine', 'mints', 'burned', 'supply', 'remaining']) {
      assert.equal(typeof info.body.data[key], 'string', key);
    }
    const unknown = await call<Envelope<null>>(`${unisat}/v1/indexer/runes/999999:9/info`);
    assert.equal(unknown.body.code, -4001);

    type Holders = Envelope<{ total: number; start: number; detail: { address: string; amount: string }[] }>;
    const top = await call<Holders>(`${unisat}/v1/indexer/runes/840000:3/holders?start=0&limit=5`);
    const following = await call<Holders>(`${unisat}/v1/indexer/runes/840000:3/holders?start=4&limit=2`);
    assert.equal(top.body.data.detail.length, 5);
    assert.equal(following.body.data.detail[0]!.address, top.body.data.detail[4]!.address);
    assert.ok(Number(top.body.data.detail[0]!.amount) >= Number(top.body.data.detail[1]!.amount));
    assert.equal(top.body.data.total, info.body.data.holders);

    type Types = Envelope<{ BTCPrice: number; list: Record<string, unknown>[] }>;
    const types = await call<Types>(`${unisat}/v3/market/runes/auction/runes_types`, {
      body: { timeType: 'day1', start: 0, limit: 20 },
    });
    assert.equal(types.body.code, 0);
    assert.equal(types.body.data.list.length, 20);
    assert.ok(types.body.data.BTCPrice > 1000);
    assert.deepEqual(Object.keys(types.body.data.list[0]!).sort(), [
      'amountVolume',
      'btcVolume',
      'cap',
      'changePrice',
      'curPrice',
      'holders',
      'tick',
      'transactions',
      'warning',
    ]);
    const specified = await call<Envelope<Record<string, unknown>>>(
      `${unisat}/v3/market/runes/auction/runes_types_specified`,
      { body: { timeType: 'day7', tick: 'DOG•GO•TO•THE•MOON' } },
    );
    assert.equal(specified.body.data.number, 3);
    assert.equal(typeof specified.body.data.capUSD, 'number');
    const badTime = await call<Envelope<null>>(`${unisat}/v3/market/runes/auction/runes_types`, {
      body: { timeType: 'day2' },
    });
    assert.equal(badTime.body.code, -1);
  });

  test('GeniiData: api-key, holders paging by limit/offset, the datasource results and its columns', async () => {
    const refused = await call<{ code: number }>(`${geniidata}/api/1/runes/840000%3A3/holders`, {
      key: null,
    });
    assert.equal(refused.status, 401);
    type Holder = { address: string; balance: string };
    const holders = await call<Envelope<Page<Holder>>>(
      `${geniidata}/api/1/runes/840000%3A3/holders?limit=20&offset=0`,
      { header: 'api-key' },
    );
    assert.equal(holders.status, 200);
    assert.equal(holders.body.code, 0);
    assert.equal(holders.body.message, 'success');
    assert.equal(holders.body.data.limit, '20');
    assert.equal(holders.body.data.offset, '0');
    assert.equal(holders.body.data.list.length, 20);
    assert.ok(holders.body.data.count > 1000);
    const second = await call<Envelope<Page<Holder>>>(
      `${geniidata}/api/1/runes/840000%3A3/holders?limit=20&offset=19`,
      { header: 'api-key' },
    );
    assert.equal(second.body.data.list[0]!.address, holders.body.data.list[19]!.address);
    assert.ok(Number.isFinite(Number(second.body.data.list[0]!.balance)));

    const columns = [
      'rune_id',
      'rune_name',
      'spaced_rune_name',
      'rune_number',
      'symbol',
      'etching_time',
      'supply',
      'burned',
      'premine',
      'minted',
      'mints',
      'holders',
      'price_sats',
      'price_usd',
      'price_change',
      'volume_1h_btc',
      'volume_1d_btc',
      'volume_7d_btc',
      'volume_total_btc',
      'sales_1h',
      'sales_1d',
      'sales_7d',
      'sales_total',
      'sellers_1h',
      'sellers_1d',
      'sellers_7d',
      'buyers_1h',
      'buyers_1d',
      'buyers_7d',
      'listings_count',
      'listings_min_price_sats',
      'listings_avg_price_sats',
      'listings_quantity',
      'balance_delta_1_block',
      'balance_delta_3_blocks',
      'balance_delta_10_blocks',
    ];
    const results = `${geniidata}/lordking/api/v1/datasource/${GENIIDATA_DATASOURCE_ID}/results`;
    const seen = new Set<string>();
    let count = 0;
    for (let offset = 0; ; offset += 50) {
      const page = await call<Envelope<Page<Record<string, unknown>>>>(
        `${results}?limit=50&offset=${offset}`,
        {
          header: 'api-key',
        },
      );
      assert.equal(page.body.code, 0);
      count = page.body.data.count;
      for (const row of page.body.data.list) {
        assert.deepEqual(Object.keys(row).sort(), [...columns].sort());
        seen.add(row.rune_id as string);
      }
      if (page.body.data.list.length < 50) break;
    }
    assert.equal(seen.size, count);
    assert.ok(count >= 100);

    const other = await call<{ code: number }>(`${geniidata}/lordking/api/v1/datasource/1/results`, {
      header: 'api-key',
    });
    assert.equal(other.status, 404);
    for (const query of ['limit=0', 'limit=x', 'offset=-3', 'limit=100000']) {
      const bad = await call<{ code: number; data: null }>(`${results}?${query}`, { header: 'api-key' });
      assert.equal(bad.status, 400, query);
      assert.notEqual(bad.body.code, 0);
    }
    assert.equal(
      (await call(`${geniidata}/api/1/runes/999999%3A1/holders`, { header: 'api-key' })).status,
      404,
    );
  });

  test('the three providers agree on a rune price, and values move as the clock moves', async () => {
    const runes = await call<{ data: OrdiscanRune[] }>(`${ordiscan}/v1/runes?sort=oldest&after=40`);
    const rune = runes.body.data[0]!;
    const prices = async () => {
      const market = await call<{ data: { price_in_sats: number; price_in_usd: number } }>(
        `${ordiscan}/v1/rune/${rune.name}/market`,
      );
      const specified = await call<Envelope<{ curPrice: number }>>(
        `${unisat}/v3/market/runes/auction/runes_types_specified`,
        { body: { timeType: 'day1', tick: rune.formatted_name } },
      );
      const results = await call<Envelope<Page<{ rune_id: string; price_sats: number; price_usd: number }>>>(
        `${geniidata}/lordking/api/v1/datasource/${GENIIDATA_DATASOURCE_ID}/results?limit=1000`,
        { header: 'api-key' },
      );
      const row = results.body.data.list.find((candidate) => candidate.rune_id === rune.id)!;
      return { ordiscan: market.body.data, unisat: specified.body.data.curPrice, geniidata: row };
    };
    const now = await prices();
    assert.ok(now.ordiscan.price_in_sats > 0);
    assert.equal(now.unisat, now.ordiscan.price_in_sats);
    assert.equal(now.geniidata.price_sats, now.ordiscan.price_in_sats);
    assert.equal(now.geniidata.price_usd, now.ordiscan.price_in_usd);

    emulator.clock.advance(3 * 3_600_000);
    const later = await prices();
    assert.notEqual(later.ordiscan.price_in_sats, now.ordiscan.price_in_sats, 'prices move with the clock');
    assert.equal(later.unisat, later.ordiscan.price_in_sats);
    emulator.clock.setNow(START_MS);
    assert.deepEqual(await prices(), now, 'the same time gives the same values');
  });

  test('answers are labelled: without the runes folder every rune is simulated', async () => {
    const answer = await call(`${ordiscan}/v1/rune/DOGGOTOTHEMOON/market`);
    assert.equal(answer.headers.get(SIMULATED_HEADER), 'true');
    assert.equal(answer.headers.get(REAL_RUNES_HEADER), '');
    assert.match(emulator.status().runes.dog.price, /^simulated/);
  });

  test("a configured key list refuses other keys with each provider's 401", async () => {
    const strict = await startEmulator({ startTime: START_MS, paused: true, runesApiKeys: ['only-this'] });
    try {
      const base = strict.url;
      assert.equal((await call(`${base}/ordiscan/v1/runes`, { key: 'other' })).status, 401);
      assert.equal((await call(`${base}/ordiscan/v1/runes`, { key: 'only-this' })).status, 200);
      const unisatRefused = await call<{ code: number; msg: string }>(
        `${base}/unisat/v1/indexer/runes/840000:3/info`,
        {
          key: 'other',
        },
      );
      assert.equal(unisatRefused.status, 401);
      assert.match(unisatRefused.body.msg, /Invalid API Key/);
      const genii = await call(`${base}/geniidata/api/1/runes/840000%3A3/holders`, {
        key: 'other',
        header: 'api-key',
      });
      assert.equal(genii.status, 401);
    } finally {
      await strict.close();
    }
  });
});

describe('DOG•GO•TO•THE•MOON on the real daily series', { skip: dogReplaySkip }, () => {
  let emulator: RunningEmulator;
  before(async () => {
    emulator = await startEmulator({
      replayDir: replayDirectory!,
      startTime: Date.UTC(2025, 0, 15, 12),
      paused: true,
    });
  });
  after(async () => emulator?.close());

  test('the price at a time matches the real close of that day within the intraday band', async () => {
    const closes = (await import(join(replayDirectory!, 'runes/DOG_GO_TO_THE_MOON-price-usd-1d.json'), {
      with: { type: 'json' },
    })) as { default: Record<string, number> };
    const market = async (timeMs: number) => {
      emulator.clock.setNow(timeMs);
      const answer = await call<{ data: { price_in_usd: number; price_in_sats: number } }>(
        `${emulator.url}/ordiscan/v1/rune/DOGGOTOTHEMOON/market`,
      );
      assert.equal(answer.headers.get(REAL_RUNES_HEADER), '840000:3');
      assert.equal(answer.headers.get(SIMULATED_HEADER), 'partial');
      return answer.body.data;
    };
    for (const day of ['2024-11-12', '2025-03-01', '2026-08-20']) {
      const dayMs = Date.parse(`${day}T00:00:00Z`);
      const close = closes.default[day]!;
      const previous = closes.default[new Date(dayMs - 86_400_000).toISOString().slice(0, 10)]!;
      const atEnd = await market(dayMs + 86_400_000 - 60_000);
      assert.ok(
        Math.abs(atEnd.price_in_usd / close - 1) < 0.01,
        `${day}: ${atEnd.price_in_usd} vs close ${close}`,
      );
      const midday = await market(dayMs + 12 * 3_600_000);
      const band = Math.exp(DOG_INTRADAY_LOG_BAND);
      assert.ok(
        midday.price_in_usd >= Math.min(previous, close) / band &&
          midday.price_in_usd <= Math.max(previous, close) * band,
        `${day} midday ${midday.price_in_usd} outside ${previous}..${close}`,
      );
    }
    // 2025-03-01 lies in the real BTC/USDT hours: sats = USD / BTC close · 1e8.
    const sats = await market(Date.UTC(2025, 2, 1, 12));
    const btcUsd = (sats.price_in_usd / sats.price_in_sats) * 1e8;
    assert.ok(btcUsd > 70_000 && btcUsd < 100_000, `BTC/USD ${btcUsd}`);
    assert.match(emulator.status().runes.dog.btcUsd, /^replay/);
  });

  test('holders follow the real total_holders where present', async () => {
    emulator.clock.setNow(Date.UTC(2026, 6, 1, 0, 0));
    const info = await call<Envelope<{ holders: number }>>(
      `${emulator.url}/unisat/v1/indexer/runes/840000:3/info`,
    );
    assert.equal(info.body.data.holders, 86318);
  });
});
