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
  DATA_FAULT_KINDS,
  RUNES_PROVIDER_IDS,
  NEWS_TARGET_ID,
  type EmulatedExchangeId,
  type FaultTargetId,
  type RunesProviderId,
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
export {
  GENIIDATA_DATASOURCE_ID,
  REAL_RUNES_HEADER,
  RUNES_EMULATOR_API_KEY,
  RUNES_PROVIDER_PATHS,
  SIMULATED_HEADER,
} from './runes/runes-providers.ts';
export { ORDISCAN_PAGE_SIZE } from './runes/ordiscan.routes.ts';
export { MALFORMED_PRICE } from './runes/runes-provider-view.ts';
export {
  DOG_INTRADAY_LOG_BAND,
  DOG_RUNE,
  RuneUniverse,
  type RuneDefinition,
  type RuneSnapshot,
  type RunesStatus,
} from './runes/rune-universe.ts';
export { parseRuneName, spacedRuneName } from './runes/rune-names.ts';
export { NEWS_PATH_PREFIX, REPLAYED_NEWS_FEED, renderNewsFeed } from './news/news.routes.ts';
export { loadNewsReplay, NEWS_ARTICLES_FILE, type ReplayedArticle } from './news/news-replay.ts';
export { DISCORD_REPLAYED_HEADER, compareSnowflakes } from './discord/discord.routes.ts';
export {
  DISCORD_API_PATH,
  DISCORD_EMULATOR_BOT_TOKEN,
  DISCORD_EPOCH_MS,
  DISCORD_REPLAY_CHANNELS,
  DISCORD_REPLAY_GUILD_ID,
  snowflakeOf,
  snowflakeTimeMs,
  type DiscordReplayChannel,
} from './discord/discord-channels.ts';
export {
  loadDiscordReplay,
  type DiscordReplay,
  type ReplayedDiscordMessage,
} from './discord/discord-replay.ts';
export {
  DiscordRateLimiter,
  type DiscordRateLimitSettings,
  type DiscordRequestRecord,
} from './discord/discord-rate-limits.ts';
export { DISCORD_SIMULATED_HEADER } from './discord/discord.routes.ts';
export {
  DISCORD_GATEWAY_PATH,
  DiscordGateway,
  GatewayCloseCode,
  GatewayIntent,
  GatewayOpcode,
  type DiscordGatewaySettings,
  type GatewayRecord,
} from './discord/discord-gateway.ts';
export {
  DiscordLiveChannels,
  type DiscordChannelEvent,
  type DiscordLiveSettings,
  type HeldDiscordMessage,
} from './discord/discord-live.ts';
export { DISCORD_GATEWAY_FAULT_KINDS, DISCORD_GATEWAY_STREAM } from './faults/fault-injector.ts';
