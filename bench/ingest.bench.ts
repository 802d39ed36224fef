/**
 * Ingest throughput through the whole path as live ingestion runs it — parse the exchange's
 * answers (kline pages and aggTrades pages as the Binance source reads them), validate,
 * write with COPY (merging when rows exist), publish on the bus to a subscriber —
 * beside a raw COPY of the same rows, pre-encoded as CSV and as binary, into a table of the same
 * shape in the same database, in the same run. Target: our path at 50% or more of the faster
 * raw COPY on PostgreSQL.
 */
import { pathToFileURL } from 'node:url';
import type { Exchange } from 'ccxt';
import { candlesTopic, tradesTopic } from '../apps/server/src/bus/topics.ts';
import { InProcessBus } from '../apps/server/src/bus/in-process.bus.ts';
import { buildCandlePage, decodedCandleRows } from '../apps/server/src/sources/ccxt/ccxt-candles.ts';
import { exchangeProfile } from '../apps/server/src/sources/ccxt/ccxt-capabilities.ts';
import { ccxtExchangeClass } from '../apps/server/src/sources/ccxt/ccxt-library.ts';
import { tradesFromCcxt } from '../apps/server/src/sources/ccxt/ccxt-trades.ts';
import type { Candle, Trade } from '@runecast/market';
import { CANDLE_COLUMNS, candlesToCopyData } from '../apps/server/src/store/candle.repository.ts';
import type { CopyData } from '../apps/server/src/store/db.ts';
import type { Database } from '../apps/server/src/store/database.port.ts';
import { TRADE_COLUMNS, tradesToCopyData } from '../apps/server/src/store/trade.repository.ts';
import type { Store } from '../apps/server/src/store/store.ts';
import { openStoreWithDatabase } from '../apps/server/src/store/testing/store-with-database.ts';
import { createTestPostgresDatabase } from '../apps/server/test/support/postgres.ts';
import { toCandleColumns, type CandleBatchMessage, type TradeBatchMessage } from '@runecast/contracts';
import { formatRate, printBenchTable, timed } from './bench-support.ts';

const CANDLE_COUNT = Number(process.env.BENCH_INGEST_CANDLES ?? 200_000);
const TRADE_COUNT = Number(process.env.BENCH_INGEST_TRADES ?? 200_000);
const PAGE_SIZE = 1000;
const BATCH_SIZE = 5000;
const ROUNDS = Number(process.env.BENCH_INGEST_ROUNDS ?? 5);
const START_MS = Date.UTC(2024, 0, 1);
const EXCHANGE = 'binance';
const SYMBOL = 'BTC/USDT';

/** Binance REST kline pages as the exchange sends them: numbers as strings, 12 columns. */
function klinePages(): string[] {
  const pages: string[] = [];
  let price = 40_000;
  for (let start = 0; start < CANDLE_COUNT; start += PAGE_SIZE) {
    const rows: unknown[] = [];
    for (let index = start; index < Math.min(start + PAGE_SIZE, CANDLE_COUNT); index += 1) {
      const openTimeMs = START_MS + index * 60_000;
      const open = price;
      const close = price * (1 + Math.sin(index / 37) * 0.001);
      const high = Math.max(open, close) * 1.0005;
      const low = Math.min(open, close) * 0.9995;
      const volume = 10 + (index % 13);
      rows.push([
        openTimeMs,
        open.toFixed(2),
        high.toFixed(2),
        low.toFixed(2),
        close.toFixed(2),
        volume.toFixed(5),
        openTimeMs + 59_999,
        (volume * close).toFixed(4),
        100 + (index % 50),
        (volume / 2).toFixed(5),
        ((volume / 2) * close).toFixed(4),
        '0',
      ]);
      price = close;
    }
    pages.push(JSON.stringify(rows));
  }
  return pages;
}

