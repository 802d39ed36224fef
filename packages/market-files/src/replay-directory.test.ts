import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { KlineFileError, mergeKlineRows, scanReplayDirectory, type KlineRow } from './index.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const START_MS = Date.UTC(2022, 10, 7, 0, 0);

function makeRows(count: number, startMs: number, stepMs: number, seed: number): KlineRow[] {
  return Array.from({ length: count }, (_, index) => {
    const open = 50 + ((index * 7 + seed) % 13) / 4;
    const close = 50 + ((index * 5 + seed) % 11) / 4;
    return {
      openTimeMs: startMs + index * stepMs,
      open,
      high: Math.max(open, close) + 0.5,
      low: Math.min(open, close) - 0.5,
      close,
      volume: 100 + index,
      quoteVolume: null,
      tradeCount: null,
    };
  });
}

const asJson = (rows: KlineRow[]): string =>
  JSON.stringify(rows.map((row) => [row.openTimeMs, row.open, row.high, row.low, row.close, row.volume]));

const asCsv = (rows: KlineRow[]): string =>
  rows
    .map((row) =>
      [
        row.openTimeMs,
        row.open,
        row.high,
        row.low,
        row.close,
        row.volume,
        row.openTimeMs + MINUTE_MS - 1,
        row.volume * 50,
        7,
        0,
        0,
        0,
      ].join(','),
    )
    .join('\n');

describe('scanReplayDirectory', () => {
  let folder = '';
  const minuteRows = makeRows(300, START_MS, MINUTE_MS, 1);
  const hourRows = makeRows(48, START_MS, HOUR_MS, 2);

  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'runecast-replay-'));
    await mkdir(join(folder, 'first', 'deeper'), { recursive: true });
    await mkdir(join(folder, 'second'), { recursive: true });
    // Two overlapping freqtrade files of the same series: 0..199 and 150..299.
    await writeFile(join(folder, 'first', 'SOL_EUR-1m.json.gz'), gzipSync(asJson(minuteRows.slice(0, 200))));
    const later = minuteRows.slice(150).map((row) => ({ ...row }));
    // A partial version of minute 150 (smaller volume) must lose against the full one.
    later[0] = { ...later[0]!, volume: 1, close: later[0]!.open, high: later[0]!.open, low: later[0]!.open };
    await writeFile(join(folder, 'first', 'deeper', 'SOL_EUR-1m.json'), asJson(later));
    // The same series in Binance's CSV naming, with one row off the minute grid.
    const csvRows = minuteRows.slice(290).map((row) => ({ ...row }));
    csvRows.push({ ...minuteRows[299]!, openTimeMs: minuteRows[299]!.openTimeMs + 30_000 });
    await writeFile(join(folder, 'second', 'SOLEUR-1m-2022-11.csv'), asCsv(csvRows));
    await writeFile(join(folder, 'second', 'SOL_EUR-1h.json'), asJson(hourRows));
    await writeFile(join(folder, 'second', 'notes.txt'), 'not data');
    await writeFile(join(folder, 'second', 'SOL_EUR-trades.json'), '[]');
  });

  after(async () => rm(folder, { recursive: true, force: true }));

  test('groups files by symbol and timeframe from their names, reading nothing yet', async () => {
    const directory = await scanReplayDirectory(folder);
    assert.deepEqual(
      directory.series.map((series) => `${series.symbol} ${series.timeframe} ${series.files.length}`),
      ['SOL/EUR 1m 3', 'SOL/EUR 1h 1'],
    );
    assert.deepEqual(directory.ignoredFiles.sort(), [
      join('second', 'SOL_EUR-trades.json'),
      join('second', 'notes.txt'),
    ]);
    assert.equal(directory.find('SOL/EUR', '1h')?.timeframeMs, HOUR_MS);
    assert.equal(directory.find('SOL/EUR', '5m'), undefined);
  });

  test('merges overlapping files into one sorted row per time', async () => {
    const directory = await scanReplayDirectory(folder);
    const series = directory.find('SOL/EUR', '1m')!;
    const loaded = await series.load();
    assert.equal(await series.load(), loaded, 'a second load shares the first result');
    // The CSV's rows carry quote volume and trade count, so they are the ones kept.
    const expected = minuteRows.map((row, index) =>
      index >= 290 ? { ...row, quoteVolume: row.volume * 50, tradeCount: 7 } : row,
    );
    assert.deepEqual(loaded.rows, expected);
    assert.deepEqual(
      Array.from(loaded.openTimesMs),
      minuteRows.map((row) => row.openTimeMs),
    );
    assert.equal(loaded.duplicateCount, 50 + 10);
    assert.equal(loaded.conflictCount, 1);
    const csvReport = loaded.files.find((file) => file.relativePath.endsWith('.csv'))!;
    assert.equal(csvReport.rowCount, 10);
    assert.deepEqual(
      csvReport.errors.map((error) => error.line),
      [11],
    );
    assert.match(csvReport.errors[0]!.message, /not on the 1m grid/);
    const hours = await directory.find('SOL/EUR', '1h')!.load();
    assert.deepEqual(hours.rows, hourRows);
  });

  test('a missing folder is a clear error', async () => {
    await assert.rejects(scanReplayDirectory(join(folder, 'nope')), KlineFileError);
  });
});

test('mergeKlineRows keeps the fuller candle of two differing versions', () => {
  const [row] = makeRows(1, START_MS, MINUTE_MS, 3) as [KlineRow];
  const partial = { ...row, volume: row.volume / 2 };
  assert.deepEqual(mergeKlineRows([[partial], [row]]), { rows: [row], duplicateCount: 1, conflictCount: 1 });
  assert.deepEqual(mergeKlineRows([[row], [partial]]), { rows: [row], duplicateCount: 1, conflictCount: 1 });
  assert.deepEqual(mergeKlineRows([[row], [row]]), { rows: [row], duplicateCount: 1, conflictCount: 0 });
  const detailed = { ...row, quoteVolume: 9, tradeCount: 3 };
  assert.deepEqual(mergeKlineRows([[row], [detailed]]), {
    rows: [detailed],
    duplicateCount: 1,
    conflictCount: 0,
  });
});
