export { startEmulator, type RunningEmulator } from './emulator.server.ts';
export {
  EmulatorOptionsError,
  emulatorOptionsSchema,
  parseEmulatorOptions,
  type EmulatorOptions,
  type ResolvedEmulatorOptions,
} from './emulator-options.ts';
export type { EmulatorStatus } from './control.routes.ts';
export { MarketClock } from './market-clock.ts';
export {
  FAULT_KINDS,
  FaultInjector,
  faultRuleInputSchema,
  parseFaultRule,
  type EmulatedExchangeId,
  type FaultCounters,
  type FaultKind,
  type FaultReport,
  type FaultRule,
  type FaultRuleInput,
} from './faults/fault-injector.ts';
export {
  emulatorOverrides,
  type CcxtEmulatorOverrides,
  type EmulatedCcxtExchangeId,
} from './ccxt-overrides.ts';
export type { MarketUniverse, SeriesStatus } from './market/market-universe.ts';
export type { SymbolMarket, CandleQuery } from './market/symbol-market.ts';
export type { EmulatorCandle, EmulatorTrade, BookLevel, BookVersion } from './market/market-types.ts';
export { aggregateTrades, type TradeAggregate } from './market/trade-synthesizer.ts';
