import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { signBody } from '../src/alerts/alert-sender.ts';
import { runRunecast } from './support/cli.ts';

let home: string;
let server: Server;
let receiverUrl: string;
const received: { body: string; signature: string | undefined }[] = [];

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'runecast-alerts-'));
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      received.push({ body, signature: request.headers['x-runecast-signature'] as string | undefined });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});

after(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(home, { recursive: true, force: true });
});

test('runecast alerts add-channel, add, list and test act for one account, and refuse bad flags clearly', async () => {
  const env = { RUNECAST_HOME: home };
  const created = await runRunecast(
    ['user', 'create', '--email', 'trader@example.com', '--password', 'a-long-password-1'],
    env,
  );
  assert.equal(created.code, 0, created.stderr);

  const channel = await runRunecast(
    [
      'alerts',
      'add-channel',
      '--user',
      'trader@example.com',
      '--kind',
      'webhook',
      '--name',
      'desk',
      '--url',
      receiverUrl,
      '--json',
    ],
    env,
  );
  assert.equal(channel.code, 0, channel.stderr);
  const { id: channelId, secret } = JSON.parse(channel.stdout) as { id: string; secret: string };

  const added = await runRunecast(
    [
      'alerts',
      'add',
      '--user',
      'trader@example.com',
      '--name',
      'BTC breakout',
      '--series',
      'binance:BTC/USDT:1m',
      '--above',
      '120000',
      '--channel',
      channelId,
      '--json',
    ],
    env,
  );
  assert.equal(added.code, 0, added.stderr);
  const rule = JSON.parse(added.stdout) as { condition: unknown; channelIds: string[] };
  assert.deepEqual(rule.condition, { kind: 'price-cross', direction: 'above', level: 120_000 });
  assert.deepEqual(rule.channelIds, [channelId]);

  const listed = await runRunecast(['alerts', 'list', '--user', 'trader@example.com', '--json'], env);
  assert.equal(listed.code, 0, listed.stderr);
  const { rules, channels } = JSON.parse(listed.stdout) as { rules: unknown[]; channels: { id: string }[] };
  assert.equal(rules.length, 1);
  assert.deepEqual(
    channels.map((item) => item.id),
    [channelId],
  );

  const tested = await runRunecast(['alerts', 'test', channelId, '--user', 'trader@example.com'], env);
  assert.equal(tested.code, 0, tested.stderr);
  assert.match(tested.stdout, /delivered \(the receiver answered 204\)/);
  assert.equal(received.length, 1);
  assert.equal(received[0]!.signature, signBody(received[0]!.body, secret));

  const refusals: [string[], RegExp][] = [
    [['alerts', 'add', '--user', 'trader@example.com', '--name', 'x'], /give exactly one condition/],
    [
      ['alerts', 'add', '--user', 'trader@example.com', '--name', 'x', '--above', 'lots'],
      /--above: "lots" is not a number/,
    ],
    [
      ['alerts', 'add', '--user', 'trader@example.com', '--name', 'x', '--move', '3', '--window', '0'],
      /windowMinutes/,
    ],
    [
      ['alerts', 'add', '--user', 'nobody@example.com', '--name', 'x', '--above', '1'],
      /no account has the email/,
    ],
    [['alerts', 'test', 'not-a-uuid', '--user', 'trader@example.com'], /is not a channel id/],
    [
      [
        'alerts',
        'add-channel',
        '--user',
        'trader@example.com',
        '--kind',
        'webhook',
        '--name',
        'x',
        '--url',
        'file:///etc/passwd',
      ],
      /--url: must be an http or https URL/,
    ],
  ];
  for (const [args, message] of refusals) {
    const result = await runRunecast(args, env);
    assert.notEqual(result.code, 0, args.join(' '));
    assert.match(result.stderr, message, `${args.join(' ')} → ${result.stderr}`);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  }
});
