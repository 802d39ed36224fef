import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from './config.ts';

test('defaults: embedded PGlite in ./.runecast/pg, in-process bus, two Binance markets', () => {
  const config = loadConfig({});
  assert.match(config.home, /\.runecast$/);
  assert.match(config.pgliteDir, /\.runecast\/pg$/);
  assert.equal(config.databaseUrl, null);
  assert.equal(config.busUrl, null);
  assert.equal(config.port, 8080);
  assert.deepEqual(config.markets, [
    { exchange: 'binance', symbol: 'BTC/USDT' },
    { exchange: 'binance', symbol: 'ETH/USDT' },
  ]);
});

test('flags override variables', () => {
  const config = loadConfig({ RUNECAST_PORT: '9000' }, { RUNECAST_PORT: '9100', RUNECAST_OFFLINE: 'true' });
  assert.equal(config.port, 9100);
  assert.equal(config.offline, true);
});

test('a wrong value names the variable and what is allowed', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ RUNECAST_DATABASE_URL: 'mysql://x' }, /RUNECAST_DATABASE_URL=.*postgres:\/\//],
    [{ RUNECAST_BUS_URL: 'kafka://x' }, /RUNECAST_BUS_URL=.*nats:\/\//],
    [{ RUNECAST_PORT: 'eighty' }, /RUNECAST_PORT=.*whole number/],
    [{ RUNECAST_PORT: '70000' }, /RUNECAST_PORT/],
    [{ RUNECAST_MARKETS: 'binance-BTCUSDT' }, /RUNECAST_MARKETS=.*exchange:BASE\/QUOTE/],
    [{ RUNECAST_TIMEFRAME: '2m' }, /RUNECAST_TIMEFRAME=.*1m, 5m/],
    [{ RUNECAST_OFFLINE: 'maybe' }, /RUNECAST_OFFLINE=.*true or false/],
    [{ RUNECAST_EMULATOR_SPEED: '20000' }, /RUNECAST_EMULATOR_SPEED/],
    [{ RUNECAST_NEWS_FEEDS: 'coindesk' }, /RUNECAST_NEWS_FEEDS=.*JSON array/],
    [
      { RUNECAST_NEWS_FEEDS: '[{"id":"A b","name":"x","url":"https://x.test/rss"}]' },
      /RUNECAST_NEWS_FEEDS=.*0\.id/,
    ],
    [
      { RUNECAST_NEWS_FEEDS: '[{"id":"x","name":"x","url":"file:///etc/passwd"}]' },
      /RUNECAST_NEWS_FEEDS=.*0\.url/,
    ],
    [
      {
        RUNECAST_NEWS_FEEDS:
          '[{"id":"x","name":"x","url":"https://x.test/a"},{"id":"x","name":"y","url":"https://y.test/b"}]',
      },
      /RUNECAST_NEWS_FEEDS=.*listed twice/,
    ],
  ];
  for (const [environment, message] of cases) {
    assert.throws(
      () => loadConfig(environment),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, message);
        return true;
      },
    );
  }
});

test('a bad flag is reported by its flag name', () => {
  assert.throws(() => loadConfig({}, { RUNECAST_PORT: 'x' }), /--port \(RUNECAST_PORT\)/);
});

test('horizons default to the timeframe’s own and must be multiples of it', () => {
  assert.deepEqual(loadConfig({}).horizonsMinutes, [5, 15, 60]);
  assert.deepEqual(loadConfig({ RUNECAST_TIMEFRAME: '1h' }).horizonsMinutes, [240, 1440]);
  assert.deepEqual(loadConfig({ RUNECAST_HORIZONS: '240,1440' }).horizonsMinutes, [240, 1440]);
  assert.throws(
    () => loadConfig({ RUNECAST_TIMEFRAME: '1h', RUNECAST_HORIZONS: '90,240' }),
    (error: unknown) =>
      error instanceof ConfigError && /90 is not a multiple of the 1h timeframe/.test(error.message),
  );
});

test('news feeds: the defaults, none, or a validated list', () => {
  assert.equal(loadConfig({}).newsFeeds, null);
  assert.deepEqual(loadConfig({ RUNECAST_NEWS_FEEDS: 'none' }).newsFeeds, []);
  assert.deepEqual(
    loadConfig({
      RUNECAST_NEWS_FEEDS:
        '[{"id":"my-feed","name":"My feed","url":"https://feeds.test/rss","about":["BTC"]}]',
    }).newsFeeds,
    [{ id: 'my-feed', name: 'My feed', url: 'https://feeds.test/rss', about: ['BTC'] }],
  );
});

