/**
 * Ingest throughput through the whole path — parse exchange JSON, validate, publish on the bus,
 * write with COPY + merge — beside a raw COPY of the same rows into a table of the same shape in
 * the same database, in the same run. Target: our path at 50% or more of raw COPY on PostgreSQL.
 */
import { pathToFileURL } from 'node:url';
import { candlesTopic, tradesTopic } from '../apps/server/src/bus/topics.ts';
import { InProcessBus } from '../apps/server/src/bus/in-process.bus.ts';
import { assertValidCandle, type Candle } from '../apps/server/src/domain/candle.ts';
import type { Trade } from '../apps/server/src/domain/trade.ts';
import type { Database } from '../apps/server/src/store/store.port.ts';
import { openStore, type Store } from '../apps/server/src/store/store.ts';
import { createTestPostgresDatabase } from '../apps/server/test/support/postgres.ts';
import type { CandleBatchMessage, TradeBatchMessage } from '@runecast/contracts';
import { formatRate, printBenchTable, timed } from './bench-support.ts';

const CANDLE_COUNT = Number(process.env.BENCH_INGEST_CANDLES ?? 200_000);
const TRADE_COUNT = Number(process.env.BENCH_INGEST_TRADES ?? 200_000);
const PAGE_SIZE = 1000;
const BATCH_SIZE = 5000;
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

function parseKlinePage(text: string): Candle[] {
  const rows = JSON.parse(text) as [number, string, string, string, string, string, number, string, number][];
  return rows.map((row) => {
    const candle: Candle = {
      exchange: EXCHANGE,
      symbol: SYMBOL,
      timeframe: '1m',
      openTimeMs: row[0],
      open: Number(row[1]),
      high: Number(row[2]),
      low: Number(row[3]),
      close: Number(row[4]),
      volume: Number(row[5]),
      quoteVolume: Number(row[7]),
      tradeCount: row[8],
      closed: true,
    };
    assertValidCandle(candle);
    return candle;
  });
}

function parseTradePage(text: string): Trade[] {
  const rows = JSON.parse(text) as { a: number; p: string; q: string; T: number; m: boolean }[];
  return rows.map((row) => ({
    exchange: EXCHANGE,
    symbol: SYMBOL,
    tradeId: String(row.a),
    timestampMs: row.T,
    price: Number(row.p),
    amount: Number(row.q),
    side: row.m ? 'sell' : 'buy',
  }));
}

async function ourCandlePath(store: Store, pages: readonly string[]): Promise<number> {
  const bus = new InProcessBus();
  let written = 0;
  const series = { exchange: EXCHANGE, symbol: SYMBOL, timeframe: '1m' as const };
  await bus.subscribe<CandleBatchMessage>(candlesTopic(series), async (message) => {
    const batch = message.data;
    written += await store.candles.upsertCandles(
      batch.candles.map((candle) => ({
        ...candle,
        exchange: batch.exchange,
        symbol: batch.symbol,
        timeframe: batch.timeframe,
      })),
    );
  });
  let pending: Candle[] = [];
  const publish = async () => {
    if (pending.length === 0) return;
    const message: CandleBatchMessage = {
      exchange: EXCHANGE,
      symbol: SYMBOL,
      timeframe: '1m',
      source: { label: 'bench', simulated: true },
      candles: pending.map(
        ({ exchange: _exchange, symbol: _symbol, timeframe: _timeframe, ...rest }) => rest,
      ),
    };
    pending = [];
    await bus.publish(candlesTopic(series), message);
  };
  for (const page of pages) {
    // Pages arrive from the network one by one; yielding here lets the write of the previous
    // batch proceed while the next page is parsed, as it does when ingesting for real.
    await arrival();
    pending.push(...parseKlinePage(page));
    if (pending.length >= BATCH_SIZE) await publish();
  }
  await publish();
  await bus.flush();
  await bus.close();
  return written;
}

async function ourTradePath(store: Store, pages: readonly string[]): Promise<number> {
  const bus = new InProcessBus();
  let written = 0;
  const market = { exchange: EXCHANGE, symbol: SYMBOL };
  await bus.subscribe<TradeBatchMessage>(tradesTopic(market), async (message) => {
    const batch = message.data;
    written += await store.trades.insertTrades(
      batch.trades.map((trade) => ({ ...trade, exchange: batch.exchange, symbol: batch.symbol })),
    );
  });
  let pending: Trade[] = [];
  const publish = async () => {
    if (pending.length === 0) return;
    const message: TradeBatchMessage = {
      exchange: EXCHANGE,
      symbol: SYMBOL,
      source: { label: 'bench', simulated: true },
      trades: pending.map(({ exchange: _exchange, symbol: _symbol, ...rest }) => rest),
    };
    pending = [];
    await bus.publish(tradesTopic(market), message);
  };
  for (const page of pages) {
    await arrival();
    pending.push(...parseTradePage(page));
    if (pending.length >= BATCH_SIZE) await publish();
  }
  await publish();
  await bus.flush();
  await bus.close();
  return written;
}

