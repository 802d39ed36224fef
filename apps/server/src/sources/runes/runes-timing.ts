import type { Timeframe } from '@runecast/market';

/** How often the runes providers are polled: the timeframe of runes price candles. */
export const RUNES_POLL_TIMEFRAME: Timeframe = '5m';
/** Runes are forecast 4 hours and 24 hours ahead. */
export const RUNES_HORIZONS_MINUTES: readonly number[] = [240, 1_440];
