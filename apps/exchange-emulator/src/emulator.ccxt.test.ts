import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import ccxt, { type Exchange, type OHLCV, type Trade } from 'ccxt';
import type { KlineRow } from '@runecast/market-files';
import { emulatorOverrides, startEmulator, type RunningEmulator } from './index.ts';
import { aggregateTrades } from './market/trade-synthesizer.ts';
import type { EmulatorTrade } from './market/market-types.ts';
import {
  FIXTURE_MINUTES_START_MS,
  writeReplayFixture,
  type ReplayFixture,
} from './testing/replay-fixture.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const EXCHANGES = ['binance', 'kraken'] as const;

const asOhlcv = (row: KlineRow): OHLCV => [
  row.openTimeMs,
  row.open,
  row.high,
  row.low,
  row.close,
  row.volume,
];

function restClient(id: (typeof EXCHANGES)[number], url: string): Exchange {
  return new ccxt[id]({ ...emulatorOverrides(id, url), enableRateLimit: false, timeout: 10_000 });
}

function proClient(id: (typeof EXCHANGES)[number], url: string): Exchange {
  return new ccxt.pro[id]({
    ...emulatorOverrides(id, url),
    enableRateLimit: false,
    timeout: 10_000,
    newUpdates: true,
  });
}

async function pageCandles(
  exchange: Exchange,
  symbol: string,
  timeframe: string,
  sinceMs: number,
  pageSize: number,
): Promise<OHLCV[]> {
  const stepMs = exchange.parseTimeframe(timeframe) * 1000;
  const all: OHLCV[] = [];
  let since = sinceMs;
  for (let page = 0; page < 100; page += 1) {
    const candles = await exchange.fetchOHLCV(symbol, timeframe, since, pageSize);
    all.push(...candles);
    if (candles.length < pageSize) break;
    since = Number(candles[candles.length - 1]![0]) + stepMs;
  }
  return all;
}

function toEmulatorTrade(trade: Trade): EmulatorTrade {
  return {
    id: Number(trade.id),
    firstTradeId: 0,
    lastTradeId: 0,
    timeMs: trade.timestamp!,
    price: Number(trade.price),
    quantity: Number(trade.amount),
    buyerIsMaker: trade.side === 'sell',
  };
}

