import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { readKlineFile, scanReplayDirectory } from './index.ts';

const replayDirectory = process.env.RUNECAST_REPLAY_DIR ? resolve(process.env.RUNECAST_REPLAY_DIR) : null;
const skip: string | false =
  replayDirectory && existsSync(replayDirectory)
    ? false
    : 'real data folder RUNECAST_REPLAY_DIR is not set or absent';

// Row counts as the data folder's README states them.
const SINGLE_FILE_ROWS: Array<[string, number, string, string]> = [
  [
    'binance_spot_1m/andresciancio/BTC_USDT-1m.json.gz',
    53_305,
    '2023-03-16T22:15:00.000Z',
    '2023-04-22T23:59:00.000Z',
  ],
  ['binance_spot_1h/BTC_USDT-1h.json', 36_013, '2017-08-17T04:00:00.000Z', '2021-09-30T23:00:00.000Z'],
  [
    'binance_spot_1m_recent/ETH_USDT-1m.json.gz',
    43_208,
    '2025-06-01T17:23:00.000Z',
    '2025-07-01T17:30:00.000Z',
  ],
  [
    'binance_usdm_futures_1m/FILUSDT-1m-2023-08.csv.gz',
    44_640,
    '2023-08-01T00:00:00.000Z',
    '2023-08-31T23:59:00.000Z',
  ],
  [
    'binance_usdm_futures_1m/FILUSDT-1m-2023-11.csv.gz',
    7_200,
    '2023-11-01T00:00:00.000Z',
    '2023-11-05T23:59:00.000Z',
  ],
];

describe('real data folder', { skip }, () => {
  test('single files parse to the row counts and ranges the README states, without errors', async () => {
    for (const [relativePath, rowCount, firstIso, lastIso] of SINGLE_FILE_ROWS) {
      const parsed = await readKlineFile(join(replayDirectory!, relativePath));
      assert.equal(parsed.rows.length, rowCount, relativePath);
      assert.deepEqual(parsed.errors, [], relativePath);
      assert.deepEqual(parsed.sequenceIssues, [], relativePath);
      assert.equal(new Date(parsed.rows[0]!.openTimeMs).toISOString(), firstIso, relativePath);
      assert.equal(new Date(parsed.rows.at(-1)!.openTimeMs).toISOString(), lastIso, relativePath);
    }
    const csv = await readKlineFile(
      join(replayDirectory!, 'binance_usdm_futures_1m/FILUSDT-1m-2023-08.csv.gz'),
    );
    assert.equal(csv.hasHeader, true);
    assert.ok(csv.rows.every((row) => row.tradeCount !== null && row.quoteVolume !== null));
  });

  test('the scan finds BTC/USDT 1m and 1h, ETH/USDT and FIL/USDT 1m, merged without gaps or repeats', async () => {
    const directory = await scanReplayDirectory(replayDirectory!);
    const btcMinutes = await directory.find('BTC/USDT', '1m')!.load();
    // Two overlapping 2023 files (the second lies inside the first) plus the 2025 month.
    assert.equal(btcMinutes.rows.length, 53_305 + 43_208);
    assert.equal(btcMinutes.duplicateCount, 25_463);
    assert.equal(btcMinutes.conflictCount, 0, 'independent sources agree on every shared minute');
    const btcHours = await directory.find('BTC/USDT', '1h')!.load();
    assert.equal(btcHours.rows.length, 36_013 + 8_777);
    const ethMinutes = await directory.find('ETH/USDT', '1m')!.load();
    assert.equal(ethMinutes.rows.length, 53_305 + 43_208);
    assert.ok(directory.find('ETH/USDT', '1h'));
    const filMinutes = await directory.find('FIL/USDT', '1m')!.load();
    // Four monthly CSVs, August 2023 to 5 November, plus a one-day sample inside August.
    assert.equal(filMinutes.rows.length, 44_640 + 43_200 + 44_640 + 7_200);
    assert.equal(filMinutes.duplicateCount, 1_440);
    for (const loaded of [btcMinutes, btcHours, filMinutes]) {
      for (let index = 1; index < loaded.rows.length; index += 1) {
        assert.ok(loaded.rows[index]!.openTimeMs > loaded.rows[index - 1]!.openTimeMs);
      }
    }
    assert.ok(directory.ignoredFiles.some((path) => path.includes('trades')));
  });
});
