import assert from 'node:assert/strict';
import { test } from 'node:test';
import { discordChannelsFor } from './discord-sources.ts';

test('discord channels: the admin list wins; none live by default; the replayed ones offline', () => {
  const mine = [{ id: '1100000000000000000', name: 'dog-chat', about: ['DOG•GO•TO•THE•MOON'] }];
  assert.deepEqual(
    discordChannelsFor({ configured: mine, emulatorUrl: 'http://127.0.0.1:1', replay: true }),
    mine,
  );
  assert.deepEqual(discordChannelsFor({ configured: null, emulatorUrl: null, replay: false }), []);
  assert.deepEqual(
    discordChannelsFor({ configured: null, emulatorUrl: 'http://127.0.0.1:1', replay: false }),
    [],
  );
  const offline = discordChannelsFor({ configured: null, emulatorUrl: 'http://127.0.0.1:1', replay: true });
  assert.equal(offline.length, 6);
  assert.ok(
    offline.every((channel) => /^\d{17,20}$/.test(channel.id) && channel.name.includes('replayed Reddit')),
  );
  assert.deepEqual(offline.find((channel) => channel.name.startsWith('reddit-bitcoin'))?.about, ['BTC']);
});
