/**
 * Discord backfill throughput against the emulator: the Discord source reading a whole channel
 * (the replayed r/Bitcoin threads) forward in pages of 100, under the emulator's default rate
 * limits (10 requests a second per channel, 50 overall) and with the limits lifted (what the
 * client, the emulator and the validation cost); then the text collector storing the same channel
 * into an embedded store. Needs RUNECAST_REPLAY_DIR (the emulator has no chat to replay without it).
 */
import { pathToFileURL } from 'node:url';
import { DISCORD_REPLAY_CHANNELS, startEmulator } from '@runecast/exchange-emulator';
import { TextCollector } from '../apps/server/src/ingest/text-collector.ts';
import { createLogger } from '../apps/server/src/observability/logger.ts';
import { DiscordSource } from '../apps/server/src/sources/discord/discord.source.ts';
import { openStore } from '../apps/server/src/store/store.ts';
import { formatRate, printBenchTable, replayDirectory, timed } from './bench-support.ts';

const LIFTED = { routeLimit: 10_000, routeWindowMs: 1_000, globalLimit: 10_000, globalWindowMs: 1_000 };

export async function runDiscordBench(): Promise<{ setting: string; messagesPerSecond: number }[]> {
  const folder = replayDirectory();
  if (folder === null) {
    process.stdout.write('RUNECAST_REPLAY_DIR is not set: no replayed channel to read, nothing measured\n');
    return [];
  }
  const emulator = await startEmulator({ paused: true, replayDir: folder });
  const channel = DISCORD_REPLAY_CHANNELS.find((entry) => entry.subreddit === 'bitcoin')!;
  const channels = [{ id: channel.id, name: channel.name, about: [...channel.about] }];
  const source = new DiscordSource({
    channels,
    apiUrl: `${emulator.url}/discord/api`,
    botToken: async () => 'bench-token',
  });
  const rows: string[][] = [];
  const results: { setting: string; messagesPerSecond: number }[] = [];
  try {
    const readAll = async (): Promise<{ messages: number; pages: number }> => {
      let messages = 0;
      let pages = 0;
      let after: string | undefined;
      for (;;) {
        const page = await source.fetchItems({ channel: channel.id, ...(after ? { after } : {}) });
        pages += 1;
        messages += page.items.length;
        if (page.cursor === null) return { messages, pages };
        after = page.cursor;
      }
    };
    // Warm up (loads the replay into the emulator) with the limits lifted.
    emulator.discord.configure(LIFTED);
    await readAll();
    for (const [setting, limits] of [
      ['emulator defaults (10/s per channel, 50/s global)', emulator.options.discordRateLimit],
      ['limits lifted', LIFTED],
    ] as const) {
      emulator.discord.configure(limits);
      await new Promise((resolve) => setTimeout(resolve, limits.routeWindowMs));
      emulator.discord.clearRequests();
      const { result, seconds } = await timed(readAll);
      const limited = emulator.discord.requests().filter((request) => request.status === 429).length;
      results.push({ setting: `read, ${setting}`, messagesPerSecond: result.messages / seconds });
      rows.push([
        `source read, ${setting}`,
        result.messages.toLocaleString('en-US'),
        String(result.pages),
        seconds.toFixed(2),
        formatRate(result.pages, seconds),
        formatRate(result.messages, seconds),
        String(limited),
      ]);
    }
    emulator.discord.configure(LIFTED);
    const store = await openStore();
    try {
      const collector = new TextCollector({
        source,
        store,
        clock: { now: () => Date.now() },
        logger: createLogger('silent'),
        maxPagesPerCycle: 10_000,
      });
      emulator.discord.clearRequests();
      const { result: stored, seconds } = await timed(() => collector.pollOnce());
      const pages = emulator.discord.requests().length;
      results.push({ setting: 'collector into PGlite', messagesPerSecond: stored / seconds });
      rows.push([
        'collector storing into embedded PGlite, limits lifted',
        stored.toLocaleString('en-US'),
        String(pages),
        seconds.toFixed(2),
        formatRate(pages, seconds),
        formatRate(stored, seconds),
        '0',
      ]);
    } finally {
      await store.close();
    }
  } finally {
    await source.close();
    await emulator.close();
  }
  printBenchTable(
    `Discord backfill of one channel (${channel.name}) against the emulator, pages of 100`,
    ['what', 'messages', 'requests', 'seconds', 'requests/s', 'messages/s', '429s'],
    rows,
  );
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runDiscordBench();
