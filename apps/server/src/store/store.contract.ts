// One contract for the store, run by every engine (PGlite here, PostgreSQL in test/). Each
// test works on series and markets of its own exchange id, so the suite can share one
// database per engine and still never see another test's rows.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  type Candle,
  InvalidCandleError,
  type Market,
  type MetricPoint,
  rollupCandles,
  type TextItem,
  type SeriesKey,
  type TopOfBook,
  type Trade,
  ValidationError,
} from '@runecast/market';
import { BinaryCopyWriter } from './copy-binary.ts';
import { readMigrationFiles, runMigrations } from './migrate.ts';
import { createStore, type Store } from './store.ts';
import type { Database } from './database.port.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
/** 2025-06-02T00:00Z: a whole day, so every timeframe's grid starts here. */
const START_MS = Date.UTC(2025, 5, 2);

/** Opens a fresh database with every migration applied. */
export type MigratedDatabaseFactory = () => Promise<Database>;

function uniqueExchange(): string {
  return `x${randomBytes(5).toString('hex')}`;
}

function seriesOf(exchange: string, timeframe: SeriesKey['timeframe'] = '1m'): SeriesKey {
  return { exchange, symbol: 'BTC/USDT', timeframe };
}

/** A believable candle; `seed` varies prices so neighbours differ. */
function candle(series: SeriesKey, openTimeMs: number, seed = 0, overrides: Partial<Candle> = {}): Candle {
  const open = 100 + seed;
  const close = open + ((seed % 3) - 1) * 0.5;
  return {
    exchange: series.exchange,
    symbol: series.symbol,
    timeframe: series.timeframe,
    openTimeMs,
    open,
    high: Math.max(open, close) + 1.25,
    low: Math.min(open, close) - 0.75,
    close,
    volume: 1.5 + seed / 10,
    quoteVolume: 150.25 + seed,
    tradeCount: 10 + seed,
    closed: true,
    ...overrides,
  };
}

function minutes(series: SeriesKey, firstMs: number, count: number, seedOffset = 0): Candle[] {
  return Array.from({ length: count }, (_, index) =>
    candle(series, firstMs + index * MINUTE_MS, index + seedOffset),
  );
}

function market(exchange: string, symbol: string, overrides: Partial<Market> = {}): Market {
  const [base = 'BTC', quote = 'USDT'] = symbol.split('/');
  return {
    exchange,
    symbol,
    base,
    quote,
    type: 'spot',
    active: true,
    pricePrecision: 0.01,
    amountPrecision: 1e-5,
    addedAtMs: Date.UTC(2025, 0, 1, 12, 30, 15, 123),
    ...overrides,
  };
}

