import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startEmulator } from '@runecast/exchange-emulator';
import { recordIngestMetrics } from '../src/ingest/ingest-metrics.ts';
import { createMetrics } from '../src/observability/metrics.ts';
import { CcxtSource } from '../src/sources/ccxt/ccxt.source.ts';
import { openStore } from '../src/store/store.ts';
import { minuteCandles } from './support/http/api-harness.ts';
import { waitUntil } from './support/private-servers.ts';

const MINUTE_MS = 60_000;

test('with an emulator URL, candle age and lag are measured against the emulator clock', async () => {
  const emulator = await startEmulator({
    paused: true,
    simulatedHistoryDays: 1,
    seed: 3,
    simulatedSymbols: ['BTC/USDT'],
  });
  const store = await openStore({ url: 'memory://' });
  const source = new CcxtSource({ exchange: 'binance', emulatorUrl: emulator.url });
  const metrics = createMetrics();
  let stop: (() => void) | undefined;
  try {
    const series = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1m' as const };
    const exchangeNowMs = Math.floor(emulator.clock.nowMs() / MINUTE_MS) * MINUTE_MS;
    // The newest candle stored is ten minutes behind the exchange's clock: a stalled series.
    await store.candles.upsertCandles(
      minuteCandles('binance', 'BTC/USDT', exchangeNowMs - 20 * MINUTE_MS, 10).map((candle) => ({
        ...candle,
        symbol: 'BTC/USDT',
      })),
    );
    stop = recordIngestMetrics({
      metrics,
      store,
      ingestions: () => [],
      series: () => [series],
      windowMs: 86_400_000,
      nowFor: () => source.exchangeNowMs(),
      intervalMs: 60_000,
    });
    const gauge = async (name: string) => (await metrics.registry.getSingleMetric(name)!.get()).values;
    await waitUntil(
      async () => (await gauge('runecast_last_candle_age_seconds')).length > 0,
      10_000,
      'the age gauge',
    );
    const [age] = await gauge('runecast_last_candle_age_seconds');
    assert.equal(age!.labels.series, 'binance:BTC/USDT:1m');
    // Against the wall clock the replayed candle would be hours or days old.
    assert.ok(age!.value >= 11 * 60 - 5 && age!.value < 12 * 60 + 30, `age ${age!.value} s`);
    const [lag] = await gauge('runecast_ingest_lag_seconds');
    assert.ok(lag!.value >= 10 * 60 - 5 && lag!.value < 11 * 60 + 30, `lag ${lag!.value} s`);
  } finally {
    stop?.();
    await source.close();
    await store.close();
    await emulator.close();
  }
});