/** Binance aggTrades pages: `{a, p, q, f, l, T, m}`. */
function tradePages(): string[] {
  const pages: string[] = [];
  for (let start = 0; start < TRADE_COUNT; start += PAGE_SIZE) {
    const rows: unknown[] = [];
    for (let index = start; index < Math.min(start + PAGE_SIZE, TRADE_COUNT); index += 1) {
      rows.push({
        a: index,
        p: (40_000 + Math.sin(index / 11) * 50).toFixed(2),
        q: (0.001 + (index % 17) / 1000).toFixed(5),
        f: index,
        l: index,
        T: START_MS + index * 37,
        m: index % 2 === 0,
      });
    }
    pages.push(JSON.stringify(rows));
  }
  return pages;
}

const arrival = () => new Promise<void>((resolvePromise) => setImmediate(resolvePromise));

const BINANCE_CLIENT = new (ccxtExchangeClass(EXCHANGE, 'rest')!)({});
const BTC_USDT_MARKET = {
  ...BINANCE_CLIENT.safeMarket('BTCUSDT'),
  symbol: SYMBOL,
  base: 'BTC',
  quote: 'USDT',
  spot: true,
  type: 'spot',
} as Parameters<Exchange['parseTrades']>[1];

const BINANCE = exchangeProfile(BINANCE_CLIENT);

/**
 * A kline page read as the Binance source reads one (sources/ccxt): the profile's own reader of
 * the answer, each row handed on as ccxt's OHLCV, then the page builder that validates every
 * candle and settles which are closed (the exchange clock here says all of them are).
 */
function parseKlinePage(text: string): Candle[] {
  const rows = BINANCE.decodeCandleRows?.(text);
  if (!rows) throw new Error('the kline page did not decode');
  const page = buildCandlePage({
    exchange: EXCHANGE,
    symbol: SYMBOL,
    timeframe: '1m',
    sinceMs: rows[0]![0]!,
    limit: PAGE_SIZE,
    rows: decodedCandleRows(rows, (raw) => BINANCE_CLIENT.parseOHLCV(raw, BTC_USDT_MARKET)),
    profile: BINANCE,
    exchangeNowMs: rows.at(-1)![0]! + 3_600_000,
    settleMs: 0,
  });
  if (page.rejected.length > 0) throw new Error(`rejected ${page.rejected.length} kline rows`);
  return page.candles;
}

/** An aggTrades page read as the source reads a trade answer: ccxt's parse, then our conversion. */
function parseTradePage(text: string): Trade[] {
  const rows = BINANCE_CLIENT.parseJson(text) as unknown[];
  const converted = tradesFromCcxt(EXCHANGE, SYMBOL, BINANCE_CLIENT.parseTrades(rows, BTC_USDT_MARKET));
  if (converted.rejected > 0) throw new Error(`rejected ${converted.rejected} trades`);
  return converted.trades;
}

/**
 * Runs batches the way live ingestion does (ingest/live.service.ts): validate and write one
 * batch, then publish it on the bus, one batch of a series at a time. Pages keep arriving and
 * being parsed while a batch is being written, as websocket messages do (ccxt parses each one as
 * it arrives, whether or not the last write has finished); the next write takes up to
 * BATCH_SIZE of what has arrived meanwhile.
 */
async function pipelineBatches<T>(
  pages: readonly string[],
  parse: (page: string) => T[],
  writeThenPublish: (batch: T[]) => Promise<void>,
): Promise<void> {
  const pending: T[] = [];
  // One write in flight; when it ends, the next starts with what has arrived meanwhile.
  let writing: Promise<void> | null = null;
  let failure: unknown = null;
  const writeWhileFull = async (): Promise<void> => {
    while (pending.length >= BATCH_SIZE) await writeThenPublish(pending.splice(0, BATCH_SIZE));
  };
  for (const page of pages) {
    await arrival();
    if (failure !== null) throw failure;
    pending.push(...parse(page));
    if (writing === null && pending.length >= BATCH_SIZE) {
      writing = writeWhileFull()
        .catch((error: unknown) => {
          failure = error;
        })
        .finally(() => {
          writing = null;
        });
    }
  }
  while (writing !== null) await writing;
  if (failure !== null) throw failure;
  while (pending.length > 0) await writeThenPublish(pending.splice(0, BATCH_SIZE));
}

