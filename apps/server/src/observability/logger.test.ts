import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import pino from 'pino';
import { addLogDestination, createLogger, formatLogLine, serializeErrorWithoutValues } from './logger.ts';

test('a logged error never carries the values of the query that failed, nor do its causes', () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const logger = pino({ serializers: { err: serializeErrorWithoutValues } }, sink);
  const failure = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), {
    query: 'INSERT INTO users (email, password_hash) VALUES ($1, $2)',
    params: ['someone@example.com', '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA'],
    queryOptions: { blob: 'copy data' },
    cause: Object.assign(new Error('inner'), { parameters: ['secret-token'] }),
  });
  logger.error({ err: failure }, 'request failed');
  const line = lines.join('');
  assert.match(line, /invalid byte sequence/);
  assert.match(line, /INSERT INTO users/, 'the statement itself is kept: it helps and holds no values');
  for (const value of ['someone@example.com', '$argon2id$', 'copy data', 'secret-token'])
    assert.ok(!line.includes(value), `${value} was logged: ${line}`);
});

const ESCAPE = String.fromCharCode(27);

/** Collects what is written, as a terminal (`isTTY`) or as a pipe. */
function sinkOf(lines: string[], isTTY: boolean): Writable & { isTTY: boolean } {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(
        ...chunk
          .toString()
          .split('\n')
          .filter((line) => line !== ''),
      );
      done();
    },
  });
  return Object.assign(sink, { isTTY });
}

/** The keys of a JSON object's top level, in order and with repeats, read from its text. */
function topLevelKeys(text: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let index = 0;
  let expectKey = false;
  while (index < text.length) {
    const character = text[index]!;
    if (character === '"') {
      let end = index + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) keys.push(JSON.parse(text.slice(index, end + 1)) as string);
      expectKey = false;
      index = end + 1;
      continue;
    }
    if (character === '{' || character === '[') depth += 1;
    if (character === '}' || character === ']') depth -= 1;
    expectKey = depth === 1 && (character === '{' || character === ',');
    index += 1;
  }
  return keys;
}

test('JSON log lines name their component once, also from children of children', async () => {
  const lines: string[] = [];
  const logger = createLogger('info', { format: 'json', destination: sinkOf(lines, false) });
  logger.info('root line');
  const http = logger.child({ component: 'http' });
  http.info({ route: '/x' }, 'http line');
  http.child({ reqId: 'r1' }).info('request line');
  http.child({ component: 'ingest', series: 'binance:BTC/USDT:1m' }).info('nested line');
  logger.child({ note: '"component":"fake"' }).info('a value that looks like a key');
  logger.flush();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(lines.length, 5, lines.join('\n'));
  for (const line of lines) {
    const keys = topLevelKeys(line);
    assert.deepEqual(keys, [...new Set(keys)], `a key repeats in ${line}`);
  }
  const parsed = lines.map((line) => JSON.parse(line) as { component: string; msg: string; note?: string });
  assert.deepEqual(
    parsed.map((entry) => entry.component),
    ['runecast', 'http', 'http', 'ingest', 'runecast'],
  );
  assert.equal(parsed[4]!.note, '"component":"fake"');
});

test('on a terminal the lines are readable text; extra destinations still get JSON', async () => {
  const lines: string[] = [];
  const table: string[] = [];
  const logger = createLogger('info', { destination: sinkOf(lines, true) });
  addLogDestination(logger, sinkOf(table, false) as unknown as pino.DestinationStream);
  logger.child({ component: 'jobs' }).warn({ jobId: 'j1', kind: 'train' }, 'train job failed');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(lines.length, 1);
  const plain = lines[0]!
    .split(ESCAPE)
    .map((part, index) => (index === 0 ? part : part.replace(/^\[\d+m/, '')))
    .join('');
  assert.match(plain, /^\d\d:\d\d:\d\d\.\d{3} WARN {2}\[jobs\] train job failed jobId=j1 kind=train$/);
  assert.throws(() => JSON.parse(lines[0]!));
  assert.equal((JSON.parse(table[0]!) as { component: string }).component, 'jobs');
});

test('auto is JSON when the destination is not a terminal, pretty when asked', () => {
  const json: string[] = [];
  createLogger('info', { destination: sinkOf(json, false) }).info('x');
  const pretty: string[] = [];
  createLogger('info', { format: 'pretty', destination: sinkOf(pretty, false) }).info({ n: 1 }, 'y');
  return new Promise<void>((resolve) =>
    setImmediate(() => {
      assert.equal((JSON.parse(json[0]!) as { msg: string }).msg, 'x');
      assert.match(pretty[0]!, /INFO {2}\[runecast\] y n=1$/);
      assert.ok(!pretty[0]!.includes(ESCAPE), 'no colours when the destination is no terminal');
      assert.match(formatLogLine('not json', false), /^not json\n$/);
      resolve();
    }),
  );
});

test('a destination added to a logger of createLogger receives its lines, and its children’s', () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger('silent');
  logger.level = 'info';
  assert.equal(addLogDestination(logger, sink), true);
  logger.info('to the extra destination');
  logger.child({ part: 'child' }).warn('from a child');
  logger.debug('below the destination level');
  assert.deepEqual(
    lines.map((line) => (JSON.parse(line) as { msg: string }).msg),
    ['to the extra destination', 'from a child'],
  );
  assert.equal(
    addLogDestination(pino({ level: 'silent' }, sink), sink),
    false,
    'not a logger of createLogger',
  );
});
