import { startEmulator } from '@runecast/exchange-emulator';
import { systemClock } from '@runecast/market';
import { CcxtSource } from '../src/sources/ccxt/ccxt.source.ts';
import { runMarketDataSourceContract } from '../src/sources/market-data-source.contract.ts';
import { GeniiDataSource } from '../src/sources/geniidata/geniidata.source.ts';
import { OrdiscanSource } from '../src/sources/ordiscan/ordiscan.source.ts';
import { EMULATED_GENIIDATA_DATASOURCE, EMULATED_RUNES_PATHS } from '../src/sources/runes/runes-sources.ts';
import { runSnapshotSourceContract } from '../src/sources/snapshot-source.contract.ts';
import { UnisatSource } from '../src/sources/unisat/unisat.source.ts';
import { discordChannelsFor } from '../src/sources/discord/discord-sources.ts';
import { DiscordSource } from '../src/sources/discord/discord.source.ts';
import { NewsFeedSource } from '../src/sources/news/news-feed.source.ts';
import { cryptoPanicReaderFor, newsFeedsFor } from '../src/sources/news/news-sources.ts';
import { CRYPTOPANIC_CHANNEL_ID } from '../src/sources/news/cryptopanic.reader.ts';
import { REPLAY_DIR, replayDataSkip } from './support/replay-data.ts';
import { runTextSourceContract } from '../src/sources/text-source.contract.ts';
import { spotMarkets, StaticMarketSource } from './support/http/static-market.source.ts';
import { StaticSnapshotSource } from './support/sources/static-snapshot.source.ts';
import { StaticTextSource } from './support/sources/static-text.source.ts';

// Every source runs the one contract of its kind: ccxt against the local emulator (which speaks
// Binance's and Kraken's real protocols), and the test source that knows only a market list.
for (const exchange of ['binance', 'kraken'] as const) {
  runMarketDataSourceContract(`ccxt ${exchange} against the emulator`, async () => {
    const emulator = await startEmulator({ paused: true, simulatedHistoryDays: 2, seed: 17 });
    const source = new CcxtSource({ exchange, emulatorUrl: emulator.url, enableRateLimit: false });
    return {
      source,
      symbol: 'BTC/USDT',
      sinceMs: emulator.clock.nowMs() - 3 * 3_600_000,
      close: () => emulator.close(),
    };
  });
}

runMarketDataSourceContract('static market list', async () => ({
  source: new StaticMarketSource('binance', spotMarkets('binance', ['BTC/USDT', 'ETH/USDT'])),
  symbol: 'ETH/USDT',
  sinceMs: 0,
}));

runSnapshotSourceContract('static snapshot source', async () => ({
  source: new StaticSnapshotSource(
    'runestatic',
    ['DOG•GO•TO•THE•MOON/SATS', 'RSIC•GENESIS•RUNE/SATS', 'PUPS•WORLD•PEACE/SATS'].map((symbol, index) => ({
      symbol,
      name: symbol.split('/')[0] ?? symbol,
      price: () => 0.5 + index,
      metrics: () => ({ holders: 1_000 * (index + 1) }),
    })),
    systemClock,
  ),
  symbol: 'RSIC•GENESIS•RUNE/SATS',
  unknownSymbol: 'NOT•A•RUNE/SATS',
}));

runTextSourceContract('static text source', async () => ({
  source: new StaticTextSource(
    'textstatic',
    Array.from({ length: 8 }, (_, index) => ({
      channel: 'general',
      id: String(1_000 + index),
      publishedAtMs: Date.UTC(2025, 9, 1) + index * 60_000,
      title: null,
      body: `message ${index}`,
      url: null,
      author: null,
    })),
  ),
  channel: 'general',
}));