/** Runs the store contract against databases from `openMigratedDatabase`. */
export function runStoreContract(engineName: string, openMigratedDatabase: MigratedDatabaseFactory): void {
  describe(`store contract on ${engineName}`, () => {
    let database: Database;
    let store: Store;

    before(async () => {
      database = await openMigratedDatabase();
      store = createStore(database);
    });

    after(async () => {
      await database?.close();
    });

    describe('database and migrations', () => {
      test('every migration is recorded and running them again applies nothing', async () => {
        const files = await readMigrationFiles();
        assert.ok(files.length > 0);
        const recorded = await database.query<{ name: string }>(
          'SELECT name FROM schema_migrations ORDER BY name',
        );
        assert.deepEqual(
          recorded.map((row) => row.name),
          files.map((file) => file.name),
        );
        assert.deepEqual(await runMigrations(database), []);
        assert.deepEqual(await runMigrations(database), []);
        const tables = await database.query<{ table_name: string }>(
          `SELECT table_name FROM information_schema.tables
           WHERE table_schema = 'public' ORDER BY table_name`,
        );
        const names = tables.map((row) => row.table_name);
        for (const table of [
          'candles',
          'coverage_ranges',
          'markets',
          'schema_migrations',
          'top_of_book',
          'trades',
        ]) {
          assert.ok(names.includes(table), `table ${table} exists`);
        }
      });

      test('bigint comes back as a number and several statements run without parameters', async () => {
        const [row] = await database.query<{ big: number }>('SELECT 1; SELECT 1748798580000::bigint AS big');
        assert.equal(row?.big, 1748798580000);
        await assert.rejects(database.query('SELECT 9007199254740993::bigint AS big'), /does not fit/);
      });

      test('a transaction commits on one connection, rolls back on error, and nests', async () => {
        const exchange = uniqueExchange();
        const markets = store.markets;
        await assert.rejects(
          database.transaction(async (transaction) => {
            await transaction.query(
              `INSERT INTO markets (exchange, symbol, base, quote, type, active, added_at)
               VALUES ($1, 'A/B', 'A', 'B', 'spot', true, now())`,
              [exchange],
            );
            throw new Error('boom');
          }),
          /boom/,
        );
        assert.equal(await markets.getMarket(exchange, 'A/B'), null);

        const backendIds = await database.transaction(async (transaction) => {
          const first = await transaction.query<{ id: number }>('SELECT pg_backend_pid() AS id');
          await transaction.query('CREATE TEMPORARY TABLE scratch (value int) ON COMMIT DROP');
          await transaction.copyFrom('scratch', ['value'], '1\n2\n');
          await assert.rejects(
            transaction.transaction(async (inner) => {
              await inner.query('INSERT INTO scratch VALUES (3)');
              throw new Error('inner');
            }),
            /inner/,
          );
          const [count] = await transaction.query<{ count: number }>('SELECT count(*) AS count FROM scratch');
          assert.equal(count?.count, 2, 'the inner rollback kept the outer rows');
          const second = await transaction.query<{ id: number }>('SELECT pg_backend_pid() AS id');
          return [first[0]?.id, second[0]?.id];
        });
        assert.equal(backendIds[0], backendIds[1]);
      });

      test('a leader lock is held by one transaction at a time, until it ends', async () => {
        const led = await store.transaction((transaction) => transaction.leaderLock('scheduler'));
        assert.equal(led, true, 'alone, a transaction leads');
        if (database.engine !== 'postgres') return;
        // Another connection: the pool hands a second transaction its own.
        let release: () => void = () => {};
        const held = new Promise<void>((resolvePromise) => (release = resolvePromise));
        let signalTaken: () => void = () => {};
        const taken = new Promise<void>((resolvePromise) => (signalTaken = resolvePromise));
        const holder = store.transaction(async (transaction) => {
          assert.equal(await transaction.leaderLock('scheduler'), true);
          signalTaken();
          await held;
        });
        await taken;
        assert.equal(
          await store.transaction((transaction) => transaction.leaderLock('scheduler')),
          false,
          'while another holds it, a second does not lead',
        );
        release();
        await holder;
        assert.equal(await store.transaction((transaction) => transaction.leaderLock('scheduler')), true);
      });

      test('copyFrom loads CSV with quotes and NULLs, and refuses odd identifiers', async () => {
        const exchange = uniqueExchange();
        await database.copyFrom(
          'markets',
          ['exchange', 'symbol', 'base', 'quote', 'type', 'active', 'price_precision', 'added_at'],
          `${exchange},"X,Y/Z",X,"say ""hi""",spot,t,,2025-01-01T00:00:00Z\n`,
        );
        const stored = await store.markets.getMarket(exchange, 'X,Y/Z');
        assert.equal(stored?.quote, 'say "hi"');
        assert.equal(stored?.pricePrecision, null);
        await assert.rejects(
          database.copyFrom('markets; DROP TABLE candles', ['exchange'], 'x\n'),
          ValidationError,
        );
      });

      test('copyFrom loads binary COPY data: text, NULLs, large and negative bigints, doubles', async () => {
        await database.transaction(async (transaction) => {
          await transaction.query(
            'CREATE TEMPORARY TABLE binary_scratch (label text, big bigint, amount double precision, flag boolean) ON COMMIT DROP',
          );
          const rows: [string | null, number | null, number | null, boolean][] = [
            ['ünïcode ✓, "quoted"', Number.MAX_SAFE_INTEGER, 0.1 + 0.2, true],
            [null, -1, -1234.5e-300, false],
            ['', Number.MIN_SAFE_INTEGER, null, true],
            ['minute', 1_700_000_040_000, 43_210.12, false],
          ];
          const writer = new BinaryCopyWriter(16);
          for (const [label, big, amount, flag] of rows) {
            writer.row(4).nullableText(label).nullableInt64(big).nullableFloat64(amount).boolean(flag);
          }
          await transaction.copyFrom('binary_scratch', ['label', 'big', 'amount', 'flag'], writer.finish());
          const stored = await transaction.query<{
            label: string | null;
            big: string | null;
            amount: number | null;
            flag: boolean;
          }>('SELECT label, big::text AS big, amount, flag FROM binary_scratch ORDER BY binary_scratch.big');
          assert.deepEqual(
            stored.map((row) => [row.label, row.big === null ? null : Number(row.big), row.amount, row.flag]),
            [...rows].sort((left, right) => (left[1] ?? 0) - (right[1] ?? 0)),
          );
        });
      });
    });

    describe('candles', () => {
      test('writing the same candles twice leaves one row each', async () => {
        const series = seriesOf(uniqueExchange());
        const batch = minutes(series, START_MS, 50);
        assert.equal(await store.candles.upsertCandles(batch), 50);
        assert.equal(await store.candles.upsertCandles(batch), 0, 'nothing changed, nothing written');
        assert.equal(await store.candles.countCandles(series), 50);
        assert.deepEqual(
          await store.candles.listCandles(series, { startMs: START_MS, endMs: START_MS + DAY_MS }),
          batch,
        );
      });

      test('values round-trip exactly, nulls included', async () => {
        const series = seriesOf(uniqueExchange());
        const exact = candle(series, START_MS, 0, {
          open: 0.1 + 0.2,
          high: 123456.789012345,
          low: 1e-8,
          close: 0.30000000000000004,
          volume: 98765432.12345679,
          quoteVolume: null,
          tradeCount: null,
        });
        await store.candles.upsertCandles([exact]);
        assert.deepEqual(await store.candles.latestCandle(series), exact);
      });

      test('a newer open candle replaces the older one; an open candle never replaces a closed one', async () => {
        const series = seriesOf(uniqueExchange());
        const first = candle(series, START_MS, 1, { closed: false, close: 101, high: 102, volume: 1 });
        const update = { ...first, close: 101.5, high: 103, volume: 2 };
        assert.equal(await store.candles.upsertCandles([first]), 1);
        assert.equal(await store.candles.upsertCandles([update]), 1);
        assert.deepEqual(await store.candles.latestCandle(series), update);

        const final = { ...update, close: 101.25, volume: 2.5, closed: true };
        assert.equal(await store.candles.upsertCandles([final]), 1);
        assert.equal(
          await store.candles.upsertCandles([{ ...update, volume: 9 }]),
          0,
          'late open update ignored',
        );
        assert.deepEqual(await store.candles.latestCandle(series), final);

        const corrected = { ...final, volume: 2.75 };
        assert.equal(await store.candles.upsertCandles([corrected]), 1, 'a closed correction replaces');
        assert.deepEqual(await store.candles.latestCandle(series), corrected);
        assert.equal(await store.candles.countCandles(series), 1);
      });

      test('within one batch the last version wins, but an open one does not undo a closed one', async () => {
        const series = seriesOf(uniqueExchange());
        const openVersion = candle(series, START_MS, 0, { closed: false, volume: 1 });
        const newerOpen = { ...openVersion, volume: 2 };
        const closedNext = candle(series, START_MS + MINUTE_MS, 1, { volume: 5 });
        const staleOpenNext = { ...closedNext, closed: false, volume: 4 };
        assert.equal(
          await store.candles.upsertCandles([openVersion, closedNext, newerOpen, staleOpenNext]),
          2,
        );
        assert.deepEqual(
          await store.candles.listCandles(series, { startMs: START_MS, endMs: START_MS + HOUR_MS }),
          [newerOpen, closedNext],
        );
      });

      test('one invalid candle rejects the whole batch and nothing is stored', async () => {
        const series = seriesOf(uniqueExchange());
        const good = minutes(series, START_MS, 10);
        const invalid: Candle[] = [
          { ...good[3]!, high: good[3]!.low - 1 },
          { ...good[3]!, volume: -1 },
          { ...good[3]!, open: Number.NaN },
          { ...good[3]!, openTimeMs: good[3]!.openTimeMs + 1 },
          { ...good[3]!, timeframe: '7m' as Candle['timeframe'] },
        ];
        for (const bad of invalid) {
          const batch = [...good.slice(0, 3), bad, ...good.slice(4)];
          await assert.rejects(store.candles.upsertCandles(batch), InvalidCandleError);
        }
        assert.equal(await store.candles.countCandles(series), 0);
        assert.equal(await store.candles.latestCandle(series), null);
      });

      test('listCandles is ordered, half-open and limited; countCandles and latestCandle agree', async () => {
        const series = seriesOf(uniqueExchange());
        const batch = minutes(series, START_MS, 30);
        const otherTimeframe = seriesOf(series.exchange, '5m');
        await store.candles.upsertCandles([...batch].reverse());
        await store.candles.upsertCandles([candle(otherTimeframe, START_MS, 7)]);
        const range = { startMs: START_MS + 5 * MINUTE_MS, endMs: START_MS + 10 * MINUTE_MS };
        const listed = await store.candles.listCandles(series, range);
        assert.deepEqual(listed, batch.slice(5, 10));
        assert.deepEqual(await store.candles.listCandles(series, range, 2), batch.slice(5, 7));
        assert.equal(await store.candles.countCandles(series, range), 5);
        assert.equal(await store.candles.countCandles(series), 30);
        assert.deepEqual(await store.candles.latestCandle(series), batch[29]);
        assert.equal(await store.candles.countCandles(otherTimeframe), 1);
        assert.deepEqual(await store.candles.listCandles(series, { startMs: START_MS, endMs: START_MS }), []);
        await assert.rejects(store.candles.listCandles(series, range, 0), ValidationError);
        await assert.rejects(
          store.candles.listCandles(series, { startMs: range.endMs, endMs: range.startMs }),
          ValidationError,
        );
      });

      test('listCandleColumnsJson holds exactly the columns of listCandles, and says where the next page starts', async () => {
        const series = seriesOf(uniqueExchange());
        // Prices whose shortest decimal text is long or has an exponent must read back as the same doubles.
        const batch = minutes(series, START_MS, 12).map((row, index) => ({
          ...row,
          open: 0.1 + 0.2 + index,
          high: 2 + index + 1e-7,
          low: 0.1 + 0.2 + index - 1e-9,
          close: 0.1 + 0.2 + index + 1 / 3,
          volume: index === 4 ? 1e21 : 10 / 3,
          closed: index % 3 !== 0,
        }));
        await store.candles.upsertCandles([...batch].reverse());
        const columnsOf = (candles: readonly Candle[]) => ({
          times: candles.map((row) => row.openTimeMs),
          open: candles.map((row) => row.open),
          high: candles.map((row) => row.high),
          low: candles.map((row) => row.low),
          close: candles.map((row) => row.close),
          volume: candles.map((row) => row.volume),
          closed: candles.map((row) => row.closed),
        });
        const range = { startMs: START_MS + 2 * MINUTE_MS, endMs: START_MS + 12 * MINUTE_MS };
        const page = await store.candles.listCandleColumnsJson(series, range, 4);
        assert.deepEqual(JSON.parse(`{${page.columnsJson}}`), columnsOf(batch.slice(2, 6)));
        assert.equal(page.count, 4);
        assert.equal(page.nextFromMs, batch[6]!.openTimeMs);
        const rest = await store.candles.listCandleColumnsJson(series, range, 100);
        assert.deepEqual(JSON.parse(`{${rest.columnsJson}}`), columnsOf(batch.slice(2)));
        assert.deepEqual([rest.count, rest.nextFromMs], [10, null]);
        const empty = await store.candles.listCandleColumnsJson(series, { startMs: 0, endMs: START_MS }, 5);
        assert.deepEqual(JSON.parse(`{${empty.columnsJson}}`), columnsOf([]));
        assert.deepEqual([empty.count, empty.nextFromMs], [0, null]);
        await assert.rejects(store.candles.listCandleColumnsJson(series, range, 0), ValidationError);
      });

      test('candlesOpenAt finds the candles of many symbols that open at one time', async () => {
        const exchange = uniqueExchange();
        const btc = seriesOf(exchange);
        const eth = { ...btc, symbol: 'ETH/USDT' };
        await store.candles.upsertCandles([
          candle(btc, START_MS, 1),
          candle(btc, START_MS + MINUTE_MS, 2),
          candle(eth, START_MS + MINUTE_MS, 3),
          candle(seriesOf(exchange, '5m'), START_MS, 4),
        ]);
        const found = await store.candles.candlesOpenAt(
          exchange,
          '1m',
          ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'],
          START_MS,
        );
        assert.deepEqual(found, [candle(btc, START_MS, 1)]);
        const later = await store.candles.candlesOpenAt(
          exchange,
          '1m',
          ['ETH/USDT', 'BTC/USDT'],
          START_MS + MINUTE_MS,
        );
        assert.deepEqual(
          later.sort((left, right) => left.symbol.localeCompare(right.symbol)),
          [candle(btc, START_MS + MINUTE_MS, 2), candle(eth, START_MS + MINUTE_MS, 3)],
        );
        assert.deepEqual(await store.candles.candlesOpenAt(exchange, '1m', [], START_MS), []);
        await assert.rejects(store.candles.candlesOpenAt(exchange, '1m', ['BTC/USDT'], 1.5), ValidationError);
      });

      test('sampledCloses gives the last close of each bucket of many symbols in one query', async () => {
        const exchange = uniqueExchange();
        const btc = seriesOf(exchange);
        const eth = { ...btc, symbol: 'ETH/USDT' };
        const batch = [0, 1, 2, 3, 4, 5, 6].map((minute) =>
          candle(btc, START_MS + minute * MINUTE_MS, minute),
        );
        await store.candles.upsertCandles([
          ...batch,
          candle(eth, START_MS + 4 * MINUTE_MS, 9),
          candle(seriesOf(exchange, '5m'), START_MS, 4),
        ]);
        const range = { startMs: START_MS + MINUTE_MS, endMs: START_MS + 6 * MINUTE_MS };
        const sampled = await store.candles.sampledCloses(
          exchange,
          '1m',
          ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'],
          range,
          2 * MINUTE_MS,
        );
        assert.deepEqual(sampled, [
          { symbol: 'BTC/USDT', bucketStartMs: START_MS + MINUTE_MS, close: batch[2]!.close },
          { symbol: 'BTC/USDT', bucketStartMs: START_MS + 3 * MINUTE_MS, close: batch[4]!.close },
          { symbol: 'BTC/USDT', bucketStartMs: START_MS + 5 * MINUTE_MS, close: batch[5]!.close },
          { symbol: 'ETH/USDT', bucketStartMs: START_MS + 3 * MINUTE_MS, close: candle(eth, 0, 9).close },
        ]);
        assert.deepEqual(await store.candles.sampledCloses(exchange, '1m', [], range, MINUTE_MS), []);
        await assert.rejects(
          store.candles.sampledCloses(exchange, '1m', ['BTC/USDT'], range, 0),
          ValidationError,
        );
      });

      test('a large batch goes through COPY in one piece', async () => {
        const series = seriesOf(uniqueExchange());
        const batch = minutes(series, START_MS, 20_000);
        assert.equal(await store.candles.upsertCandles(batch), 20_000);
        assert.equal(await store.candles.upsertCandles(batch.slice(10_000)), 0);
        assert.equal(await store.candles.countCandles(series), 20_000);
      });
    });

    describe('derived candles', () => {
      test('5m and 1h candles from 1m match the pure rollup, with completeness', async () => {
        const series = seriesOf(uniqueExchange());
        // Two hours of minutes, with minute 7 missing and the second hour's last minute still open.
        const oneMinute = minutes(series, START_MS, 120).filter((_, index) => index !== 7);
        oneMinute[oneMinute.length - 1] = { ...oneMinute.at(-1)!, closed: false };
        await store.candles.upsertCandles(oneMinute);
        const range = { startMs: START_MS, endMs: START_MS + 2 * HOUR_MS };

        const fiveMinute = await store.candles.deriveCandles(seriesOf(series.exchange, '5m'), range);
        assert.equal(fiveMinute.length, 24);
        const expected = rollupCandles(oneMinute, '5m');
        assert.equal(fiveMinute.length, expected.length);
        for (const [index, derived] of fiveMinute.entries()) {
          const pure = expected[index]!;
          assert.equal(derived.openTimeMs, pure.openTimeMs);
          assert.equal(derived.open, pure.open);
          assert.equal(derived.high, pure.high);
          assert.equal(derived.low, pure.low);
          assert.equal(derived.close, pure.close);
          assert.ok(Math.abs(derived.volume - pure.volume) < 1e-9);
          assert.ok(Math.abs(derived.quoteVolume! - pure.quoteVolume!) < 1e-9);
          assert.equal(derived.tradeCount, pure.tradeCount);
          assert.equal(derived.sourceCandleCount, pure.sourceCandleCount);
          assert.equal(derived.complete, pure.complete);
          assert.equal(derived.closed, pure.closed);
          assert.equal(derived.timeframe, '5m');
        }
        assert.equal(fiveMinute[1]!.complete, false, 'minute 7 is missing');
        assert.equal(fiveMinute[1]!.sourceCandleCount, 4);
        assert.equal(fiveMinute[23]!.complete, true);
        assert.equal(fiveMinute[23]!.closed, false, 'its last minute is still open');

        const hourly = await store.candles.deriveCandles(seriesOf(series.exchange, '1h'), range);
        assert.equal(hourly.length, 2);
        const firstHour = oneMinute.slice(0, 59);
        assert.equal(hourly[0]!.open, firstHour[0]!.open);
        assert.equal(hourly[0]!.close, firstHour.at(-1)!.close);
        assert.equal(hourly[0]!.high, Math.max(...firstHour.map((minute) => minute.high)));
        assert.equal(hourly[0]!.low, Math.min(...firstHour.map((minute) => minute.low)));
        assert.equal(hourly[0]!.complete, false);

        // Buckets are those whose open time lies in the range.
        const partial = await store.candles.deriveCandles(seriesOf(series.exchange, '5m'), {
          startMs: START_MS + 3 * MINUTE_MS,
          endMs: START_MS + 11 * MINUTE_MS,
        });
        assert.deepEqual(
          partial.map((derived) => derived.openTimeMs),
          [START_MS + 5 * MINUTE_MS, START_MS + 10 * MINUTE_MS],
        );
      });

      test('minutes the ledger knows empty make a bucket complete; unknown quote volume stays unknown', async () => {
        const series = seriesOf(uniqueExchange());
        const oneMinute = minutes(series, START_MS, 5).filter((_, index) => index !== 2);
        oneMinute[0] = { ...oneMinute[0]!, quoteVolume: null };
        await store.candles.upsertCandles(oneMinute);
        const fiveMinuteSeries = seriesOf(series.exchange, '5m');
        const range = { startMs: START_MS, endMs: START_MS + 5 * MINUTE_MS };
        const [before] = await store.candles.deriveCandles(fiveMinuteSeries, range);
        assert.equal(before?.complete, false);
        assert.equal(before?.quoteVolume, null);
        assert.equal(
          before?.tradeCount,
          oneMinute.reduce((sum, minute) => sum + minute.tradeCount!, 0),
        );

        await store.coverage.markFetched(
          series,
          range,
          oneMinute.map((minute) => minute.openTimeMs),
        );
        const [after] = await store.candles.deriveCandles(fiveMinuteSeries, range);
        assert.equal(after?.complete, true);
        assert.equal(after?.closed, true);
        assert.equal(after?.sourceCandleCount, 4);
        assert.deepEqual(
          await store.candles.deriveCandles(fiveMinuteSeries, {
            startMs: START_MS - DAY_MS,
            endMs: START_MS,
          }),
          [],
        );
      });

      test('a series stored only as 5m poll candles rolls up to 1h and 1d from them', async () => {
        const poll = { ...seriesOf(uniqueExchange(), '5m'), symbol: 'DOG•GO•TO•THE•MOON/SATS' };
        // Two hours of polls; the slot at :35 of the first hour was missed.
        const candles = Array.from({ length: 24 }, (_, index) =>
          candle(poll, START_MS + index * 5 * MINUTE_MS, index),
        ).filter((_, index) => index !== 7);
        await store.candles.upsertCandles(candles);
        // Each poll marks its own slot; the missed one stays missing, never empty.
        await store.coverage.markFetchedMany(
          candles.map((item) => ({
            series: poll,
            range: { startMs: item.openTimeMs, endMs: item.openTimeMs + 5 * MINUTE_MS },
            candleOpenTimesMs: [item.openTimeMs],
          })),
        );
        const hourly = await store.candles.deriveCandles(
          { ...poll, timeframe: '1h' },
          { startMs: START_MS, endMs: START_MS + 2 * HOUR_MS },
        );
        assert.deepEqual(
          hourly.map((bucket) => [bucket.openTimeMs, bucket.sourceCandleCount, bucket.complete]),
          [
            [START_MS, 11, false],
            [START_MS + HOUR_MS, 12, true],
          ],
        );
        const second = candles.slice(11);
        assert.equal(hourly[1]!.open, second[0]!.open);
        assert.equal(hourly[1]!.close, second.at(-1)!.close);
        assert.equal(hourly[1]!.high, Math.max(...second.map((item) => item.high)));
        assert.equal(hourly[1]!.low, Math.min(...second.map((item) => item.low)));
        const daily = await store.candles.deriveCandles(
          { ...poll, timeframe: '1d' },
          { startMs: START_MS, endMs: START_MS + DAY_MS },
        );
        assert.equal(daily.length, 1);
        assert.equal(daily[0]!.sourceCandleCount, 23);
        assert.equal(daily[0]!.complete, false, 'most of the day was never polled');
      });
    });

    describe('markets', () => {
      test('insert, update, list, get and remove', async () => {
        const exchange = uniqueExchange();
        const bitcoin = market(exchange, 'BTC/USDT');
        const ether = market(exchange, 'ETH/USDT', {
          pricePrecision: null,
          amountPrecision: 4,
          type: 'swap',
        });
        await store.markets.upsertMarkets([ether, bitcoin]);
        assert.deepEqual(await store.markets.listMarkets({ exchange }), [bitcoin, ether]);
        assert.deepEqual(await store.markets.getMarket(exchange, 'ETH/USDT'), ether);
        assert.ok((await store.markets.listMarkets()).some((listed) => listed.exchange === exchange));

        const inactive = { ...bitcoin, active: false, addedAtMs: bitcoin.addedAtMs + DAY_MS };
        await store.markets.upsertMarkets([inactive, inactive]);
        assert.deepEqual(
          await store.markets.getMarket(exchange, 'BTC/USDT'),
          { ...inactive, addedAtMs: bitcoin.addedAtMs },
          'updated, keeping the first added time',
        );

        assert.equal(await store.markets.removeMarket(exchange, 'BTC/USDT'), true);
        assert.equal(await store.markets.removeMarket(exchange, 'BTC/USDT'), false);
        assert.equal(await store.markets.getMarket(exchange, 'BTC/USDT'), null);
        assert.deepEqual(await store.markets.listMarkets({ exchange }), [ether]);
      });

      test('a bad market is rejected and nothing of its batch is stored', async () => {
        const exchange = uniqueExchange();
        await assert.rejects(
          store.markets.upsertMarkets([
            market(exchange, 'BTC/USDT'),
            market(exchange, 'ETH/USDT', { type: 'spaceship' as Market['type'] }),
          ]),
          /type "spaceship"/,
        );
        await assert.rejects(
          store.markets.upsertMarkets([market(exchange, 'BTC/USDT', { base: '' })]),
          /base/,
        );
        assert.deepEqual(await store.markets.listMarkets({ exchange }), []);
      });
    });

    describe('trades', () => {
      const trade = (exchange: string, tradeId: string, timestampMs: number, price = 100): Trade => ({
        exchange,
        symbol: 'BTC/USDT',
        tradeId,
        timestampMs,
        price,
        amount: 0.25,
        side: 'buy',
      });

      test('a trade is stored once however often it arrives', async () => {
        const exchange = uniqueExchange();
        const trades = [
          trade(exchange, 't2', START_MS + 2000),
          trade(exchange, 't1', START_MS + 1000),
          { ...trade(exchange, 't3', START_MS + 2000), side: null, price: 100.5 },
        ];
        assert.equal(await store.trades.insertTrades([...trades, trades[0]!]), 3);
        assert.equal(await store.trades.insertTrades(trades), 0);
        assert.equal(
          await store.trades.insertTrades([trade(exchange, 't4', START_MS + 3000), trades[1]!]),
          1,
        );
        const listed = await store.trades.listTrades(exchange, 'BTC/USDT', {
          startMs: START_MS,
          endMs: START_MS + 3000,
        });
        assert.deepEqual(listed, [trades[1], trades[0], trades[2]]);
        assert.deepEqual(
          await store.trades.listTrades(
            exchange,
            'BTC/USDT',
            { startMs: START_MS, endMs: START_MS + MINUTE_MS },
            1,
          ),
          [trades[1]],
        );
      });

      test('a bad trade rejects its batch', async () => {
        const exchange = uniqueExchange();
        for (const bad of [
          { ...trade(exchange, 'b', START_MS), price: 0 },
          { ...trade(exchange, 'b', START_MS), amount: Number.NaN },
          { ...trade(exchange, 'b', START_MS), tradeId: '' },
          { ...trade(exchange, 'b', START_MS), side: 'long' as Trade['side'] },
        ]) {
          await assert.rejects(
            store.trades.insertTrades([trade(exchange, 'a', START_MS), bad]),
            ValidationError,
          );
        }
        assert.deepEqual(
          await store.trades.listTrades(exchange, 'BTC/USDT', { startMs: 0, endMs: START_MS + DAY_MS }),
          [],
        );
      });
    });

    describe('top of book', () => {
      const sample = (exchange: string, timestampMs: number, bidPrice = 99.5): TopOfBook => ({
        exchange,
        symbol: 'BTC/USDT',
        timestampMs,
        bidPrice,
        bidSize: 1.25,
        askPrice: 100,
        askSize: 0.5,
      });

      test('samples are stored once and the latest is returned', async () => {
        const exchange = uniqueExchange();
        assert.equal(await store.topOfBook.latest(exchange, 'BTC/USDT'), null);
        const samples = [sample(exchange, START_MS + MINUTE_MS, 99.75), sample(exchange, START_MS)];
        assert.equal(await store.topOfBook.insertSamples([...samples, samples[1]!]), 2);
        assert.equal(await store.topOfBook.insertSamples(samples), 0);
        assert.deepEqual(await store.topOfBook.latest(exchange, 'BTC/USDT'), samples[0]);
      });

      test('a crossed or broken book is rejected', async () => {
        const exchange = uniqueExchange();
        await assert.rejects(store.topOfBook.insertSamples([sample(exchange, START_MS, 101)]), /above ask/);
        await assert.rejects(
          store.topOfBook.insertSamples([{ ...sample(exchange, START_MS), askSize: -1 }]),
          ValidationError,
        );
        assert.equal(await store.topOfBook.latest(exchange, 'BTC/USDT'), null);
      });
    });

    describe('coverage ledger', () => {
      test('a fetch records complete and empty minutes, and missing fills the rest', async () => {
        const series = seriesOf(uniqueExchange());
        const at = (minute: number) => START_MS + minute * MINUTE_MS;
        await store.coverage.markFetched(series, { startMs: at(10), endMs: at(20) }, [
          at(10),
          at(11),
          at(12),
          at(15),
          at(16),
        ]);
        assert.deepEqual(await store.coverage.listCoverage(series), [
          { startMs: at(10), endMs: at(13), state: 'complete' },
          { startMs: at(13), endMs: at(15), state: 'empty' },
          { startMs: at(15), endMs: at(17), state: 'complete' },
          { startMs: at(17), endMs: at(20), state: 'empty' },
        ]);
        await store.coverage.markFetched(series, { startMs: at(30), endMs: at(32) }, [at(30), at(31)]);
        const window = { startMs: at(0), endMs: at(40) };
        assert.deepEqual(await store.coverage.listCoverage(series, window), [
          { startMs: at(0), endMs: at(10), state: 'missing' },
          { startMs: at(10), endMs: at(13), state: 'complete' },
          { startMs: at(13), endMs: at(15), state: 'empty' },
          { startMs: at(15), endMs: at(17), state: 'complete' },
          { startMs: at(17), endMs: at(20), state: 'empty' },
          { startMs: at(20), endMs: at(30), state: 'missing' },
          { startMs: at(30), endMs: at(32), state: 'complete' },
          { startMs: at(32), endMs: at(40), state: 'missing' },
        ]);
        assert.deepEqual(await store.coverage.listCoverage(series, { startMs: at(12), endMs: at(16) }), [
          { startMs: at(12), endMs: at(13), state: 'complete' },
          { startMs: at(13), endMs: at(15), state: 'empty' },
          { startMs: at(15), endMs: at(16), state: 'complete' },
        ]);
        assert.deepEqual(await store.coverage.missingRanges(series, window), [
          { startMs: at(0), endMs: at(10) },
          { startMs: at(20), endMs: at(30) },
          { startMs: at(32), endMs: at(40) },
        ]);
        assert.equal(await store.coverage.knownUntil(series, at(10)), at(20));
        assert.equal(await store.coverage.knownUntil(series, at(14)), at(20));
        assert.equal(await store.coverage.knownUntil(series, at(5)), at(5));
        assert.equal(await store.coverage.knownUntil(series, at(20)), at(20));
        assert.equal(await store.coverage.knownUntil(series, at(30)), at(32));
        assert.deepEqual(await store.coverage.listCoverage(seriesOf(series.exchange, '5m'), window), [
          { ...window, state: 'missing' },
        ]);
      });

      test('adjacent fetches merge, so a year of 1m fetched day by day stays a handful of rows', async () => {
        const series = seriesOf(uniqueExchange());
        // Every day fetched separately, out of order, each day's first minute having no trades.
        const days = Array.from({ length: 365 }, (_, day) => day).sort(
          (left, right) => ((left * 7919) % 365) - ((right * 7919) % 365),
        );
        for (const day of days) {
          const dayStartMs = START_MS + day * DAY_MS;
          const openTimes = Array.from(
            { length: 1439 },
            (_, minute) => dayStartMs + (minute + 1) * MINUTE_MS,
          );
          await store.coverage.markFetched(
            series,
            { startMs: dayStartMs, endMs: dayStartMs + DAY_MS },
            openTimes,
          );
        }
        const coverage = await store.coverage.listCoverage(series);
        assert.equal(coverage.length, 2 * 365, 'one empty minute and one complete stretch per day');
        assert.equal(await store.coverage.knownUntil(series, START_MS), START_MS + 365 * DAY_MS);

        const completeSeries = seriesOf(uniqueExchange());
        for (const day of days) {
          const dayStartMs = START_MS + day * DAY_MS;
          const openTimes = Array.from({ length: 1440 }, (_, minute) => dayStartMs + minute * MINUTE_MS);
          await store.coverage.markFetched(
            completeSeries,
            { startMs: dayStartMs, endMs: dayStartMs + DAY_MS },
            openTimes,
          );
        }
        assert.deepEqual(await store.coverage.listCoverage(completeSeries), [
          { startMs: START_MS, endMs: START_MS + 365 * DAY_MS, state: 'complete' },
        ]);
        const [rows] = await database.query<{ count: number }>(
          'SELECT count(*) AS count FROM coverage_ranges WHERE exchange = $1',
          [completeSeries.exchange],
        );
        assert.equal(rows?.count, 1);
      });

      test('an empty minute that later gets a candle becomes complete, and complete stays complete', async () => {
        const series = seriesOf(uniqueExchange());
        const at = (minute: number) => START_MS + minute * MINUTE_MS;
        await store.coverage.markFetched(series, { startMs: at(0), endMs: at(10) }, [at(0), at(1), at(2)]);
        await store.coverage.markFetched(series, { startMs: at(5), endMs: at(6) }, [at(5)]);
        assert.deepEqual(await store.coverage.listCoverage(series), [
          { startMs: at(0), endMs: at(3), state: 'complete' },
          { startMs: at(3), endMs: at(5), state: 'empty' },
          { startMs: at(5), endMs: at(6), state: 'complete' },
          { startMs: at(6), endMs: at(10), state: 'empty' },
        ]);
        // A refetch that returns fewer candles does not forget candles already stored.
        await store.coverage.markFetched(series, { startMs: at(0), endMs: at(10) }, []);
        await store.coverage.markFetched(series, { startMs: at(3), endMs: at(5) }, [at(3), at(4)]);
        await store.coverage.markFetched(series, { startMs: at(6), endMs: at(12) }, [
          at(6),
          at(7),
          at(8),
          at(9),
          at(10),
        ]);
        assert.deepEqual(await store.coverage.listCoverage(series), [
          { startMs: at(0), endMs: at(11), state: 'complete' },
          { startMs: at(11), endMs: at(12), state: 'empty' },
        ]);
      });

      test('many fetches at once match one at a time, a series twice included, and fail as one', async () => {
        const exchange = uniqueExchange();
        const at = (minute: number) => START_MS + minute * MINUTE_MS;
        const one = seriesOf(exchange);
        const other = { ...seriesOf(exchange), symbol: 'ETH/USDT' };
        await store.coverage.markFetched(one, { startMs: at(0), endMs: at(5) }, [at(0), at(1)]);
        await store.coverage.markFetchedMany([
          { series: one, range: { startMs: at(5), endMs: at(8) }, candleOpenTimesMs: [at(5)] },
          { series: other, range: { startMs: at(2), endMs: at(4) }, candleOpenTimesMs: [at(2), at(3)] },
          { series: one, range: { startMs: at(2), endMs: at(3) }, candleOpenTimesMs: [at(2)] },
          { series: other, range: { startMs: at(9), endMs: at(9) }, candleOpenTimesMs: [] },
        ]);
        assert.deepEqual(await store.coverage.listCoverage(one), [
          { startMs: at(0), endMs: at(3), state: 'complete' },
          { startMs: at(3), endMs: at(5), state: 'empty' },
          { startMs: at(5), endMs: at(6), state: 'complete' },
          { startMs: at(6), endMs: at(8), state: 'empty' },
        ]);
        assert.deepEqual(await store.coverage.listCoverage(other), [
          { startMs: at(2), endMs: at(4), state: 'complete' },
        ]);
        await assert.rejects(
          store.coverage.markFetchedMany([
            { series: other, range: { startMs: at(4), endMs: at(6) }, candleOpenTimesMs: [] },
            { series: one, range: { startMs: at(8), endMs: at(9) }, candleOpenTimesMs: [at(20)] },
          ]),
          /outside/,
        );
        assert.deepEqual(await store.coverage.listCoverage(other), [
          { startMs: at(2), endMs: at(4), state: 'complete' },
        ]);
        await store.coverage.markFetchedMany([]);
      });

      test('bad ledger input is rejected and listSeries names every series', async () => {
        const series = seriesOf(uniqueExchange(), '5m');
        const range = { startMs: START_MS, endMs: START_MS + HOUR_MS };
        await assert.rejects(
          store.coverage.markFetched(series, { startMs: START_MS + MINUTE_MS, endMs: range.endMs }, []),
          /grid/,
        );
        await assert.rejects(store.coverage.markFetched(series, range, [START_MS + MINUTE_MS]), /grid/);
        await assert.rejects(store.coverage.markFetched(series, range, [range.endMs]), /outside/);
        await assert.rejects(
          store.coverage.markFetched({ ...series, timeframe: '2m' as SeriesKey['timeframe'] }, range, []),
          ValidationError,
        );
        assert.deepEqual(await store.coverage.listCoverage(series), []);

        await store.coverage.markFetched(series, range, [START_MS]);
        await store.coverage.markFetched(seriesOf(series.exchange, '1m'), range, []);
        const listed = (await store.coverage.listSeries()).filter((key) => key.exchange === series.exchange);
        assert.deepEqual(listed, [seriesOf(series.exchange, '1m'), series]);
      });
    });

    describe('metric points', () => {
      const rune = 'DOG•GO•TO•THE•MOON/SATS';
      const point = (source: string, metric: string, timeMs: number, value: number): MetricPoint => ({
        source,
        symbol: rune,
        metric,
        timeMs,
        value,
      });

      test('stores points idempotently, replaces a corrected value, lists and reads the latest', async () => {
        const source = uniqueExchange();
        const first = [
          point(source, 'holders', START_MS, 100),
          point(source, 'holders', START_MS + 5 * MINUTE_MS, 102),
          point(source, 'volume_1d_btc', START_MS, 1.5),
        ];
        assert.equal(await store.metricPoints.upsertPoints(first), 3);
        // The same poll again writes nothing new; a corrected value replaces the stored one.
        assert.equal(await store.metricPoints.upsertPoints(first), 0);
        assert.equal(
          await store.metricPoints.upsertPoints([point(source, 'holders', START_MS + 5 * MINUTE_MS, 103)]),
          1,
        );
        const holders = await store.metricPoints.listPoints(source, rune, 'holders', {
          startMs: START_MS,
          endMs: START_MS + HOUR_MS,
        });
        assert.deepEqual(
          holders.map((row) => [row.timeMs, row.value]),
          [
            [START_MS, 100],
            [START_MS + 5 * MINUTE_MS, 103],
          ],
        );
        const latest = await store.metricPoints.latestPoints(source, rune);
        assert.deepEqual(
          latest.map((row) => [row.metric, row.timeMs, row.value]),
          [
            ['holders', START_MS + 5 * MINUTE_MS, 103],
            ['volume_1d_btc', START_MS, 1.5],
          ],
        );
        assert.deepEqual(await store.metricPoints.listMetrics(source, rune), ['holders', 'volume_1d_btc']);

        // Within one batch, the last copy of a point wins, even when other points stand between.
        const later = START_MS + 10 * MINUTE_MS;
        assert.equal(
          await store.metricPoints.upsertPoints([
            point(source, 'holders', later, 200),
            point(source, 'volume_1d_btc', later, 2),
            point(source, 'holders', later + 5 * MINUTE_MS, 201),
            point(source, 'holders', later, 210),
          ]),
          3,
        );
        const batch = await store.metricPoints.listPoints(source, rune, 'holders', {
          startMs: later,
          endMs: later + HOUR_MS,
        });
        assert.deepEqual(
          batch.map((row) => [row.timeMs, row.value]),
          [
            [later, 210],
            [later + 5 * MINUTE_MS, 201],
          ],
        );
      });

      test('refuses a bad point before writing any', async () => {
        const source = uniqueExchange();
        for (const bad of [
          point(source, 'holders', START_MS, Number.NaN),
          point(source, 'Holders!', START_MS, 1),
          point(source, 'holders', -1, 1),
          { ...point(source, 'holders', START_MS, 1), symbol: 'not an instrument' },
        ]) {
          await assert.rejects(
            store.metricPoints.upsertPoints([point(source, 'sales', START_MS, 1), bad]),
            ValidationError,
          );
        }
        assert.deepEqual(await store.metricPoints.listMetrics(source, rune), []);
      });
    });

    describe('text items', () => {
      const item = (source: string, id: string, publishedAtMs: number, body: string): TextItem => ({
        source,
        channel: 'general',
        id,
        publishedAtMs,
        seenAtMs: publishedAtMs + 1_000,
        title: null,
        body,
        url: null,
        author: 'a1b2c3',
      });

      test('stores items once, applies edits, keeps the first seen time, resumes from the newest', async () => {
        const source = uniqueExchange();
        const items = [
          item(source, '2', START_MS + MINUTE_MS, 'second'),
          item(source, '1', START_MS, 'first'),
        ];
        assert.equal(await store.textItems.upsertItems(items), 2);
        assert.equal(await store.textItems.upsertItems(items), 0);
        const edited = { ...item(source, '1', START_MS, 'first, edited'), seenAtMs: START_MS + HOUR_MS };
        assert.equal(await store.textItems.upsertItems([edited]), 1);
        const listed = await store.textItems.listItems(source, 'general', {
          startMs: START_MS,
          endMs: START_MS + HOUR_MS,
        });
        assert.deepEqual(
          listed.map((row) => [row.id, row.body, row.seenAtMs]),
          [
            ['1', 'first, edited', START_MS + 1_000],
            ['2', 'second', START_MS + MINUTE_MS + 1_000],
          ],
        );
        assert.equal((await store.textItems.latestItem(source, 'general'))?.id, '2');
        assert.equal(await store.textItems.latestItem(source, 'other'), null);
        assert.equal(
          (await store.textItems.listItems(source, null, { startMs: START_MS, endMs: START_MS + 1 })).length,
          1,
        );
      });

      test('stores the analysis with the item, keeps it when an item comes again unscored, and queries by it', async () => {
        const source = uniqueExchange();
        const scored = (
          id: string,
          publishedAtMs: number,
          seenAtMs: number,
          sentiment: number,
          mentions: string[],
        ) => ({
          ...item(source, id, publishedAtMs, `body ${id}`),
          seenAtMs,
          sentiment,
          scorer: 'lexicon-v1',
          mentions,
        });
        assert.equal(
          await store.textItems.upsertItems([
            scored('a', START_MS, START_MS + HOUR_MS, 0.6, ['BTC']),
            scored('b', START_MS + MINUTE_MS, START_MS + MINUTE_MS, -0.4, ['BTC', 'ETH']),
            scored('c', START_MS + 2 * MINUTE_MS, START_MS + 2 * MINUTE_MS, 0, ['DOG•GO•TO•THE•MOON']),
          ]),
          3,
        );
        assert.equal(await store.textItems.upsertItems([item(source, 'a', START_MS, 'body a')]), 0);
        const all = await store.textItems.queryItems({ source, limit: 10 });
        assert.deepEqual(
          all.map((row) => [row.id, row.sentiment, row.scorer, row.mentions]),
          [
            ['c', 0, 'lexicon-v1', ['DOG•GO•TO•THE•MOON']],
            ['b', -0.4, 'lexicon-v1', ['BTC', 'ETH']],
            ['a', 0.6, 'lexicon-v1', ['BTC']],
          ],
        );
        const btcPositive = await store.textItems.queryItems({
          source,
          mention: 'BTC',
          minSentiment: 0,
          limit: 10,
        });
        assert.deepEqual(
          btcPositive.map((row) => row.id),
          ['a'],
        );
        const early = await store.textItems.queryItems({
          source,
          publishedRange: { startMs: START_MS, endMs: START_MS + MINUTE_MS },
          maxSentiment: 1,
          limit: 10,
        });
        assert.deepEqual(
          early.map((row) => row.id),
          ['a'],
        );
        assert.deepEqual(
          (await store.textItems.queryItems({ source, limit: 1 })).map((row) => row.id),
          ['c'],
        );
        // Known at the later of publication and first sight: `a` was seen an hour after it was published.
        const known = await store.textItems.listKnown(source, {
          startMs: START_MS,
          endMs: START_MS + 2 * MINUTE_MS,
        });
        assert.deepEqual(
          known.map((row) => row.knownAtMs),
          [START_MS + MINUTE_MS, START_MS + 2 * MINUTE_MS],
        );
        const recent = await store.textItems.listRecentHeadings(source, START_MS + 30 * MINUTE_MS, 10);
        assert.deepEqual(recent, [
          { channel: 'general', id: 'a', title: null, url: null, knownAtMs: START_MS + HOUR_MS },
        ]);
        const cut = await store.textItems.queryItems({ source, limit: 1, bodyCharacters: 3 });
        assert.deepEqual(
          cut.map((row) => row.body),
          ['bod'],
        );
        // Pages continue after the last item of the previous page.
        const firstPage = await store.textItems.queryItems({ source, limit: 2 });
        const lastOfFirst = firstPage.at(-1)!;
        assert.deepEqual(
          (
            await store.textItems.queryItems({
              source,
              channel: 'general',
              limit: 2,
              after: {
                publishedAtMs: lastOfFirst.publishedAtMs,
                id: lastOfFirst.id,
                channel: lastOfFirst.channel,
              },
            })
          ).map((row) => row.id),
          ['a'],
        );
        assert.deepEqual(await store.textItems.queryItems({ source, channel: 'elsewhere', limit: 5 }), []);
        // Known inside (start, end]: `a` became known only an hour after its publication.
        const window = await store.textItems.listKnownItems({
          sources: [source],
          knownRange: { startMs: START_MS + MINUTE_MS, endMs: START_MS + HOUR_MS },
          limit: 1,
        });
        assert.deepEqual(
          { ids: window.items.map((row) => row.id), matched: window.matched },
          { ids: ['a'], matched: 2 },
        );
        const btcWindow = await store.textItems.listKnownItems({
          sources: [source, uniqueExchange()],
          mention: 'BTC',
          channel: 'general',
          knownRange: { startMs: START_MS, endMs: START_MS + HOUR_MS },
          limit: 10,
        });
        assert.deepEqual(
          btcWindow.items.map((row) => row.id),
          ['a', 'b'],
        );
        assert.deepEqual(
          await store.textItems.listKnownChannels(source, { startMs: START_MS, endMs: START_MS + HOUR_MS }),
          ['general'],
        );
        assert.deepEqual(
          await store.textItems.listKnownChannels(source, {
            startMs: START_MS + HOUR_MS,
            endMs: START_MS + HOUR_MS,
          }),
          [],
        );
        await assert.rejects(
          store.textItems.upsertItems([{ ...scored('d', START_MS, START_MS, 1.5, []) }]),
          /sentiment must be a number from -1 to 1/,
        );
        await assert.rejects(
          store.textItems.upsertItems([{ ...scored('d', START_MS, START_MS, 0.1, ['btc']) }]),
          /bad mention/,
        );
        await assert.rejects(
          store.textItems.queryItems({ source, minSentiment: 2, limit: 5 }),
          ValidationError,
        );
      });

      test('edits apply in edit order; a deletion leaves a tombstone no late copy undoes', async () => {
        const source = uniqueExchange();
        const analysis = (sentiment: number) => ({ sentiment, scorer: 'lexicon-v1', mentions: ['BTC'] });
        const original = { ...item(source, 'm1', START_MS, 'BTC up'), ...analysis(0.5) };
        assert.equal(await store.textItems.upsertItems([original]), 1);
        const edit = (body: string, sentiment: number) => ({ ...original, body, ...analysis(sentiment) });
        assert.equal(await store.textItems.applyEdit(edit('BTC down', -0.5), START_MS + 2 * MINUTE_MS), true);
        assert.equal(await store.textItems.applyEdit(edit('older edit', 0), START_MS + MINUTE_MS), false);
        assert.equal(await store.textItems.upsertItems([original]), 0, 'a history copy keeps the edit');
        let stored = await store.textItems.getItem(source, 'general', 'm1');
        assert.deepEqual(
          [stored?.body, stored?.sentiment, stored?.editedAtMs, stored?.seenAtMs],
          ['BTC down', -0.5, START_MS + 2 * MINUTE_MS, original.seenAtMs],
        );
        // An edit of an item not stored yet stores it, as edited.
        const unseen = { ...item(source, 'm2', START_MS + MINUTE_MS, 'new text'), ...analysis(0.1) };
        assert.equal(await store.textItems.applyEdit(unseen, START_MS + 3 * MINUTE_MS), true);
        assert.equal((await store.textItems.getItem(source, 'general', 'm2'))?.body, 'new text');

        const deletedAtMs = START_MS + 10 * MINUTE_MS;
        const reference = { source, channel: 'general', id: 'm1', publishedAtMs: START_MS };
        assert.equal(await store.textItems.markDeleted(reference, deletedAtMs, deletedAtMs), true);
        assert.equal(await store.textItems.markDeleted(reference, deletedAtMs + 1, deletedAtMs + 1), false);
        assert.equal(await store.textItems.upsertItems([original]), 0, 'a late copy does not come back');
        assert.equal(await store.textItems.applyEdit(edit('after', 0), deletedAtMs + MINUTE_MS), false);
        stored = await store.textItems.getItem(source, 'general', 'm1');
        assert.deepEqual(
          [stored?.body, stored?.deletedAtMs, stored?.publishedAtMs, stored?.sentiment],
          ['', deletedAtMs, START_MS, -0.5],
        );
        // A deletion of an item never stored is a tombstone too.
        const gone = { source, channel: 'general', id: 'm3', publishedAtMs: START_MS + 2 * MINUTE_MS };
        assert.equal(await store.textItems.markDeleted(gone, deletedAtMs, deletedAtMs), true);
        assert.equal(
          await store.textItems.upsertItems([item(source, 'm3', START_MS + 2 * MINUTE_MS, 'late')]),
          0,
        );

        const range = { startMs: START_MS, endMs: START_MS + HOUR_MS };
        assert.deepEqual(
          (await store.textItems.listItems(source, 'general', range)).map((row) => row.id),
          ['m2'],
        );
        assert.deepEqual(
          (await store.textItems.queryItems({ source, limit: 10 })).map((row) => row.id),
          ['m2'],
        );
        // Deleted items come with their deletion time: points before it count them, later ones not.
        const before = await store.textItems.listKnown(source, { startMs: START_MS - 1, endMs: range.endMs });
        assert.deepEqual(
          before.map((row) => row.deletedAtMs),
          [deletedAtMs, null, deletedAtMs],
        );
        await assert.rejects(store.textItems.markDeleted({ ...reference, id: '' }, 1, 1), ValidationError);
        await assert.rejects(store.textItems.applyEdit(edit('x', 0), Number.NaN), ValidationError);
      });

      test('refuses a bad item before writing any', async () => {
        const source = uniqueExchange();
        for (const bad of [
          { ...item(source, '', START_MS, 'x') },
          { ...item(source, '9', Number.NaN, 'x') },
          { ...item(source, '9', START_MS, 'x'), body: 7 as unknown as string },
        ]) {
          await assert.rejects(
            store.textItems.upsertItems([item(source, '8', START_MS, 'fine'), bad]),
            ValidationError,
          );
        }
        assert.equal(await store.textItems.latestItem(source, 'general'), null);
      });
    });

    describe('leases', () => {
      test('one owner at a time: taken only when free or expired, renewed only by its owner', async () => {
        const group = `g${uniqueExchange()}`;
        const names = ['c', 'a', 'b'].map((key) => `${group}:${key}`);
        assert.deepEqual(await store.leases.acquire('one', names, 60_000, 2), [`${group}:a`, `${group}:b`]);
        // Held leases are not taken, whatever the limit.
        assert.deepEqual(await store.leases.acquire('two', names, 60_000, 5), [`${group}:c`]);
        assert.deepEqual(await store.leases.renew('two', names, 60_000), [`${group}:c`]);
        // An owner taking again gets back what it holds.
        assert.deepEqual(await store.leases.acquire('one', names, 60_000, 5), [`${group}:a`, `${group}:b`]);
        assert.deepEqual(
          (await store.leases.list(`${group}:`)).map((lease) => [lease.name, lease.owner]),
          [
            [`${group}:a`, 'one'],
            [`${group}:b`, 'one'],
            [`${group}:c`, 'two'],
          ],
        );
        await store.leases.release('two', [`${group}:a`, `${group}:c`]);
        assert.deepEqual(
          (await store.leases.list(`${group}:`)).map((lease) => lease.owner),
          ['one', 'one'],
        );
        assert.deepEqual(await store.leases.acquire('two', names, 60_000, 5), [`${group}:c`]);
      });

      test('an expired lease is lost to its owner and taken by another', async () => {
        const group = `g${uniqueExchange()}`;
        const name = `${group}:x`;
        assert.deepEqual(await store.leases.acquire('one', [name], 50, 1), [name]);
        await new Promise((resolve) => setTimeout(resolve, 120));
        assert.deepEqual(await store.leases.list(`${group}:`), []);
        assert.deepEqual(await store.leases.renew('one', [name], 60_000), []);
        assert.deepEqual(await store.leases.acquire('two', [name], 60_000, 1), [name]);
        const [lease] = await store.leases.list(`${group}:`);
        assert.equal(lease?.owner, 'two');
        assert.ok(lease!.expiresAtMs > lease!.acquiredAtMs);
      });

      test('heartbeats count the live members of a group; a prefix with LIKE wildcards matches literally', async () => {
        const group = `g_${uniqueExchange()}%`;
        assert.equal(await store.leases.heartbeat(group, 'one', 60_000), 1);
        assert.equal(await store.leases.heartbeat(group, 'two', 60_000), 2);
        assert.equal(await store.leases.heartbeat(group, 'one', 60_000), 2);
        assert.equal(await store.leases.heartbeat(`${group}x`, 'three', 60_000), 1);
        await store.leases.clear(`member:${group}:`);
        assert.equal(await store.leases.heartbeat(group, 'two', 60_000), 1);
        await assert.rejects(store.leases.heartbeat(group, 'two', 0), RangeError);
      });
    });
  });
}
