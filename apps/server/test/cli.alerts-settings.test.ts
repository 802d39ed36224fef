import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { runRunecast } from './support/cli.ts';

const START_MS = Date.UTC(2024, 0, 1);
const USER = 'desk@example.com';

/** Two hours of 1m candles: 100 for half an hour, then 110, 100, 110 (two crossings above 105). */
function crossingRows(): number[][] {
  return Array.from({ length: 120 }, (_, index) => {
    const close = Math.floor(index / 30) % 2 === 0 ? 100 : 110;
    return [START_MS + index * 60_000, close, close, close, close, 5];
  });
}

let folder: string;
let env: NodeJS.ProcessEnv;

before(async () => {
  folder = await mkdtemp(join(tmpdir(), 'runecast-alerts-settings-'));
  env = { RUNECAST_HOME: join(folder, 'home') };
});

after(async () => {
  await rm(folder, { recursive: true, force: true });
});

test('runecast alerts preview, modes and digest act for one account and refuse bad flags with exit code 2', async () => {
  const created = await runRunecast(
    ['user', 'create', '--email', USER, '--password', 'a-long-password-1'],
    env,
  );
  assert.equal(created.code, 0, created.stderr);
  const file = join(folder, 'TEST_USDT-1m.json.gz');
  await writeFile(file, gzipSync(JSON.stringify(crossingRows())));
  const imported = await runRunecast(
    [
      'import',
      '--file',
      file,
      '--exchange',
      'binance',
      '--symbol',
      'TEST/USDT',
      '--timeframe',
      '1m',
      '--json',
    ],
    env,
  );
  assert.equal(imported.code, 0, imported.stderr);

  // Preview from condition flags, over the 7 days up to a given time.
  const until = '2024-01-01T03:00:00Z';
  const flags = ['--series', 'binance:TEST/USDT:1m', '--above', '105', '--cooldown', '0', '--until', until];
  const preview = await runRunecast(['alerts', 'preview', '--user', USER, ...flags, '--json'], env);
  assert.equal(preview.code, 0, preview.stderr);
  const answer = JSON.parse(preview.stdout) as {
    available: boolean;
    candles: number;
    firingCount: number;
    firings: { firedAtMs: number }[];
    latestMessage: string;
  };
  assert.equal(answer.available, true);
  assert.equal(answer.candles, 120);
  assert.equal(answer.firingCount, 2);
  assert.deepEqual(
    answer.firings.map((firing) => firing.firedAtMs),
    // A firing is timed when its candle closes.
    [START_MS + 31 * 60_000, START_MS + 91 * 60_000],
  );
  assert.match(answer.latestMessage, /crossed above 105 \(now 110\)/);

  const text = await runRunecast(['alerts', 'preview', '--user', USER, ...flags], env);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /binance:TEST\/USDT:1m: 2 firings over 120 candles/);
  assert.match(text.stdout, /latest message: preview: binance:TEST\/USDT:1m crossed above 105/);

  // Preview of a stored rule.
  const added = await runRunecast(
    [
      'alerts',
      'add',
      '--user',
      USER,
      '--name',
      'TEST up',
      '--series',
      'binance:TEST/USDT:1m',
      '--above',
      '105',
      '--cooldown',
      '0',
      '--json',
    ],
    env,
  );
  assert.equal(added.code, 0, added.stderr);
  const ruleId = (JSON.parse(added.stdout) as { id: string }).id;
  const stored = await runRunecast(
    ['alerts', 'preview', '--user', USER, '--rule', ruleId, '--until', until, '--json'],
    env,
  );
  assert.equal(stored.code, 0, stored.stderr);
  assert.equal((JSON.parse(stored.stdout) as { firingCount: number }).firingCount, 2);

  // Modes: --set changes the kinds named, the others keep theirs.
  const channel = await runRunecast(
    [
      'alerts',
      'add-channel',
      '--user',
      USER,
      '--kind',
      'webhook',
      '--name',
      'desk',
      '--url',
      'http://127.0.0.1:9/hook',
      '--json',
    ],
    env,
  );
  assert.equal(channel.code, 0, channel.stderr);
  const channelId = (JSON.parse(channel.stdout) as { id: string }).id;
  const first = await runRunecast(
    [
      'alerts',
      'modes',
      channelId,
      '--user',
      USER,
      '--set',
      'stale=silent',
      '--set',
      'job-failed=off',
      '--json',
    ],
    env,
  );
  assert.equal(first.code, 0, first.stderr);
  const second = await runRunecast(['alerts', 'modes', channelId, '--user', USER, '--set', 'move=off'], env);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /stale\s+silent/);
  assert.match(second.stdout, /job-failed\s+off/);
  assert.match(second.stdout, /move\s+off/);
  assert.match(second.stdout, /price-cross\s+on/);

  const digest = await runRunecast(
    [
      'alerts',
      'digest',
      channelId,
      '--user',
      USER,
      '--at',
      '08:00',
      '--time-zone',
      'Europe/Berlin',
      '--json',
    ],
    env,
  );
  assert.equal(digest.code, 0, digest.stderr);
  assert.deepEqual((JSON.parse(digest.stdout) as { digest: unknown }).digest, {
    at: '08:00',
    timeZone: 'Europe/Berlin',
  });
  // All but the last are refused before the store is opened, so they run side by side.
  const refusals: [string[], RegExp][] = [
    [
      ['alerts', 'modes', channelId, '--user', USER, '--set', 'stale=loud'],
      /--set stale: "loud" must be one of on, silent, off/,
    ],
    [
      ['alerts', 'modes', channelId, '--user', USER, '--set', 'sentiment=off'],
      /--set: "sentiment=off" is not kind=mode/,
    ],
    [['alerts', 'modes', channelId, '--user', USER, '--loud'], /unknown option '--loud'/],
    [['alerts', 'preview', '--user', USER, '--rule', 'x'], /--rule: "x" is not a rule id/],
    [
      ['alerts', 'preview', '--user', USER, ...flags.slice(0, 6), '--until', 'yesterday'],
      /--until: "yesterday" is not an ISO time/,
    ],
    [['alerts', 'digest', channelId, '--user', USER, '--at', '25:00'], /--at: must be HH:MM/],
    [['alerts', 'preview', '--user', USER, '--above', '105'], /a preview needs one series/],
  ];
  const results = await Promise.all(refusals.map(([args]) => runRunecast(args, env)));
  refusals.forEach(([args, message], index) => {
    const result = results[index]!;
    assert.equal(result.code, 2, `${args.join(' ')} → ${result.code}: ${result.stderr}`);
    assert.match(result.stderr, message, `${args.join(' ')} → ${result.stderr}`);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  });

  // The refused calls changed nothing.
  const listed = await runRunecast(['alerts', 'list', '--user', USER, '--json'], env);
  const channels = (
    JSON.parse(listed.stdout) as { channels: { eventModes: Record<string, string>; digest: unknown }[] }
  ).channels;
  assert.equal(channels[0]!.eventModes.stale, 'silent');
  assert.deepEqual(channels[0]!.digest, { at: '08:00', timeZone: 'Europe/Berlin' });
});