async function ourCandlePath(store: Store, pages: readonly string[]): Promise<number> {
  const bus = new InProcessBus();
  let written = 0;
  let delivered = 0;
  const series = { exchange: EXCHANGE, symbol: SYMBOL, timeframe: '1m' as const };
  // A subscriber as the API's cache invalidation and live feed are.
  await bus.subscribe<CandleBatchMessage>(candlesTopic(series), (message) => {
    delivered += message.data.candles.openTimeMs.length;
  });
  await pipelineBatches(pages, parseKlinePage, async (candles) => {
    written += await store.candles.upsertCandles(candles);
    const message: CandleBatchMessage = {
      exchange: EXCHANGE,
      symbol: SYMBOL,
      timeframe: '1m',
      source: { label: 'bench', simulated: true },
      candles: toCandleColumns(candles),
    };
    await bus.publish(candlesTopic(series), message);
  });
  await bus.flush();
  await bus.close();
  if (delivered !== written) throw new Error(`bus delivered ${delivered} candles of ${written} written`);
  return written;
}

async function ourTradePath(store: Store, pages: readonly string[]): Promise<number> {
  const bus = new InProcessBus();
  let written = 0;
  let delivered = 0;
  const market = { exchange: EXCHANGE, symbol: SYMBOL };
  await bus.subscribe<TradeBatchMessage>(tradesTopic(market), (message) => {
    delivered += message.data.trades.length;
  });
  await pipelineBatches(pages, parseTradePage, async (trades) => {
    written += await store.trades.insertTrades(trades);
    const message: TradeBatchMessage = {
      exchange: EXCHANGE,
      symbol: SYMBOL,
      source: { label: 'bench', simulated: true },
      trades: trades.map((trade) => ({
        tradeId: trade.tradeId,
        timestampMs: trade.timestampMs,
        price: trade.price,
        amount: trade.amount,
        side: trade.side,
      })),
    };
    await bus.publish(tradesTopic(market), message);
  });
  await bus.flush();
  await bus.close();
  if (delivered !== written) throw new Error(`bus delivered ${delivered} trades of ${written} written`);
  return written;
}

type RawFormat = 'csv' | 'binary';

/** The same rows, already encoded, in the format COPY reads. Built before the clock starts. */
function encodeRawRows(table: 'candles' | 'trades', pages: readonly string[], format: RawFormat): CopyData[] {
  const pieces: CopyData[] = [];
  if (format === 'csv') {
    const lines: string[] = [];
    for (const page of pages) {
      if (table === 'candles') {
        for (const candle of parseKlinePage(page)) {
          lines.push(
            `${EXCHANGE},${SYMBOL},1m,${candle.openTimeMs},${candle.open},${candle.high},${candle.low},${candle.close},${candle.volume},${candle.quoteVolume},${candle.tradeCount},t`,
          );
        }
      } else {
        for (const trade of parseTradePage(page)) {
          lines.push(
            `${EXCHANGE},${SYMBOL},${trade.tradeId},${trade.timestampMs},${trade.price},${trade.amount},${trade.side}`,
          );
        }
      }
    }
    // Pieces of BATCH_SIZE rows, as our path writes them.
    for (let offset = 0; offset < lines.length; offset += BATCH_SIZE) {
      pieces.push(`${lines.slice(offset, offset + BATCH_SIZE).join('\n')}\n`);
    }
    return pieces;
  }
  // The repositories' own encoders, run here before the clock starts.
  for (let offset = 0; offset < pages.length; offset += BATCH_SIZE / PAGE_SIZE) {
    const batchPages = pages.slice(offset, offset + BATCH_SIZE / PAGE_SIZE);
    pieces.push(
      table === 'candles'
        ? candlesToCopyData(batchPages.flatMap(parseKlinePage))
        : tradesToCopyData(batchPages.flatMap(parseTradePage)).rows,
    );
  }
  return pieces;
}

/**
 * The reference: the same rows, already encoded, COPY'd batch by batch into an empty table
 * shaped like the real one (same keys and checks), in the same database. Returns seconds.
 */
