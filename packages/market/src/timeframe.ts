/** Candle timeframes Runecast stores or derives. */
export const TIMEFRAMES = ['1m', '5m', '15m', '1h', '4h', '1d'] as const;
export type Timeframe = (typeof TIMEFRAMES)[number];

const MINUTE_MS = 60_000;

export const TIMEFRAME_MS: Readonly<Record<Timeframe, number>> = {
  '1m': MINUTE_MS,
  '5m': 5 * MINUTE_MS,
  '15m': 15 * MINUTE_MS,
  '1h': 60 * MINUTE_MS,
  '4h': 240 * MINUTE_MS,
  '1d': 1440 * MINUTE_MS,
};

export function isTimeframe(value: string): value is Timeframe {
  return (TIMEFRAMES as readonly string[]).includes(value);
}

export function parseTimeframe(value: string): Timeframe {
  if (!isTimeframe(value)) {
    throw new RangeError(`unknown timeframe "${value}"; allowed: ${TIMEFRAMES.join(', ')}`);
  }
  return value;
}

export function timeframeMs(timeframe: Timeframe): number {
  return TIMEFRAME_MS[timeframe];
}

/** Timeframes stored candles are rolled up from: exchanges' 1m, snapshot sources' 5m polls. */
const DERIVATION_BASES: readonly Timeframe[] = ['1m', '5m'];

/** The stored timeframes `timeframe` can be derived from, finest first. */
export function derivationBases(timeframe: Timeframe): Timeframe[] {
  const stepMs = timeframeMs(timeframe);
  return DERIVATION_BASES.filter((base) => timeframeMs(base) < stepMs && stepMs % timeframeMs(base) === 0);
}

/** True when `timeMs` is the open time of a candle of this timeframe (UTC grid). */
export function isOnGrid(timeMs: number, timeframe: Timeframe): boolean {
  return Number.isSafeInteger(timeMs) && timeMs % TIMEFRAME_MS[timeframe] === 0;
}

/** Open time of the candle that contains `timeMs`. */
export function floorToGrid(timeMs: number, timeframe: Timeframe): number {
  const step = TIMEFRAME_MS[timeframe];
  return Math.floor(timeMs / step) * step;
}
