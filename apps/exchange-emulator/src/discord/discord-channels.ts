// Discord's snowflakes and the emulator's fixed guild and channels: no I/O, so the server can name
// the emulator's channels for its offline configuration without loading the replay.

/** Where Discord's REST API is mounted: give `${emulator.url}${DISCORD_API_PATH}` as the API base. */
export const DISCORD_API_PATH = '/discord/api';
/** A bot token the emulator always accepts (without `discordBotTokens`, any non-empty token works). */
export const DISCORD_EMULATOR_BOT_TOKEN = 'runecast-emulator';

/** Discord's epoch: the first second of 2015, in ms. */
export const DISCORD_EPOCH_MS = 1_420_070_400_000;

/** The snowflake of a time and an increment (worker and process ids 0), as Discord builds them. */
export function snowflakeOf(timeMs: number, increment = 0): string {
  return ((BigInt(timeMs - DISCORD_EPOCH_MS) << 22n) | BigInt(increment & 0xfff)).toString();
}

/** The time (ms) a snowflake was made. */
export function snowflakeTimeMs(snowflake: string): number {
  return Number(BigInt(snowflake) >> 22n) + DISCORD_EPOCH_MS;
}

/** The emulated guild (server) every replayed channel belongs to. */
export const DISCORD_REPLAY_GUILD_ID = snowflakeOf(Date.UTC(2025, 0, 1));

/** A replayed channel: one subreddit, under a fixed snowflake so configurations can name it. */
export interface DiscordReplayChannel {
  id: string;
  name: string;
  /** The subreddit replayed (lower case). */
  subreddit: string;
  topic: string;
  /** Assets the channel is about, for a default configuration. */
  about: readonly string[];
}

const channel = (index: number, subreddit: string, about: readonly string[]): DiscordReplayChannel => ({
  id: snowflakeOf(Date.UTC(2025, 0, 1), index + 1),
  name: `reddit-${subreddit}`,
  subreddit,
  topic: `Replayed from Reddit r/${subreddit} (real posts and comments, October 2025); not Discord`,
  about,
});

/** The channels the emulator's guild holds: the subreddits of the replay folder with the most comments. */
export const DISCORD_REPLAY_CHANNELS: readonly DiscordReplayChannel[] = [
  channel(0, 'bitcoin', ['BTC']),
  channel(1, 'cryptocurrency', []),
  channel(2, 'ethereum', ['ETH']),
  channel(3, 'solana', ['SOL']),
  channel(4, 'cryptomarkets', []),
  channel(5, 'dogecoin', ['DOGE']),
];
