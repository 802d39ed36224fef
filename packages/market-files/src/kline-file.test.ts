import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  KlineFileError,
  parseKlineBuffer,
  parseKlineText,
  readKlineFile,
  toKlineColumns,
  type KlineRow,
} from './index.ts';

const MINUTE_MS = 60_000;
const START_MS = Date.UTC(2024, 1, 3, 10, 0);

/** A small made-up random walk: deterministic, valid candles. */
function makeRows(count: number, startMs = START_MS): KlineRow[] {
  const rows: KlineRow[] = [];
  let price = 1234.5;
  for (let index = 0; index < count; index += 1) {
    const open = price;
    const close = Math.round((open + ((index * 37) % 11) - 5) * 100) / 100;
    const high = Math.max(open, close) + 1.25;
    const low = Math.min(open, close) - 0.75;
    rows.push({
      openTimeMs: startMs + index * MINUTE_MS,
      open,
      high,
      low,
      close,
      volume: 10 + index * 0.125,
      quoteVolume: 12000 + index,
      tradeCount: 40 + index,
    });
    price = close;
  }
  return rows;
}

function csvLine(row: KlineRow, timeScale = 1): string {
  return [
    row.openTimeMs * timeScale,
    row.open,
    row.high,
    row.low,
    row.close,
    row.volume,
    (row.openTimeMs + MINUTE_MS - 1) * timeScale,
    row.quoteVolume,
    row.tradeCount,
    row.volume / 2,
    (row.quoteVolume ?? 0) / 2,
    0,
  ].join(',');
}

const HEADER =
  'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore';

describe('Binance kline CSV', () => {
  test('reads a file with a header row and millisecond times', () => {
    const rows = makeRows(5);
    const result = parseKlineText([HEADER, ...rows.map((row) => csvLine(row))].join('\n') + '\n');
    assert.equal(result.format, 'binance-csv');
    assert.equal(result.hasHeader, true);
    assert.deepEqual(result.rows, rows);
    assert.deepEqual(result.rowLines, [2, 3, 4, 5, 6]);
    assert.deepEqual(result.errors, []);
    assert.deepEqual(result.sequenceIssues, []);
  });

  test('reads a file without header whose times are microseconds, with CRLF and a BOM', () => {
    const rows = makeRows(4);
    const text = '\ufeff' + rows.map((row) => csvLine(row, 1000)).join('\r\n') + '\r\n\r\n';
    const result = parseKlineText(text, { format: 'binance-csv' });
    assert.equal(result.hasHeader, false);
    assert.deepEqual(result.rows, rows);
    assert.deepEqual(result.rowLines, [1, 2, 3, 4]);
  });

  test('reports each bad row with its line number and keeps the good ones', () => {
    const rows = makeRows(10);
    const lines = [HEADER, ...rows.map((row) => csvLine(row))];
    const broken = (row: KlineRow, change: (fields: string[]) => void): string => {
      const fields = csvLine(row).split(',');
      change(fields);
      return fields.join(',');
    };
    const [, first, second, third, fourth, fifth, sixth, seventh, eighth] = rows as [KlineRow, ...KlineRow[]];
    lines[2] = broken(first!, (fields) => (fields[2] = 'abc')); // line 3: high not a number
    lines[3] = broken(second!, (fields) => (fields[3] = String(second!.high + 5))); // line 4: low above high
    lines[4] = broken(third!, (fields) => (fields[5] = '-2')); // line 5: negative volume
    lines[5] = broken(fourth!, (fields) => (fields[1] = String(fourth!.high + 1))); // line 6: open above high
    lines[6] = '1,2,3'; // line 7: too few columns
    lines[7] = broken(sixth!, (fields) => (fields[4] = '0')); // line 8: zero close and low
    lines[8] = broken(seventh!, (fields) => (fields[0] = String(seventh!.openTimeMs / 1000))); // seconds
    lines[9] = broken(eighth!, (fields) => (fields[1] = '')); // line 10: empty open
    void fifth;
    const result = parseKlineText(lines.join('\n'));
    assert.deepEqual(
      result.errors.map((error) => error.line),
      [3, 4, 5, 6, 7, 8, 9, 10],
    );
    assert.match(result.errors[0]!.message, /high "abc" is not a number/);
    assert.match(result.errors[1]!.message, /below low/);
    assert.match(result.errors[2]!.message, /volume is negative/);
    assert.match(result.errors[3]!.message, /open .* outside/);
    assert.match(result.errors[4]!.message, /expected 12 columns, found 3/);
    assert.match(result.errors[5]!.message, /positive/);
    assert.match(result.errors[6]!.message, /seconds/);
    assert.match(result.errors[7]!.message, /open "" is not a number/);
    assert.deepEqual(
      result.rows.map((row) => row.openTimeMs),
      [rows[0]!.openTimeMs, rows[9]!.openTimeMs],
    );
  });

  test('reports repeated and backward times apart from bad rows', () => {
    const [first, second, third] = makeRows(3) as [KlineRow, KlineRow, KlineRow];
    const changedSecond = { ...second, close: second.low };
    const text = [first, second, second, changedSecond, third, first].map((row) => csvLine(row)).join('\n');
    const result = parseKlineText(text);
    assert.deepEqual(result.errors, []);
    assert.equal(result.rows.length, 6);
    assert.deepEqual(result.sequenceIssues, [
      { line: 3, openTimeMs: second.openTimeMs, kind: 'duplicate', identical: true },
      { line: 4, openTimeMs: second.openTimeMs, kind: 'duplicate', identical: false },
      { line: 6, openTimeMs: first.openTimeMs, kind: 'duplicate', identical: true },
    ]);
    const backwards = parseKlineText([third, first].map((row) => csvLine(row)).join('\n'));
    assert.deepEqual(backwards.sequenceIssues, [
      { line: 2, openTimeMs: first.openTimeMs, kind: 'out-of-order', identical: false },
    ]);
  });
});

