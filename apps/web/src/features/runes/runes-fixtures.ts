import type { Rune } from '@runecast/contracts';

/** A rune as the list API answers it; tests override what they look at. */
export function rune(overrides: Partial<Rune> & { name: string }): Rune {
  return {
    id: null,
    source: 'ordiscan',
    seriesKey: `ordiscan:${overrides.name}/SATS:5m`,
    priceSats: null,
    priceUsd: null,
    holders: null,
    volume1dBtc: null,
    marketCapUsd: null,
    change1dPct: null,
    updatedAtMs: Date.UTC(2025, 5, 2),
    simulated: false,
    tracked: false,
    sources: [],
    disagreement: null,
    sparkline: null,
    forecast: null,
    ...overrides,
  };
}
