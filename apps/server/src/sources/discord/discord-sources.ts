import {
  DISCORD_API_PATH,
  DISCORD_EMULATOR_BOT_TOKEN,
  DISCORD_REPLAY_CHANNELS,
  DISCORD_REPLAY_GUILD_ID,
} from '@runecast/exchange-emulator/discord-channels';
import type { SourceRegistry } from '../source-registry.ts';
import { DISCORD_API_URL, DiscordSource, type DiscordChannel } from './discord.source.ts';

/** The Discord source's id: every channel the bot reads is one of its channels. */
export const DISCORD_SOURCE_ID = 'discord';
/** The secret holding the bot token (`PUT /api/v1/admin/secrets/discord.bot-token`). */
export const DISCORD_BOT_TOKEN_SECRET = 'discord.bot-token';

export interface DiscordSourceSettings {
  /** The admin's list (RUNECAST_DISCORD_CHANNELS); null for the default. */
  configured: readonly DiscordChannel[] | null;
  /** The emulator in use instead of discord.com; null for live. */
  emulatorUrl: string | null;
  /** True when the emulator replays real data (and so serves the replayed channels). */
  replay: boolean;
  storeAuthorIds: boolean;
  /** Days of history read from a channel with no stored messages; 0 for all of it. */
  backfillDays: number;
  /** Also follow the channels live through the gateway (same token; its address comes from the API's). */
  gateway?: boolean;
  /** The stored bot token, read before each request. */
  botToken(): Promise<string | null>;
  now?: () => number;
}

/**
 * The channels to read: the admin's list when given; otherwise none live (a bot reads only the
 * channels it is told to), or the emulator's channels of replayed Reddit threads offline.
 */
export function discordChannelsFor(
  settings: Pick<DiscordSourceSettings, 'configured' | 'emulatorUrl' | 'replay'>,
): DiscordChannel[] {
  if (settings.configured !== null) return [...settings.configured];
  if (settings.emulatorUrl === null || !settings.replay) return [];
  return DISCORD_REPLAY_CHANNELS.map((channel) => ({
    id: channel.id,
    name: `${channel.name} (replayed Reddit)`,
    about: [...channel.about],
    guildId: DISCORD_REPLAY_GUILD_ID,
  }));
}

/** Registers the Discord source with its channels; returns the channel ids (none: nothing registered). */
export function registerDiscordSource(registry: SourceRegistry, settings: DiscordSourceSettings): string[] {
  const channels = discordChannelsFor(settings);
  if (channels.length === 0) return [];
  const emulatorUrl = settings.emulatorUrl?.replace(/\/$/, '') ?? null;
  const now = settings.now ?? Date.now;
  registry.register(DISCORD_SOURCE_ID, {
    text: () =>
      new DiscordSource({
        channels,
        apiUrl: emulatorUrl === null ? DISCORD_API_URL : `${emulatorUrl}${DISCORD_API_PATH}`,
        // A stored token wins; the emulator takes any token, so offline runs need none stored.
        botToken: async () =>
          (await settings.botToken()) ?? (emulatorUrl === null ? null : DISCORD_EMULATOR_BOT_TOKEN),
        storeAuthorIds: settings.storeAuthorIds,
        backfillFromMs: settings.backfillDays === 0 ? null : now() - settings.backfillDays * 86_400_000,
        gateway: settings.gateway ?? false,
        now,
      }),
  });
  return channels.map((channel) => channel.id);
}
