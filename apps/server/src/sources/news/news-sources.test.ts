import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SourceRegistry } from '../source-registry.ts';
import { CRYPTOPANIC_CHANNEL_ID } from './cryptopanic.reader.ts';
import { cryptoPanicReaderFor, registerNewsSource } from './news-sources.ts';

const EMULATOR = 'http://127.0.0.1:1';

test('CryptoPanic: live only with a stored token, offline with the emulator token, none when simulating', async () => {
  let stored: string | null = null;
  const live = cryptoPanicReaderFor({
    configured: null,
    emulatorUrl: null,
    replay: false,
    cryptoPanicToken: async () => stored,
  });
  assert.ok(live);
  assert.equal(await live.isActive(), false);
  stored = 'a-token';
  assert.equal(await live.isActive(), true);
  const offline = cryptoPanicReaderFor({ configured: null, emulatorUrl: EMULATOR, replay: true });
  assert.ok(offline);
  assert.equal(await offline.isActive(), true, 'the emulator token stands in for a stored one');
  assert.equal(cryptoPanicReaderFor({ configured: null, emulatorUrl: EMULATOR, replay: false }), null);
});

test('the news source is registered live with no feeds (CryptoPanic may start), never when simulating with none', async () => {
  let stored: string | null = null;
  const registry = new SourceRegistry();
  assert.deepEqual(
    registerNewsSource(registry, {
      configured: [],
      emulatorUrl: null,
      replay: false,
      cryptoPanicToken: async () => stored,
    }),
    [],
  );
  assert.deepEqual(registry.ids('text'), ['news']);
  const source = registry.text('news');
  assert.deepEqual(await source.listChannels(), [], 'no channel until a token is stored');
  stored = 'a-token';
  assert.deepEqual(
    (await source.listChannels()).map((channel) => channel.id),
    [CRYPTOPANIC_CHANNEL_ID],
  );
  const simulating = new SourceRegistry();
  assert.deepEqual(
    registerNewsSource(simulating, { configured: null, emulatorUrl: EMULATOR, replay: false }),
    [],
  );
  assert.deepEqual(simulating.ids('text'), []);
});