describe('freqtrade JSON', () => {
  test('reads numbers and numeric strings; quote volume and trade count are null', () => {
    const rows = makeRows(3);
    const document = rows.map((row, index) => {
      const values = [row.openTimeMs, row.open, row.high, row.low, row.close, row.volume];
      return index === 1 ? values.map(String) : values;
    });
    const result = parseKlineText(JSON.stringify(document));
    assert.equal(result.format, 'freqtrade-json');
    assert.deepEqual(
      result.rows,
      rows.map((row) => ({ ...row, quoteVolume: null, tradeCount: null })),
    );
    assert.deepEqual(result.rowLines, [1, 2, 3]);
  });

  test('reports bad elements by their 1-based position', () => {
    const [first, second] = makeRows(2) as [KlineRow, KlineRow];
    const document = [
      [first.openTimeMs, first.open, first.high, first.low, first.close, first.volume],
      [second.openTimeMs, 'NaN', second.high, second.low, second.close, second.volume],
      { time: 1 },
      [second.openTimeMs, second.open, second.low - 1, second.low, second.close, second.volume],
      [second.openTimeMs, second.open, second.high, second.low, second.close, null],
    ];
    const result = parseKlineText(JSON.stringify(document));
    assert.equal(result.rows.length, 1);
    assert.deepEqual(
      result.errors.map((error) => error.line),
      [2, 3, 4, 5],
    );
    assert.match(result.errors[0]!.message, /row 2: open "NaN" is not a number/);
    assert.match(result.errors[1]!.message, /row 3: expected an array/);
    assert.match(result.errors[2]!.message, /row 4: .*below low|row 4: open .* outside/);
    assert.match(result.errors[3]!.message, /row 5: volume null is not a number/);
  });

  test('throws a clear error for JSON that is not a list of rows', () => {
    assert.throws(
      () => parseKlineText('[1, 2'),
      (error: unknown) => {
        return error instanceof KlineFileError && /not valid JSON/.test(error.message);
      },
    );
    assert.throws(() => parseKlineText('"text"'), KlineFileError);
    assert.throws(() => parseKlineText('{"a": 1}'), /unknown kline file format/);
  });
});

describe('whole files', () => {
  const folder = mkdtemp(join(tmpdir(), 'runecast-kline-file-'));
  after(async () => rm(await folder, { recursive: true, force: true }));

  test('gzip is recognised by its magic bytes, whatever the name', async () => {
    const rows = makeRows(3);
    const json = JSON.stringify(
      rows.map((row) => [row.openTimeMs, row.open, row.high, row.low, row.close, row.volume]),
    );
    const compressed = parseKlineBuffer(gzipSync(json));
    assert.equal(compressed.compressed, true);
    assert.equal(compressed.rows.length, 3);
    const plain = parseKlineBuffer(Buffer.from(json));
    assert.equal(plain.compressed, false);
    const path = join(await folder, 'misnamed.csv');
    await writeFile(path, gzipSync(rows.map((row) => csvLine(row)).join('\n')));
    const fromFile = await readKlineFile(path);
    assert.equal(fromFile.format, 'binance-csv');
    assert.deepEqual(fromFile.rows, rows);
  });

  test('unreadable or unknown files throw KlineFileError naming the file', async () => {
    const missing = join(await folder, 'missing.json');
    await assert.rejects(readKlineFile(missing), (error: unknown) => {
      return (
        error instanceof KlineFileError &&
        error.message.includes(missing) &&
        /cannot read/.test(error.message)
      );
    });
    const brokenGzip = join(await folder, 'broken.json.gz');
    await writeFile(brokenGzip, Buffer.from([0x1f, 0x8b, 1, 2, 3, 4, 5]));
    await assert.rejects(readKlineFile(brokenGzip), /not a valid gzip file/);
    const empty = join(await folder, 'empty.csv');
    await writeFile(empty, '\n\n');
    await assert.rejects(readKlineFile(empty), /file is empty/);
    const prose = join(await folder, 'notes.csv');
    await writeFile(prose, 'these are not candles\n');
    await assert.rejects(readKlineFile(prose), /unknown kline file format/);
  });

  test('a format that does not match the content is refused', () => {
    const text = JSON.stringify([[START_MS, 1, 2, 0.5, 1.5, 3]]);
    assert.throws(() => parseKlineText(text, { format: 'binance-csv' }), /looks like freqtrade-json/);
    assert.throws(
      () => parseKlineText(csvLine(makeRows(1)[0]!), { format: 'freqtrade-json' }),
      /looks like binance-csv/,
    );
  });
});

test('columns view holds the same values as the rows', () => {
  const rows = makeRows(4);
  const columns = toKlineColumns(rows);
  assert.deepEqual(
    Array.from(columns.close),
    rows.map((row) => row.close),
  );
  assert.equal(columns.openTimeMs[3], rows[3]!.openTimeMs);
});
