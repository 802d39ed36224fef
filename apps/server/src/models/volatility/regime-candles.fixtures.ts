import type { Candle } from '@runecast/market';
import { generateSyntheticCandles } from '../../features/synthetic-candles.ts';

/** Hourly candles in blocks of 200 whose return volatility alternates between 0.4% and 2%. */
export function regimeCandles(blocks: number, seed = 5): Candle[] {
  const candles: Candle[] = [];
  let startPrice = 100;
  for (let block = 0; block < blocks; block += 1) {
    const part = generateSyntheticCandles({
      count: 200,
      seed: seed + block,
      volatility: block % 2 === 0 ? 0.004 : 0.02,
      startPrice,
      startTimeMs: Date.UTC(2024, 0, 1) + block * 200 * 3_600_000,
    });
    candles.push(...part);
    startPrice = part.at(-1)!.close;
  }
  return candles;
}