describe('ccxt against the emulator replaying files', () => {
  let fixture: ReplayFixture;
  let emulator: RunningEmulator;
  const nowMs = FIXTURE_MINUTES_START_MS + DAY_MS;

  before(async () => {
    fixture = await writeReplayFixture();
    emulator = await startEmulator({ replayDir: fixture.directory, paused: true, seed: 4 });
  });

  after(async () => {
    await emulator?.close();
    await fixture?.remove();
  });

  test('starts in the middle of the main series and lists the replayed markets on both exchanges', async () => {
    assert.equal(emulator.simulated, false);
    assert.equal(emulator.clock.nowMs(), nowMs);
    for (const id of EXCHANGES) {
      const exchange = restClient(id, emulator.url);
      const markets = await exchange.loadMarkets();
      assert.deepEqual(Object.keys(markets).sort(), ['BTC/USDT', 'ETH/USDT'], id);
      assert.equal(markets['BTC/USDT']!.spot, true);
      assert.equal(
        await exchange.fetchTime(),
        Math.floor(nowMs / (id === 'kraken' ? 1000 : 1)) * (id === 'kraken' ? 1000 : 1),
      );
    }
  });

  test('fetchOHLCV pages return exactly the replayed rows up to now, then the open candle', async () => {
    for (const id of EXCHANGES) {
      const exchange = restClient(id, emulator.url);
      for (const [symbol, rows] of [
        ['BTC/USDT', fixture.btcMinutes],
        ['ETH/USDT', fixture.ethMinutes],
      ] as const) {
        const candles = await pageCandles(
          exchange,
          symbol,
          '1m',
          FIXTURE_MINUTES_START_MS,
          id === 'kraken' ? 720 : 500,
        );
        const closed = rows.filter((row) => row.openTimeMs + MINUTE_MS <= nowMs);
        assert.equal(candles.length, closed.length + 1, `${id} ${symbol}`);
        assert.deepEqual(candles.slice(0, -1), closed.map(asOhlcv), `${id} ${symbol}`);
        const open = candles.at(-1)!;
        assert.equal(open[0], nowMs);
        assert.equal(open[1], rows.find((row) => row.openTimeMs === nowMs)!.open);
      }
    }
  });

  test('hourly candles: the native hour files, then hours rolled up from minutes', async () => {
    const exchange = restClient('binance', emulator.url);
    const candles = await pageCandles(
      exchange,
      'BTC/USDT',
      '1h',
      FIXTURE_MINUTES_START_MS - 10 * DAY_MS,
      1000,
    );
    assert.deepEqual(candles.slice(0, fixture.btcHours.length), fixture.btcHours.map(asOhlcv));
    const rolled = candles.slice(fixture.btcHours.length);
    assert.equal(rolled.length, 24 + 1);
    const firstHour = fixture.btcMinutes.slice(0, 60);
    assert.deepEqual(rolled[0]!.slice(0, 5), [
      FIXTURE_MINUTES_START_MS,
      firstHour[0]!.open,
      Math.max(...firstHour.map((row) => row.high)),
      Math.min(...firstHour.map((row) => row.low)),
      firstHour[59]!.close,
    ]);
  });

  test('fetchTrades: the trades of each minute aggregate to that minute candle', async () => {
    for (const id of EXCHANGES) {
      const exchange = restClient(id, emulator.url);
      const fromMs = nowMs - 30 * MINUTE_MS;
      const trades = await exchange.fetchTrades('ETH/USDT', fromMs, 1000);
      assert.ok(trades.length > 30, `${id}: ${trades.length} trades`);
      assert.ok(trades.every((trade) => trade.timestamp! >= fromMs && trade.timestamp! <= nowMs));
      for (let minute = 0; minute < 30; minute += 1) {
        const openMs = fromMs + minute * MINUTE_MS;
        const inMinute = trades.filter(
          (trade) => trade.timestamp! >= openMs && trade.timestamp! < openMs + MINUTE_MS,
        );
        const aggregate = aggregateTrades(inMinute.map(toEmulatorTrade))!;
        const row = fixture.ethMinutes.find((candle) => candle.openTimeMs === openMs)!;
        assert.deepEqual(
          [aggregate.open, aggregate.high, aggregate.low, aggregate.close, aggregate.volume],
          [row.open, row.high, row.low, row.close, row.volume],
          `${id} minute ${new Date(openMs).toISOString()}`,
        );
      }
    }
  });

  test('fetchOrderBook and fetchTicker sit around the last trade', async () => {
    for (const id of EXCHANGES) {
      const exchange = restClient(id, emulator.url);
      const book = await exchange.fetchOrderBook('BTC/USDT', 10);
      assert.equal(book.bids.length, 10);
      assert.ok(book.bids[0]![0]! < book.asks[0]![0]!, `${id} book is not crossed`);
      const [lastTrade] = (await exchange.fetchTrades('BTC/USDT', undefined, 1)).slice(-1);
      assert.ok(Math.abs(book.bids[0]![0]! - Number(lastTrade!.price)) <= 0.01 + 1e-9, id);
      const ticker = await exchange.fetchTicker('BTC/USDT');
      assert.equal(ticker.last, lastTrade!.price, id);
      const day = fixture.btcMinutes.filter(
        (row) => row.openTimeMs > nowMs - DAY_MS && row.openTimeMs < nowMs,
      );
      assert.equal(ticker.high, Math.max(...day.map((row) => row.high), ticker.last!), id);
    }
  });

  test('websocket candles, trades, books and tickers stream as emulated time runs fast', async () => {
    emulator.clock.setSpeed(3000);
    emulator.clock.resume();
    try {
      for (const id of EXCHANGES) {
        const exchange = proClient(id, emulator.url);
        try {
          let candles: OHLCV[] = [];
          const seen = new Map<number, OHLCV>();
          for (let update = 0; update < 200 && seen.size < 6; update += 1) {
            candles = await exchange.watchOHLCV('BTC/USDT', '1m');
            for (const candle of candles) seen.set(Number(candle[0]), candle);
          }
          // Every candle followed by a newer one is final and must equal its row.
          const opens = [...seen.keys()].sort((left, right) => left - right);
          for (const openMs of opens.slice(1, -1)) {
            const row = fixture.btcMinutes.find((candidate) => candidate.openTimeMs === openMs)!;
            assert.deepEqual(
              seen.get(openMs),
              asOhlcv(row),
              `${id} streamed candle ${new Date(openMs).toISOString()}`,
            );
          }

          // Streamed trades rebuild the candles of the minutes they cover.
          const streamed = new Map<string, Trade>();
          for (let update = 0; update < 400; update += 1) {
            for (const trade of await exchange.watchTrades('ETH/USDT')) streamed.set(String(trade.id), trade);
            const minutes = new Set(
              [...streamed.values()].map((trade) => Math.floor(trade.timestamp! / MINUTE_MS)),
            );
            if (minutes.size >= 4) break;
          }
          const byMinute = new Map<number, Trade[]>();
          for (const trade of [...streamed.values()].sort(
            (left, right) => left.timestamp! - right.timestamp!,
          )) {
            const openMs = Math.floor(trade.timestamp! / MINUTE_MS) * MINUTE_MS;
            byMinute.set(openMs, [...(byMinute.get(openMs) ?? []), trade]);
          }
          const fullMinutes = [...byMinute.keys()].sort((left, right) => left - right).slice(1, -1);
          assert.ok(fullMinutes.length >= 2, `${id}: streamed whole minutes`);
          for (const openMs of fullMinutes) {
            const aggregate = aggregateTrades(byMinute.get(openMs)!.map(toEmulatorTrade))!;
            const row = fixture.ethMinutes.find((candidate) => candidate.openTimeMs === openMs)!;
            assert.deepEqual(
              [aggregate.open, aggregate.high, aggregate.low, aggregate.close, aggregate.volume],
              [row.open, row.high, row.low, row.close, row.volume],
              `${id} trades of ${new Date(openMs).toISOString()}`,
            );
          }

          let previousBook = await exchange.watchOrderBook('BTC/USDT');
          for (let update = 0; update < 3; update += 1) {
            const book = await exchange.watchOrderBook('BTC/USDT');
            assert.ok(book.bids.length > 0 && book.asks.length > 0);
            assert.ok(book.bids[0]![0]! < book.asks[0]![0]!, `${id} streamed book is not crossed`);
            previousBook = book;
          }
          assert.ok(previousBook.bids[0]![0]! > 0);

          const ticker = await exchange.watchTicker('BTC/USDT');
          assert.ok(ticker.last! > 0, `${id} ticker`);
        } finally {
          await exchange.close();
        }
      }
    } finally {
      emulator.clock.pause();
    }
  });
});
