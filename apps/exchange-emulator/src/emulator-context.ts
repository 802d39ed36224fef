import type { FaultInjector } from './faults/fault-injector.ts';
import type { MarketClock } from './market-clock.ts';
import type { MarketUniverse } from './market/market-universe.ts';
import type { SymbolMarket } from './market/symbol-market.ts';
import type { RuneUniverse } from './runes/rune-universe.ts';

/** What the exchange front-ends (REST routes, stream sessions) share. */
export interface EmulatorContext {
  universe: MarketUniverse;
  clock: MarketClock;
  faults: FaultInjector;
  /** The Bitcoin Runes the runes providers serve. */
  runes: RuneUniverse;
  /** Loads a market's data on first use and grows simulated data up to now. */
  ready(market: SymbolMarket): Promise<void>;
}

export function createEmulatorContext(
  universe: MarketUniverse,
  clock: MarketClock,
  faults: FaultInjector,
  runes: RuneUniverse,
): EmulatorContext {
  return {
    universe,
    clock,
    faults,
    runes,
    async ready(market) {
      await market.ensureLoaded();
      market.prepare(clock.nowMs());
    },
  };
}
