import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  compareSnowflakes,
  isSnowflake,
  mapDiscordMessage,
  snowflakeAt,
  snowflakeTimeMs,
  type MessageMapping,
} from './discord-message.ts';

const CHANNEL = '1100000000000000000';
const AT_MS = Date.UTC(2026, 11, 1, 12);
const ID = (BigInt(AT_MS - 1_420_070_400_000) << 22n).toString();
const mapping: MessageMapping = {
  sourceId: 'discord',
  channelId: CHANNEL,
  guildId: '1000000000000000000',
  storeAuthorIds: false,
  seenAtMs: AT_MS + 5_000,
};
const message = (change: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: ID,
  channel_id: CHANNEL,
  type: 0,
  author: { id: '900000000000000000', username: 'trader', discriminator: '0', global_name: null },
  content: 'DOG•GO•TO•THE•MOON breaking out',
  timestamp: new Date(AT_MS).toISOString().replace('Z', '000+00:00'),
  edited_timestamp: null,
  tts: false,
  mention_everyone: false,
  mentions: [],
  mention_roles: [],
  attachments: [],
  embeds: [],
  pinned: false,
  ...change,
});

test('snowflakes: time from the id, ids from a time, ordered as numbers', () => {
  assert.equal(snowflakeTimeMs(ID), AT_MS);
  assert.equal(snowflakeAt(AT_MS), ID);
  assert.equal(snowflakeAt(0), '0');
  assert.ok(compareSnowflakes('99', '100') < 0);
  assert.ok(compareSnowflakes('200', '100') > 0);
  assert.ok(isSnowflake(ID));
  assert.ok(!isSnowflake('18446744073709551616'), 'above 64 bits');
  assert.ok(!isSnowflake('12a'));
});

test('a message becomes a text item timed by its id, the author hashed, a link back', () => {
  const mapped = mapDiscordMessage(message(), mapping);
  assert.ok('item' in mapped);
  assert.deepEqual(mapped.item, {
    source: 'discord',
    channel: CHANNEL,
    id: ID,
    publishedAtMs: AT_MS,
    seenAtMs: AT_MS + 5_000,
    title: null,
    body: 'DOG•GO•TO•THE•MOON breaking out',
    url: `https://discord.com/channels/1000000000000000000/${CHANNEL}/${ID}`,
    author: mapped.item.author,
  });
  assert.match(mapped.item.author ?? '', /^sha256:[0-9a-f]{16}$/);
  assert.ok(!(mapped.item.author ?? '').includes('900000000000000000'));
  const optedIn = mapDiscordMessage(message(), { ...mapping, storeAuthorIds: true, guildId: null });
  assert.ok('item' in optedIn);
  assert.equal(optedIn.item.author, '900000000000000000');
  assert.equal(optedIn.item.url, null);
  const reply = mapDiscordMessage(message({ type: 19, message_reference: { message_id: '1' } }), mapping);
  assert.ok('item' in reply);
});

test('bad messages are rejected with their reason, never thrown', () => {
  const cases: [unknown, RegExp][] = [
    [null, /message/],
    ['text', /message/],
    [message({ id: 'abc' }), /^id: must be a snowflake/],
    [message({ timestamp: 'yesterday' }), /^timestamp:/],
    [message({ content: 12345 }), /^content:/],
    [message({ author: {} }), /^author\.id:/],
    [message({ channel_id: '1200000000000000000' }), /belongs to channel/],
    [message({ type: 7 }), /message type 7/],
    [message({ timestamp: new Date(AT_MS + 60_000).toISOString() }), /disagrees with the time in the id/],
    [message({ content: '   ' }), /message-content intent/],
    [message({ content: 'x'.repeat(40_001) }), /longer than/],
  ];
  for (const [raw, reason] of cases) {
    const mapped = mapDiscordMessage(raw, mapping);
    assert.ok('rejected' in mapped, JSON.stringify(raw).slice(0, 80));
    assert.match(mapped.rejected.reason, reason);
  }
});
