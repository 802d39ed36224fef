import { type Candle, type Timeframe, timeframeMs } from '@runecast/market';
import { createSeededRandom, nextGaussian } from './seeded-random.ts';

export interface SyntheticCandleOptions {
  count: number;
  seed: number;
  timeframe?: Timeframe;
  startTimeMs?: number;
  startPrice?: number;
  /** Standard deviation of one-step log returns. */
  volatility?: number;
  /** Mean one-step log return. */
  drift?: number;
  /** Weight of the previous return in the next one (AR(1)), to give models something to find. */
  autocorrelation?: number;
  symbol?: string;
  /** Open times to leave out, as indices into the generated sequence (simulated outages). */
  skipIndices?: readonly number[];
}

/** A seeded random-walk candle series for tests and examples; labelled with the `synthetic` exchange. */
export function generateSyntheticCandles(options: SyntheticCandleOptions): Candle[] {
  const timeframe = options.timeframe ?? '1h';
  const stepMs = timeframeMs(timeframe);
  const random = createSeededRandom(options.seed);
  const volatility = options.volatility ?? 0.01;
  const drift = options.drift ?? 0;
  const autocorrelation = options.autocorrelation ?? 0;
  const skip = new Set(options.skipIndices ?? []);
  const startTimeMs = options.startTimeMs ?? Date.UTC(2024, 0, 1);
  const candles: Candle[] = [];
  let close = options.startPrice ?? 100;
  let previousReturn = 0;
  for (let index = 0; index < options.count; index += 1) {
    const logReturn = drift + autocorrelation * previousReturn + volatility * nextGaussian(random);
    previousReturn = logReturn;
    const open = close;
    close = open * Math.exp(logReturn);
    const high = Math.max(open, close) * (1 + Math.abs(nextGaussian(random)) * volatility * 0.5);
    const low = Math.min(open, close) * (1 - Math.abs(nextGaussian(random)) * volatility * 0.5);
    if (skip.has(index)) continue;
    candles.push({
      exchange: 'synthetic',
      symbol: options.symbol ?? 'SYN/USDT',
      timeframe,
      openTimeMs: startTimeMs + index * stepMs,
      open,
      high,
      low,
      close,
      volume: 100 * Math.exp(0.5 * nextGaussian(random)),
      quoteVolume: null,
      tradeCount: null,
      closed: true,
    });
  }
  return candles;
}
