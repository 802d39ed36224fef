import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import pino from 'pino';
import { addLogDestination, createLogger, serializeErrorWithoutValues } from './logger.ts';

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
