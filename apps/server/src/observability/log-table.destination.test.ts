import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import type { LogEntryRecord, LogQuery, LogRepository, NewLogEntry } from '../store/log.repository.ts';
import { createLogTableDestination, parseLogLine } from './log-table.destination.ts';

/** The LogRepository port kept in memory, with a switch that makes writes fail. */
class InMemoryLogRepository implements LogRepository {
  entries: NewLogEntry[] = [];
  failing = false;
  deletedBefore: number[] = [];

  async insertEntries(entries: readonly NewLogEntry[]): Promise<number> {
    if (this.failing) throw new Error('store unavailable');
    this.entries.push(...entries);
    return entries.length;
  }

  async queryEntries(_query: LogQuery): Promise<LogEntryRecord[]> {
    return [];
  }

  async deleteOlderThan(timeMs: number): Promise<number> {
    this.deletedBefore.push(timeMs);
    return 0;
  }
}

test('pino lines become rows: component, message, level and the rest as data', () => {
  const entry = parseLogLine(
    JSON.stringify({
      level: 40,
      time: 1_700_000_000_123,
      pid: 1,
      hostname: 'h',
      component: 'ingest',
      msg: 'gap',
      series: 'x',
    }),
    'runecast',
    0,
  );
  assert.deepEqual(entry, {
    timeMs: 1_700_000_000_123,
    level: 40,
    component: 'ingest',
    message: 'gap',
    data: { series: 'x' },
  });
  assert.equal(parseLogLine('[1,2]', 'runecast', 0), null);
  assert.equal(parseLogLine('{oops', 'runecast', 0), null);
});

test('a pino logger writes through the destination in batches', async () => {
  const repository = new InMemoryLogRepository();
  const destination = createLogTableDestination(repository, { maxBatch: 3, flushIntervalMs: 60_000 });
  const logger = pino({ level: 'debug', base: { component: 'http' } }, destination);
  for (let index = 0; index < 7; index += 1) logger.info({ index }, `line ${index}`);
  logger.debug('last');
  await destination.flush();
  assert.equal(repository.entries.length, 8);
  assert.deepEqual(
    repository.entries.map((entry) => entry.message),
    ['line 0', 'line 1', 'line 2', 'line 3', 'line 4', 'line 5', 'line 6', 'last'],
  );
  assert.equal(repository.entries[0]!.component, 'http');
  assert.deepEqual(repository.entries[2]!.data, { index: 2 });
  assert.equal(repository.deletedBefore.length, 1, 'old entries are pruned now and then');
  await destination.close();
});

test('while the store fails, lines wait (up to a bound) and are written later', async () => {
  const repository = new InMemoryLogRepository();
  const errors: unknown[] = [];
  const destination = createLogTableDestination(repository, {
    maxBatch: 100,
    maxBuffered: 5,
    flushIntervalMs: 60_000,
    onError: (error) => errors.push(error),
  });
  repository.failing = true;
  for (let index = 0; index < 8; index += 1)
    destination.write(`${JSON.stringify({ level: 30, msg: `m${index}` })}\n`);
  await destination.flush();
  assert.equal(errors.length, 1);
  assert.equal(repository.entries.length, 0);
  repository.failing = false;
  await destination.close();
  assert.deepEqual(
    repository.entries.map((entry) => entry.message),
    ['m3', 'm4', 'm5', 'm6', 'm7'],
  );
  assert.deepEqual(destination.stats(), { written: 5, dropped: 3, failedBatches: 1 });
  destination.write('{"msg":"after close"}\n');
  assert.equal(repository.entries.length, 5);
});