/** The reference: the same rows, already as CSV, COPY'd into an empty table shaped like the real one. */
async function rawCopy(db: Database, table: 'candles' | 'trades', pages: readonly string[]): Promise<void> {
  const rawTable = `bench_raw_${table}`;
  await db.query(`DROP TABLE IF EXISTS ${rawTable}; CREATE TABLE ${rawTable} (LIKE ${table} INCLUDING ALL)`);
  const lines: string[] = [];
  if (table === 'candles') {
    for (const page of pages) {
      for (const candle of parseKlinePage(page)) {
        lines.push(
          `${EXCHANGE},${SYMBOL},1m,${candle.openTimeMs},${candle.open},${candle.high},${candle.low},${candle.close},${candle.volume},${candle.quoteVolume},${candle.tradeCount},t`,
        );
      }
    }
  } else {
    for (const page of pages) {
      for (const trade of parseTradePage(page)) {
        lines.push(
          `${EXCHANGE},${SYMBOL},${trade.tradeId},${trade.timestampMs},${trade.price},${trade.amount},${trade.side}`,
        );
      }
    }
  }
  const columns =
    table === 'candles'
      ? [
          'exchange',
          'symbol',
          'timeframe',
          'open_time_ms',
          'open',
          'high',
          'low',
          'close',
          'volume',
          'quote_volume',
          'trade_count',
          'closed',
        ]
      : ['exchange', 'symbol', 'trade_id', 'timestamp_ms', 'price', 'amount', 'side'];
  const csv = `${lines.join('\n')}\n`;
  const { seconds } = await timed(async () => {
    for (let offset = 0; offset < csv.length;) {
      // COPY in pieces of whole lines, as the repositories do, so neither side sends one huge message.
      let end = Math.min(csv.length, offset + 8 * 1024 * 1024);
      end = csv.indexOf('\n', end - 1) + 1 || csv.length;
      await db.copyFrom(rawTable, columns, csv.slice(offset, end));
      offset = end;
    }
  });
  rawSeconds.set(`${db.engine}:${table}`, seconds);
  await db.query(`DROP TABLE ${rawTable}`);
}

const rawSeconds = new Map<string, number>();

async function measureEngine(
  label: string,
  store: Store,
  candlePages: string[],
  tradePages_: string[],
): Promise<string[][]> {
  const rows: string[][] = [];
  const candles = await timed(() => ourCandlePath(store, candlePages));
  await rawCopy(store.db, 'candles', candlePages);
  const rawCandleSeconds = rawSeconds.get(`${store.db.engine}:candles`) ?? Number.NaN;
  rows.push([
    label,
    'candles',
    CANDLE_COUNT.toLocaleString('en-US'),
    formatRate(CANDLE_COUNT, candles.seconds),
    formatRate(CANDLE_COUNT, rawCandleSeconds),
    `${((rawCandleSeconds / candles.seconds) * 100).toFixed(0)}%`,
  ]);
  const trades = await timed(() => ourTradePath(store, tradePages_));
  await rawCopy(store.db, 'trades', tradePages_);
  const rawTradeSeconds = rawSeconds.get(`${store.db.engine}:trades`) ?? Number.NaN;
  rows.push([
    label,
    'trades',
    TRADE_COUNT.toLocaleString('en-US'),
    formatRate(TRADE_COUNT, trades.seconds),
    formatRate(TRADE_COUNT, rawTradeSeconds),
    `${((rawTradeSeconds / trades.seconds) * 100).toFixed(0)}%`,
  ]);
  if (candles.result !== CANDLE_COUNT || trades.result !== TRADE_COUNT) {
    throw new Error(
      `wrote ${candles.result} candles and ${trades.result} trades, expected ${CANDLE_COUNT} and ${TRADE_COUNT}`,
    );
  }
  return rows;
}

export async function runIngestBench(): Promise<void> {
  const candlePages = klinePages();
  const tradePages_ = tradePages();
  const rows: string[][] = [];

  const pglite = await openStore({ url: 'memory://' });
  try {
    rows.push(...(await measureEngine('PGlite', pglite, candlePages, tradePages_)));
  } finally {
    await pglite.db.close();
  }

  const database = await createTestPostgresDatabase();
  try {
    const postgres = await openStore({ url: database.url });
    try {
      rows.push(...(await measureEngine('PostgreSQL', postgres, candlePages, tradePages_)));
    } finally {
      await postgres.db.close();
    }
  } finally {
    await database.drop();
  }

  printBenchTable(
    'Ingest: parse + validate + bus + COPY/merge (ours) vs raw COPY of the same rows, same database, same run',
    ['engine', 'rows', 'count', 'ours', 'raw COPY', 'ours / raw'],
    rows,
  );
  process.stdout.write('target: ours at 50% or more of raw COPY on PostgreSQL\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runIngestBench();
