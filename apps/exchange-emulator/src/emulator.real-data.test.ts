import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import ccxt, { type Exchange, type OHLCV } from 'ccxt';
import { readKlineFile, type KlineRow } from '@runecast/market-files';
import { emulatorOverrides, startEmulator, type RunningEmulator } from './index.ts';
import { aggregateTrades } from './market/trade-synthesizer.ts';

const replayDirectory = process.env.RUNECAST_REPLAY_DIR ? resolve(process.env.RUNECAST_REPLAY_DIR) : null;
const skip: string | false =
  replayDirectory && existsSync(replayDirectory)
    ? false
    : 'real data folder RUNECAST_REPLAY_DIR is not set or absent';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const asOhlcv = (row: KlineRow): OHLCV => [
  row.openTimeMs,
  row.open,
  row.high,
  row.low,
  row.close,
  row.volume,
];

async function pageCandles(
  exchange: Exchange,
  symbol: string,
  timeframe: string,
  sinceMs: number,
  untilMs: number,
  pageSize: number,
): Promise<OHLCV[]> {
  const stepMs = exchange.parseTimeframe(timeframe) * 1000;
  const all: OHLCV[] = [];
  let since = sinceMs;
  while (since < untilMs) {
    const candles = await exchange.fetchOHLCV(symbol, timeframe, since, pageSize);
    all.push(...candles.filter((candle) => Number(candle[0]) < untilMs));
    if (candles.length < pageSize) break;
    since = Number(candles[candles.length - 1]![0]) + stepMs;
  }
  return all;
}

describe('the emulator replaying the real data folder', { skip }, () => {
  let emulator: RunningEmulator;

  before(async () => {
    emulator = await startEmulator({ replayDir: replayDirectory!, paused: true });
  });
  after(async () => emulator?.close());

  test('starts in the middle of the last stretch of real BTC/USDT minutes (June 2025)', () => {
    assert.equal(new Date(emulator.clock.nowMs()).toISOString(), '2025-06-16T17:27:00.000Z');
    assert.equal(emulator.simulated, false);
    const symbols = emulator.status().symbols;
    for (const symbol of ['BTC/USDT', 'ETH/USDT', 'FIL/USDT', 'NEAR/USDT', 'SOL/USDT'])
      assert.ok(symbols.includes(symbol), symbol);
  });

  test('a day of BTC/USDT minutes through ccxt equals the file row for row, on both exchanges', async () => {
    const file = await readKlineFile(join(replayDirectory!, 'binance_spot_1m_recent', 'BTC_USDT-1m.json.gz'));
    const untilMs = emulator.clock.nowMs();
    const sinceMs = untilMs - DAY_MS;
    const expected = file.rows
      .filter((row) => row.openTimeMs >= sinceMs && row.openTimeMs < untilMs)
      .map(asOhlcv);
    assert.equal(expected.length, 1440);
    for (const [id, pageSize] of [
      ['binance', 1000],
      ['kraken', 720],
    ] as const) {
      const exchange = new ccxt[id]({ ...emulatorOverrides(id, emulator.url), enableRateLimit: false });
      assert.deepEqual(
        await pageCandles(exchange, 'BTC/USDT', '1m', sinceMs, untilMs, pageSize),
        expected,
        id,
      );
    }
  });

  test('older series are served as they were: 2021 hours and 2023 FIL minutes from the Binance CSVs', async () => {
    const exchange = new ccxt.binance({
      ...emulatorOverrides('binance', emulator.url),
      enableRateLimit: false,
    });
    const hours = await readKlineFile(join(replayDirectory!, 'binance_spot_1h', 'ETH_USDT-1h.json'));
    const sinceHour = Date.UTC(2021, 8, 1);
    const hourRows = hours.rows.filter((row) => row.openTimeMs >= sinceHour);
    assert.deepEqual(
      await pageCandles(exchange, 'ETH/USDT', '1h', sinceHour, Date.UTC(2021, 9, 1), 1000),
      hourRows.map(asOhlcv),
    );
    const filFile = await readKlineFile(
      join(replayDirectory!, 'binance_usdm_futures_1m', 'FILUSDT-1m-2023-09.csv.gz'),
    );
    const sinceMinute = Date.UTC(2023, 8, 10);
    const filRows = filFile.rows.filter(
      (row) => row.openTimeMs >= sinceMinute && row.openTimeMs < sinceMinute + DAY_MS,
    );
    assert.deepEqual(
      await pageCandles(exchange, 'FIL/USDT', '1m', sinceMinute, sinceMinute + DAY_MS, 1000),
      filRows.map(asOhlcv),
    );
    // The CSV's own trade counts come through Binance's kline arrays.
    const raw = (await (
      await fetch(
        `${emulator.url}/binance/api/v3/klines?symbol=FILUSDT&interval=1m&startTime=${sinceMinute}&limit=3`,
      )
    ).json()) as unknown[][];
    assert.deepEqual(
      raw.map((kline) => kline[8]),
      filRows.slice(0, 3).map((row) => row.tradeCount),
    );
  });

  test('real minutes are rebuilt exactly from the emulated trades', async () => {
    const exchange = new ccxt.binance({
      ...emulatorOverrides('binance', emulator.url),
      enableRateLimit: false,
    });
    const fromMs = emulator.clock.nowMs() - 20 * MINUTE_MS;
    const trades = await exchange.fetchTrades('ETH/USDT', fromMs, 1000);
    const candles = await exchange.fetchOHLCV('ETH/USDT', '1m', fromMs, 20);
    for (const candle of candles) {
      const openMs = Number(candle[0]);
      const inMinute = trades.filter(
        (trade) => trade.timestamp! >= openMs && trade.timestamp! < openMs + MINUTE_MS,
      );
      const aggregate = aggregateTrades(
        inMinute.map((trade) => ({
          id: Number(trade.id),
          firstTradeId: 0,
          lastTradeId: 0,
          timeMs: trade.timestamp!,
          price: Number(trade.price),
          quantity: Number(trade.amount),
          buyerIsMaker: trade.side === 'sell',
        })),
      )!;
      assert.deepEqual(
        [openMs, aggregate.open, aggregate.high, aggregate.low, aggregate.close, aggregate.volume],
        candle,
      );
    }
  });
});