test('discord: channels validated with their markets, author ids hashed unless opted in', () => {
  const config = loadConfig({});
  assert.equal(config.discordChannels, null);
  assert.equal(config.discordStoreAuthorIds, false);
  assert.equal(config.discordBackfillDays, 0);
  assert.equal(config.discordRetentionDays, 90);
  assert.equal(loadConfig({ RUNECAST_DISCORD_RETENTION_DAYS: '0' }).discordRetentionDays, 0);
  assert.equal(config.discordGateway, false);
  assert.equal(loadConfig({ RUNECAST_DISCORD_GATEWAY: 'true' }).discordGateway, true);
  assert.equal(config.newsRetentionDays, 90);
  assert.equal(loadConfig({ RUNECAST_NEWS_RETENTION_DAYS: '0' }).newsRetentionDays, 0);
  assert.deepEqual(config.cryptoPanicCurrencies, []);
  assert.deepEqual(loadConfig({ RUNECAST_CRYPTOPANIC_CURRENCIES: 'btc, ETH,' }).cryptoPanicCurrencies, [
    'BTC',
    'ETH',
  ]);
  assert.deepEqual(loadConfig({ RUNECAST_DISCORD_CHANNELS: 'none' }).discordChannels, []);
  const configured = loadConfig({
    RUNECAST_DISCORD_CHANNELS:
      '[{"id":"1100000000000000000","name":"dog-chat","about":["DOG•GO•TO•THE•MOON"],"guildId":"1000000000000000000"}]',
    RUNECAST_DISCORD_STORE_AUTHOR_IDS: 'true',
    RUNECAST_DISCORD_BACKFILL_DAYS: '30',
  });
  assert.deepEqual(configured.discordChannels, [
    {
      id: '1100000000000000000',
      name: 'dog-chat',
      about: ['DOG•GO•TO•THE•MOON'],
      guildId: '1000000000000000000',
    },
  ]);
  assert.equal(configured.discordStoreAuthorIds, true);
  assert.equal(configured.discordBackfillDays, 30);
  const cases: [Record<string, string>, RegExp][] = [
    [{ RUNECAST_DISCORD_CHANNELS: 'general' }, /RUNECAST_DISCORD_CHANNELS=.*JSON array/],
    [{ RUNECAST_DISCORD_CHANNELS: '[{"id":"general","name":"x"}]' }, /RUNECAST_DISCORD_CHANNELS=.*0\.id/],
    [
      { RUNECAST_DISCORD_CHANNELS: '[{"id":"1100000000000000000","name":"x","about":["dog"]}]' },
      /RUNECAST_DISCORD_CHANNELS=.*0\.about/,
    ],
    [
      {
        RUNECAST_DISCORD_CHANNELS:
          '[{"id":"1100000000000000000","name":"x"},{"id":"1100000000000000000","name":"y"}]',
      },
      /RUNECAST_DISCORD_CHANNELS=.*listed twice/,
    ],
    [{ RUNECAST_DISCORD_STORE_AUTHOR_IDS: 'sure' }, /RUNECAST_DISCORD_STORE_AUTHOR_IDS=.*true or false/],
    [{ RUNECAST_DISCORD_BACKFILL_DAYS: '-1' }, /RUNECAST_DISCORD_BACKFILL_DAYS/],
    [{ RUNECAST_DISCORD_RETENTION_DAYS: 'forever' }, /RUNECAST_DISCORD_RETENTION_DAYS/],
    [{ RUNECAST_DISCORD_GATEWAY: 'live' }, /RUNECAST_DISCORD_GATEWAY=.*true or false/],
    [{ RUNECAST_NEWS_RETENTION_DAYS: '-5' }, /RUNECAST_NEWS_RETENTION_DAYS/],
    [{ RUNECAST_CRYPTOPANIC_CURRENCIES: 'BTC,$ETH' }, /RUNECAST_CRYPTOPANIC_CURRENCIES=.*currency codes/],
  ];
  for (const [environment, message] of cases) {
    assert.throws(
      () => loadConfig(environment),
      (error: unknown) => error instanceof ConfigError && message.test(error.message),
    );
  }
});

test('LLM sentiment: off by default, needs the chat endpoint', () => {
  assert.equal(loadConfig({}).llmSentiment, false);
  const on = loadConfig({
    RUNECAST_LLM_URL: 'http://127.0.0.1:11434/v1',
    RUNECAST_LLM_MODEL: 'llama3.2:3b',
    RUNECAST_LLM_SENTIMENT: 'true',
  });
  assert.equal(on.llmSentiment, true);
  assert.equal(on.llm?.model, 'llama3.2:3b');
  assert.throws(
    () => loadConfig({ RUNECAST_LLM_SENTIMENT: 'true' }),
    /RUNECAST_LLM_SENTIMENT: needs RUNECAST_LLM_URL/,
  );
  assert.throws(
    () => loadConfig({ RUNECAST_LLM_SENTIMENT: 'maybe' }),
    /RUNECAST_LLM_SENTIMENT.*true or false/,
  );
});