async function rawCopy(
  db: Database,
  table: 'candles' | 'trades',
  pages: readonly string[],
  format: RawFormat,
): Promise<number> {
  const rawTable = `bench_raw_${table}`;
  await db.query(`DROP TABLE IF EXISTS ${rawTable}; CREATE TABLE ${rawTable} (LIKE ${table} INCLUDING ALL)`);
  const columns = table === 'candles' ? CANDLE_COLUMNS : TRADE_COLUMNS;
  const pieces = encodeRawRows(table, pages, format);
  const { seconds } = await timed(async () => {
    for (const piece of pieces) await db.copyFrom(rawTable, columns, piece);
  });
  await db.query(`DROP TABLE ${rawTable}`);
  return seconds;
}

async function measureRows(
  label: string,
  table: 'candles' | 'trades',
  count: number,
  db: Database,
  pages: readonly string[],
  ours: () => Promise<number>,
): Promise<string[]> {
  // Each round runs our path and both raw COPYs back to back, each on an emptied table; the
  // ratio is taken within the round (against that round's faster raw COPY) and the median of
  // the rounds is printed, so a slow spell of the machine weighs on both sides of a ratio
  // rather than on one path's best. Rates are the best of the rounds.
  let oursSeconds = Number.POSITIVE_INFINITY;
  let csvSeconds = Number.POSITIVE_INFINITY;
  let binarySeconds = Number.POSITIVE_INFINITY;
  const ratios: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    await db.query(`TRUNCATE ${table}`);
    const measured = await timed(ours);
    if (measured.result !== count) throw new Error(`wrote ${measured.result} ${table}, expected ${count}`);
    const csv = await rawCopy(db, table, pages, 'csv');
    const binary = await rawCopy(db, table, pages, 'binary');
    ratios.push(Math.min(csv, binary) / measured.seconds);
    oursSeconds = Math.min(oursSeconds, measured.seconds);
    csvSeconds = Math.min(csvSeconds, csv);
    binarySeconds = Math.min(binarySeconds, binary);
  }
  return [
    label,
    table,
    count.toLocaleString('en-US'),
    formatRate(count, oursSeconds),
    formatRate(count, csvSeconds),
    formatRate(count, binarySeconds),
    `${(median(ratios) * 100).toFixed(0)}% (${ratios.map((ratio) => (ratio * 100).toFixed(0)).join(', ')})`,
  ];
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function measureEngine(
  label: string,
  { store, db }: { store: Store; db: Database },
  candlePages: string[],
  tradePages_: string[],
): Promise<string[][]> {
  return [
    await measureRows(label, 'candles', CANDLE_COUNT, db, candlePages, () =>
      ourCandlePath(store, candlePages),
    ),
    await measureRows(label, 'trades', TRADE_COUNT, db, tradePages_, () => ourTradePath(store, tradePages_)),
  ];
}

export async function runIngestBench(): Promise<void> {
  const candlePages = klinePages();
  const tradePages_ = tradePages();
  const rows: string[][] = [];

  const pglite = await openStoreWithDatabase({ url: 'memory://' });
  try {
    rows.push(...(await measureEngine('PGlite', pglite, candlePages, tradePages_)));
  } finally {
    await pglite.store.close();
  }

  const database = await createTestPostgresDatabase();
  try {
    const postgres = await openStoreWithDatabase({ url: database.url });
    try {
      rows.push(...(await measureEngine('PostgreSQL', postgres, candlePages, tradePages_)));
    } finally {
      await postgres.store.close();
    }
  } finally {
    await database.drop();
  }

  printBenchTable(
    `Ingest: parse + validate + COPY/merge + bus (ours) vs raw COPY of the same rows, same database, same run (${ROUNDS} rounds; rates: best round)`,
    [
      'engine',
      'rows',
      'count',
      'ours',
      'raw COPY csv',
      'raw COPY binary',
      'ours / faster raw (median of rounds; each round)',
    ],
    rows,
  );
  process.stdout.write('target: ours at 50% or more of the faster raw COPY on PostgreSQL\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runIngestBench();
