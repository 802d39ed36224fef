import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { runRunecast } from './support/cli.ts';

const HOUR_MS = 3_600_000;
const START_MS = Date.UTC(2024, 0, 1);

/** A made-up but well-formed 1m series: price walks up and down by a few units. */
function minuteRows(count: number): number[][] {
  const rows: number[][] = [];
  let price = 100;
  for (let index = 0; index < count; index += 1) {
    const open = price;
    const close = price + (index % 7 === 0 ? -1.5 : 0.75);
    const high = Math.max(open, close) + 0.25;
    const low = Math.min(open, close) - 0.5;
    rows.push([START_MS + index * 60_000, open, high, low, close, 10 + (index % 5)]);
    price = close;
  }
  return rows;
}

describe('runecast import / export / coverage', () => {
  let folder: string;
  let environment: NodeJS.ProcessEnv;

  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'runecast-cli-'));
    environment = { RUNECAST_HOME: join(folder, 'home') };
  });
  after(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  test('imports a gzip freqtrade file, reports coverage and exports a derived 1h series', async () => {
    const rows = minuteRows(180);
    rows.splice(100, 5); // five minutes without trades inside the file's span
    const file = join(folder, 'TEST_USDT-1m.json.gz');
    await writeFile(file, gzipSync(JSON.stringify(rows)));
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
      environment,
    );
    assert.equal(imported.code, 0, imported.stderr);
    assert.equal(JSON.parse(imported.stdout).rowsImported, 175);

    const again = await runRunecast(
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
      environment,
    );
    assert.equal(JSON.parse(again.stdout).rowsWritten, 0, 'a second import changes nothing');

    const coverage = await runRunecast(['coverage', '--json'], environment);
    assert.equal(coverage.code, 0, coverage.stderr);
    const [series] = JSON.parse(coverage.stdout);
    assert.equal(series.series, 'binance:TEST/USDT:1m');
    assert.equal(series.candles, 175);
    assert.deepEqual(
      series.ranges.map((range: { state: string; startMs: number; endMs: number }) => [
        range.state,
        range.startMs,
        range.endMs,
      ]),
      [
        ['complete', START_MS, START_MS + 100 * 60_000],
        ['empty', START_MS + 100 * 60_000, START_MS + 105 * 60_000],
        ['complete', START_MS + 105 * 60_000, START_MS + 180 * 60_000],
      ],
    );

    const exported = await runRunecast(
      [
        'export',
        '--series',
        'binance:TEST/USDT:1h',
        '--from',
        '2024-01-01',
        '--to',
        '2024-01-01T03:00Z',
        '--format',
        'json',
      ],
      environment,
    );
    assert.equal(exported.code, 0, exported.stderr);
    const hours = JSON.parse(exported.stdout) as number[][];
    assert.equal(hours.length, 3);
    const firstHour = rows.filter((row) => row[0]! < START_MS + HOUR_MS);
    assert.deepEqual(hours[0], [
      START_MS,
      firstHour[0]![1],
      Math.max(...firstHour.map((row) => row[2]!)),
      Math.min(...firstHour.map((row) => row[3]!)),
      firstHour.at(-1)![4],
      firstHour.reduce((sum, row) => sum + row[5]!, 0),
    ]);
  });

  test('a file with bad rows is reported by line and nothing is stored; --skip-bad stores the rest', async () => {
    const home = { RUNECAST_HOME: join(folder, 'home-bad') };
    const header =
      'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore';
    const line = (timeMs: number, open: string, high: string, low: string, close: string, volume: string) =>
      `${timeMs},${open},${high},${low},${close},${volume},${timeMs + 59_999},100,5,1,1,0`;
    const csv = [
      header,
      line(START_MS, '10', '11', '9', '10.5', '3'),
      line(START_MS + 60_000, 'NaN', '11', '9', '10', '3'),
      line(START_MS + 120_000, '10', '8', '9', '10', '3'),
      line(START_MS + 180_000, '10', '11', '9', '10', '-3'),
      line(START_MS + 240_030, '10', '11', '9', '10', '3'),
      line(START_MS + 300_000, '10', '11', '9', '10', '3'),
    ].join('\n');
    const file = join(folder, 'BADUSDT-1m-2024-01.csv');
    await writeFile(file, csv);
    const args = [
      'import',
      '--file',
      file,
      '--exchange',
      'binance',
      '--symbol',
      'BAD/USDT',
      '--timeframe',
      '1m',
    ];
    const refused = await runRunecast(args, home);
    assert.equal(refused.code, 2);
    for (const lineNumber of [3, 4, 5, 6]) assert.match(refused.stderr, new RegExp(`line ${lineNumber}:`));
    assert.match(refused.stderr, /nothing was imported/);
    const empty = await runRunecast(['coverage', '--json'], home);
    assert.deepEqual(JSON.parse(empty.stdout), []);

    const skipped = await runRunecast([...args, '--skip-bad', '--json'], home);
    assert.equal(skipped.code, 0, skipped.stderr);
    assert.equal(JSON.parse(skipped.stdout).rowsImported, 2);
    // The rejected rows' minutes were in the file but not proven: missing (fetched again), never empty.
    const coverage = await runRunecast(['coverage', '--json'], home);
    const [series] = JSON.parse(coverage.stdout);
    assert.deepEqual(
      series.ranges.map((range: { state: string; startMs: number; endMs: number }) => [
        range.state,
        range.startMs,
        range.endMs,
      ]),
      [
        ['complete', START_MS, START_MS + 60_000],
        ['missing', START_MS + 60_000, START_MS + 300_000],
        ['complete', START_MS + 300_000, START_MS + 360_000],
      ],
    );
  });

  test('--skip-bad keeps the empty minutes the file proves and leaves the slots around a bad row missing', async () => {
    const home = { RUNECAST_HOME: join(folder, 'home-skip-gaps') };
    const rows: unknown[] = minuteRows(10);
    rows.splice(2, 1); // minute 2: no trades, the file proves it empty
    rows[5] = [START_MS + 6 * 60_000, 'x', 1, 1, 1, 1]; // minute 6 is a bad row
    const file = join(folder, 'SKIP_USDT-1m.json');
    await writeFile(file, JSON.stringify(rows));
    const args = [
      'import',
      '--file',
      file,
      '--exchange',
      'binance',
      '--symbol',
      'SKIP/USDT',
      '--timeframe',
      '1m',
    ];
    const imported = await runRunecast([...args, '--skip-bad', '--json'], home);
    assert.equal(imported.code, 0, imported.stderr);
    const coverage = await runRunecast(['coverage', '--json'], home);
    const [series] = JSON.parse(coverage.stdout);
    assert.deepEqual(
      series.ranges.map((range: { state: string; startMs: number; endMs: number }) => [
        range.state,
        (range.startMs - START_MS) / 60_000,
        (range.endMs - START_MS) / 60_000,
      ]),
      [
        ['complete', 0, 2],
        ['empty', 2, 3],
        ['complete', 3, 6],
        ['missing', 6, 7],
        ['complete', 7, 10],
      ],
    );
  });

  test('a file spaced wider than --timeframe is refused and nothing is stored', async () => {
    const home = { RUNECAST_HOME: join(folder, 'home-spacing') };
    // 5m candles with one gap, given as 1m.
    const rows = minuteRows(40)
      .filter((_, index) => index % 5 === 0 && index !== 20)
      .map((row) => row);
    const file = join(folder, 'WIDE_USDT-5m.json');
    await writeFile(file, JSON.stringify(rows));
    const args = ['import', '--file', file, '--exchange', 'binance', '--symbol', 'WIDE/USDT'];
    const refused = await runRunecast([...args, '--timeframe', '1m'], home);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /at least 5 minutes apart, wider than --timeframe 1m; nothing was imported/);
    assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
    const none = await runRunecast(['coverage', '--json'], home);
    assert.deepEqual(JSON.parse(none.stdout), []);

    const accepted = await runRunecast([...args, '--timeframe', '5m', '--json'], home);
    assert.equal(accepted.code, 0, accepted.stderr);
    assert.equal(JSON.parse(accepted.stdout).rowsImported, 7);
  });

  test('an unreadable file (truncated gzip, empty) prints one clear line and exits non-zero', async () => {
    const home = { RUNECAST_HOME: join(folder, 'home-unreadable') };
    const whole = gzipSync(JSON.stringify(minuteRows(500)));
    const truncated = join(folder, 'TRUNC_USDT-1m.json.gz');
    await writeFile(truncated, whole.subarray(0, Math.floor(whole.length / 2)));
    const empty = join(folder, 'EMPTY_USDT-1m.csv');
    await writeFile(empty, '');
    for (const [file, problem] of [
      [truncated, /not a valid gzip file/],
      [empty, /file is empty/],
    ] as const) {
      const result = await runRunecast(
        ['import', '--file', file, '--exchange', 'binance', '--symbol', 'X/USDT', '--timeframe', '1m'],
        home,
      );
      assert.notEqual(result.code, 0);
      const lines = result.stderr.trim().split('\n');
      assert.equal(lines.length, 1, result.stderr);
      assert.match(lines[0]!, problem);
      assert.ok(lines[0]!.includes(file), 'the line names the file');
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    }
  });

  test('bad flags get a clear message and exit code 2', async () => {
    const cases: [string[], RegExp][] = [
      [
        [
          'import',
          '--file',
          '/nonexistent.csv',
          '--exchange',
          'binance',
          '--symbol',
          'BTC/USDT',
          '--timeframe',
          '1m',
        ],
        /does not exist/,
      ],
      [
        [
          'import',
          '--file',
          '/etc/hostname',
          '--exchange',
          'binance',
          '--symbol',
          'BTCUSDT',
          '--timeframe',
          '1m',
        ],
        /BASE\/QUOTE/,
      ],
      [
        [
          'import',
          '--file',
          '/etc/hostname',
          '--exchange',
          'binance',
          '--symbol',
          'BTC/USDT',
          '--timeframe',
          '7m',
        ],
        /--timeframe/,
      ],
      [
        [
          'import',
          '--file',
          '/etc/hostname',
          '--exchange',
          'binance',
          '--symbol',
          'BTC/USDT',
          '--timeframe',
          '1m',
          '--format',
          'xml',
        ],
        /--format/,
      ],
      [['export', '--series', 'binance-BTC', '--from', '2024-01-01', '--to', '2024-01-02'], /--series/],
      [['export', '--series', 'binance:BTC/USDT:1h', '--from', 'yesterday', '--to', '2024-01-02'], /--from/],
      [
        ['export', '--series', 'binance:BTC/USDT:1h', '--from', '2024-01-02', '--to', '2024-01-01'],
        /after --from/,
      ],
      [['import', '--exchange', 'binance'], /--file is required/],
      [
        [
          'backtest',
          '--series',
          'binance:BTC/USDT:1h',
          '--horizon',
          '4h',
          '--from',
          '2024-01-01',
          '--to',
          '2024-02-01',
          '--cross-assets',
          'binance:ETH/USDT:1h:Holders',
        ],
        /--cross-assets/,
      ],
      [['nonsense-command'], /unknown command/],
    ];
    for (const [args, message] of cases) {
      const result = await runRunecast(args, { RUNECAST_HOME: join(folder, 'home-flags') });
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message, args.join(' '));
    }
  });

  test('a broken environment variable stops with its name', async () => {
    const result = await runRunecast(['markets'], { RUNECAST_DATABASE_URL: 'mysql://nope' });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /RUNECAST_DATABASE_URL/);
  });
});
