import assert from 'node:assert/strict';
import type { RunningEmulator } from '@runecast/exchange-emulator';
import type { Candle, SeriesKey } from '@runecast/market';
import { CcxtSource } from '../src/sources/ccxt/ccxt.source.ts';
import type { Store } from '../src/store/store.ts';

// Checks shared by the ingestion tests that run against the exchange emulator.

/** Polls `condition` every 100 ms until it holds; throws after `timeoutMs`. */
export async function waitFor(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadlineMs = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadlineMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Every stored candle of [startMs, endMs) equals what the exchange's REST API serves for it. */
export async function assertMatchesExchange(
  emulator: RunningEmulator,
  exchange: 'binance' | 'kraken',
  series: SeriesKey,
  startMs: number,
  endMs: number,
  store: Store,
): Promise<void> {
  const reference = new CcxtSource({ exchange, emulatorUrl: emulator.url, enableRateLimit: false });
  try {
    const expected = new Map<number, Candle>();
    let sinceMs = startMs;
    while (sinceMs < endMs) {
      const page = await reference.fetchCandlePage({
        symbol: series.symbol,
        timeframe: series.timeframe,
        sinceMs,
      });
      for (const candle of page.candles)
        if (candle.openTimeMs < endMs) expected.set(candle.openTimeMs, candle);
      const next = page.provenRange?.endMs ?? sinceMs;
      if (next <= sinceMs) break;
      sinceMs = next;
    }
    const stored = await store.candles.listCandles(series, { startMs, endMs }, 100_000);
    assert.equal(stored.length, expected.size, 'as many candles as the exchange has');
    for (const candle of stored) {
      const want = expected.get(candle.openTimeMs);
      assert.ok(
        want,
        `stored candle ${new Date(candle.openTimeMs).toISOString()} is unknown to the exchange`,
      );
      assert.deepEqual(
        [candle.open, candle.high, candle.low, candle.close, candle.volume],
        [want.open, want.high, want.low, want.close, want.volume],
        `candle ${new Date(candle.openTimeMs).toISOString()}`,
      );
    }
  } finally {
    await reference.close();
  }
}
