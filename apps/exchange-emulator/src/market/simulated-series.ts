import type { KlineRow } from '@runecast/market-files';
import { createRandom, hashText, mixSeed, normalDraw } from './seeded-random.ts';

const MINUTE_MS = 60_000;
const MINUTES_PER_YEAR = 525_600;

export interface SimulatedMarketProfile {
  startPrice: number;
  priceDecimals: number;
  volumeDecimals: number;
  /** Typical traded base volume per minute. */
  minuteVolume: number;
  annualVolatility: number;
}

const PROFILES: Record<string, SimulatedMarketProfile> = {
  BTC: { startPrice: 30_000, priceDecimals: 2, volumeDecimals: 5, minuteVolume: 25, annualVolatility: 0.55 },
  ETH: { startPrice: 2_000, priceDecimals: 2, volumeDecimals: 4, minuteVolume: 300, annualVolatility: 0.7 },
  SOL: { startPrice: 25, priceDecimals: 2, volumeDecimals: 2, minuteVolume: 4_000, annualVolatility: 0.9 },
};
const DEFAULT_PROFILE: SimulatedMarketProfile = {
  startPrice: 10,
  priceDecimals: 4,
  volumeDecimals: 1,
  minuteVolume: 5_000,
  annualVolatility: 0.8,
};

export function simulatedProfile(base: string): SimulatedMarketProfile {
  return PROFILES[base] ?? DEFAULT_PROFILE;
}

/**
 * A seeded synthetic 1-minute market: GARCH(1,1) returns with fat-ish tails give volatility
 * clustering; volumes are log-normal with a daily cycle (busiest around 15:00 UTC, quieter at
 * weekends) and rise with the size of the move. The same seed and origin give the same candles.
 */
export class SimulatedSeriesGenerator {
  private readonly random: () => number;
  private readonly profile: SimulatedMarketProfile;
  private readonly longRunVariance: number;
  private variance: number;
  private lastShock = 0;
  private price: number;
  private nextOpenTimeMs: number;

  constructor(symbol: string, base: string, seed: number, originMs: number) {
    this.profile = simulatedProfile(base);
    this.random = createRandom(mixSeed(seed, hashText(symbol)));
    const minuteVolatility = this.profile.annualVolatility / Math.sqrt(MINUTES_PER_YEAR);
    this.longRunVariance = minuteVolatility * minuteVolatility;
    this.variance = this.longRunVariance;
    this.price = this.profile.startPrice;
    this.nextOpenTimeMs = Math.floor(originMs / MINUTE_MS) * MINUTE_MS;
  }

  get generatedUntilMs(): number {
    return this.nextOpenTimeMs;
  }

  /** Candles from where the last call stopped up to (not including) `untilMs`. */
  generateUntil(untilMs: number): KlineRow[] {
    const rows: KlineRow[] = [];
    const alpha = 0.08;
    const beta = 0.9;
    const omega = this.longRunVariance * (1 - alpha - beta);
    const priceScale = 10 ** this.profile.priceDecimals;
    const volumeScale = 10 ** this.profile.volumeDecimals;
    const roundPrice = (value: number): number =>
      Math.max(1 / priceScale, Math.round(value * priceScale) / priceScale);
    while (this.nextOpenTimeMs < untilMs) {
      this.variance = omega + alpha * this.lastShock * this.lastShock + beta * this.variance;
      const deviation = Math.sqrt(this.variance);
      // A scale mixture of normals: occasional larger moves, as real minute returns have.
      const tailScale = this.random() < 0.03 ? 2.5 : 1;
      const shock = deviation * tailScale * normalDraw(this.random);
      this.lastShock = shock;
      const open = roundPrice(this.price);
      const close = roundPrice(this.price * Math.exp(shock));
      const wickUp = Math.abs(normalDraw(this.random)) * deviation * 0.6;
      const wickDown = Math.abs(normalDraw(this.random)) * deviation * 0.6;
      const high = Math.max(open, close, roundPrice(Math.max(open, close) * Math.exp(wickUp)));
      const low = Math.min(open, close, roundPrice(Math.min(open, close) * Math.exp(-wickDown)));

      const date = new Date(this.nextOpenTimeMs);
      const hour = date.getUTCHours() + date.getUTCMinutes() / 60;
      const weekday = date.getUTCDay();
      const dailyCycle = 0.45 * Math.cos((2 * Math.PI * (hour - 15)) / 24);
      const weekend = weekday === 0 || weekday === 6 ? -0.35 : 0;
      const moveEffect = 0.35 * Math.min(4, Math.abs(shock) / Math.sqrt(this.longRunVariance));
      const logVolume =
        Math.log(this.profile.minuteVolume) +
        dailyCycle +
        weekend +
        moveEffect +
        0.5 * normalDraw(this.random) -
        0.3;
      const volume = Math.max(1, Math.round(Math.exp(logVolume) * volumeScale)) / volumeScale;
      const averageTradeSize = (this.profile.minuteVolume / 400) * Math.exp(0.3 * normalDraw(this.random));
      const tradeCount = Math.max(1, Math.round(volume / averageTradeSize));
      const typicalPrice = (open + high + low + close) / 4;
      rows.push({
        openTimeMs: this.nextOpenTimeMs,
        open,
        high,
        low,
        close,
        volume,
        quoteVolume: Math.round(volume * typicalPrice * 1e4) / 1e4,
        tradeCount,
      });
      this.price = close;
      this.nextOpenTimeMs += MINUTE_MS;
    }
    return rows;
  }
}
