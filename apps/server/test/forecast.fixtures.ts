import type { Candle, Timeframe } from '@runecast/market';
import { buildFeatureMatrix } from '../src/features/feature-matrix.ts';
import { generateSyntheticCandles } from '../src/features/synthetic-candles.ts';
import { createForecaster } from '../src/models/forecaster.registry.ts';
import type { Store } from '../src/store/store.ts';

/** Synthetic candles relabelled as a binance market. */
export function marketCandles(options: {
  symbol: string;
  count: number;
  seed: number;
  timeframe?: Timeframe;
  startTimeMs: number;
}): Candle[] {
  return generateSyntheticCandles({
    count: options.count,
    seed: options.seed,
    timeframe: options.timeframe ?? '1h',
    startTimeMs: options.startTimeMs,
  }).map((candle) => ({ ...candle, exchange: 'binance', symbol: options.symbol }));
}

/** Writes candles and records them in the coverage ledger, as an import does. */
export async function storeCandles(store: Store, candles: readonly Candle[]): Promise<void> {
  await store.candles.upsertCandles(candles);
  const first = candles[0]!;
  const stepMs = candles.length > 1 ? candles[1]!.openTimeMs - first.openTimeMs : 60_000;
  await store.coverage.markFetched(
    { exchange: first.exchange, symbol: first.symbol, timeframe: first.timeframe },
    { startMs: first.openTimeMs, endMs: candles.at(-1)!.openTimeMs + stepMs },
    candles.map((candle) => candle.openTimeMs),
  );
}

/** The artifact of a model fitted on `candles` (naive by default: fast, and it forecasts the last close). */
export async function fittedArtifact(
  candles: readonly Candle[],
  horizonMinutes: number,
  modelType = 'naive',
): Promise<{ artifact: Uint8Array; featureNames: string[] }> {
  const matrix = buildFeatureMatrix({ candles });
  const forecaster = createForecaster(modelType, { timeframe: candles[0]!.timeframe, horizonMinutes });
  try {
    await forecaster.fit({ matrix });
    return { artifact: forecaster.serialize(), featureNames: [...forecaster.featureNames] };
  } finally {
    forecaster.dispose();
  }
}