// The news source reads the emulator's RSS feed of the bundled articles with the same client code
// as a live feed; a page of 10 makes the 30 articles span pages.
if (replayDataSkip === false && REPLAY_DIR !== null) {
  const replayDir = REPLAY_DIR;
  runTextSourceContract('news feed against the emulator (replayed articles)', async () => {
    const emulator = await startEmulator({ paused: true, replayDir });
    const [feed] = newsFeedsFor({ configured: null, emulatorUrl: emulator.url, replay: true });
    if (!feed) throw new Error('no emulated news feed');
    return {
      source: new NewsFeedSource({ feeds: [feed], pageLimit: 10 }),
      channel: feed.id,
      close: () => emulator.close(),
    };
  });
}

// CryptoPanic's posts API is one more channel of the news source: the emulator serves the same
// articles as posts, 20 a page, so the reader follows `next` and the source pages by 10.
if (replayDataSkip === false && REPLAY_DIR !== null) {
  const replayDir = REPLAY_DIR;
  runTextSourceContract('news source, CryptoPanic channel, against the emulator', async () => {
    const emulator = await startEmulator({ paused: true, replayDir });
    const cryptoPanic = cryptoPanicReaderFor({ configured: null, emulatorUrl: emulator.url, replay: true });
    if (!cryptoPanic) throw new Error('no emulated CryptoPanic API');
    return {
      source: new NewsFeedSource({ feeds: [], cryptoPanic, pageLimit: 10 }),
      channel: CRYPTOPANIC_CHANNEL_ID,
      close: () => emulator.close(),
    };
  });
}

// The Discord source reads the emulator's REST API (the replayed Reddit threads as channels) with
// the same client as discord.com, under the emulator's default rate limits, and follows its gateway.
if (replayDataSkip === false && REPLAY_DIR !== null) {
  const replayDir = REPLAY_DIR;
  runTextSourceContract('discord against the emulator (replayed Reddit threads)', async () => {
    const emulator = await startEmulator({ paused: true, replayDir });
    const channels = discordChannelsFor({ configured: null, emulatorUrl: emulator.url, replay: true });
    const dogecoin = channels.find((channel) => channel.name.startsWith('reddit-dogecoin'));
    if (!dogecoin) throw new Error('no emulated Discord channel');
    const chat = await emulator.discordChannels();
    if (!chat) throw new Error('no emulated Discord chat');
    return {
      source: new DiscordSource({
        channels,
        apiUrl: `${emulator.url}/discord/api`,
        botToken: async () => 'contract-token',
        gateway: true,
      }),
      channel: dogecoin.id,
      // The gateway's simulated chat, driven by hand: a message, its edit, its deletion.
      live: {
        create: async () => chat.post(dogecoin.id, 'DOGE holding support nicely').id,
        edit: async (id) => void chat.edit(id, 'DOGE holding support nicely (edit: still holding)'),
        remove: async (id) => void chat.delete(id),
      },
      close: () => emulator.close(),
    };
  });
}

// The runes providers against the emulator, which speaks their protocols over one rune universe.
const runesProviders = {
  ordiscan: (baseUrl: string) =>
    new OrdiscanSource({ baseUrl, apiKey: async () => 'contract-key', simulated: true }),
  unisat: (baseUrl: string) =>
    new UnisatSource({ baseUrl, apiKey: async () => 'contract-key', simulated: true }),
  geniidata: (baseUrl: string) =>
    new GeniiDataSource({
      baseUrl,
      apiKey: async () => 'contract-key',
      datasourceId: EMULATED_GENIIDATA_DATASOURCE,
      simulated: true,
    }),
};
for (const [provider, make] of Object.entries(runesProviders)) {
  runSnapshotSourceContract(`${provider} against the emulator`, async () => {
    const emulator = await startEmulator({ paused: true, seed: 5, simulatedRuneCount: 20 });
    return {
      source: make(`${emulator.url}${EMULATED_RUNES_PATHS[provider as keyof typeof runesProviders]}`),
      symbol: 'DOG•GO•TO•THE•MOON/SATS',
      unknownSymbol: 'NOT•A•KNOWN•RUNE/SATS',
      close: () => emulator.close(),
    };
  });
}
