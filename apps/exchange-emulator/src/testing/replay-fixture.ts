import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { KlineRow } from '@runecast/market-files';
import { createRandom } from '../market/seeded-random.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/** A made-up random walk of valid candles (prices with 2 decimals, volumes with up to 5). */
export function makeCandles(options: {
  count: number;
  startMs: number;
  stepMs: number;
  startPrice: number;
  seed: number;
  withDetails?: boolean;
}): KlineRow[] {
  const random = createRandom(options.seed);
  let price = options.startPrice;
  return Array.from({ length: options.count }, (_, index) => {
    const open = price;
    const close = Math.round(open * (1 + (random() - 0.5) * 0.003) * 100) / 100;
    const high = Math.round(Math.max(open, close) * (1 + random() * 0.0015) * 100) / 100;
    const low = Math.round(Math.min(open, close) * (1 - random() * 0.0015) * 100) / 100;
    const volume = Math.round((0.5 + random() * 40) * 1e5) / 1e5;
    price = close;
    return {
      openTimeMs: options.startMs + index * options.stepMs,
      open,
      high,
      low,
      close,
      volume,
      quoteVolume: options.withDetails ? Math.round(volume * ((open + close) / 2) * 1e4) / 1e4 : null,
      tradeCount: options.withDetails ? 20 + Math.floor(random() * 300) : null,
    };
  });
}

export interface ReplayFixture {
  directory: string;
  /** BTC/USDT 1m, from a gzip'd freqtrade file. */
  btcMinutes: KlineRow[];
  /** BTC/USDT 1h before the minutes, from a plain freqtrade file. */
  btcHours: KlineRow[];
  /** ETH/USDT 1m, from a Binance CSV with microsecond times, quote volume and trade counts. */
  ethMinutes: KlineRow[];
  remove(): Promise<void>;
}

export const FIXTURE_MINUTES_START_MS = Date.UTC(2024, 4, 6, 0, 0);

/** Writes a small replay folder in both file formats (nested folders, as a real data set has). */
export async function writeReplayFixture(): Promise<ReplayFixture> {
  const directory = await mkdtemp(join(tmpdir(), 'runecast-emulator-replay-'));
  const btcMinutes = makeCandles({
    count: 2 * 1440,
    startMs: FIXTURE_MINUTES_START_MS,
    stepMs: MINUTE_MS,
    startPrice: 61_250.5,
    seed: 11,
  });
  const btcHours = makeCandles({
    count: 10 * 24,
    startMs: FIXTURE_MINUTES_START_MS - 10 * 24 * HOUR_MS,
    stepMs: HOUR_MS,
    startPrice: 59_000,
    seed: 12,
  });
  const ethMinutes = makeCandles({
    count: 2 * 1440,
    startMs: FIXTURE_MINUTES_START_MS,
    stepMs: MINUTE_MS,
    startPrice: 3_050.25,
    seed: 13,
    withDetails: true,
  });
  await mkdir(join(directory, 'freqtrade', 'binance'), { recursive: true });
  await mkdir(join(directory, 'monthly'), { recursive: true });
  const asJson = (rows: KlineRow[]): string =>
    JSON.stringify(rows.map((row) => [row.openTimeMs, row.open, row.high, row.low, row.close, row.volume]));
  await writeFile(
    join(directory, 'freqtrade', 'binance', 'BTC_USDT-1m.json.gz'),
    gzipSync(asJson(btcMinutes)),
  );
  await writeFile(join(directory, 'freqtrade', 'binance', 'BTC_USDT-1h.json'), asJson(btcHours));
  const csv = ethMinutes
    .map((row) =>
      [
        row.openTimeMs * 1000,
        row.open,
        row.high,
        row.low,
        row.close,
        row.volume,
        (row.openTimeMs + MINUTE_MS) * 1000 - 1,
        row.quoteVolume,
        row.tradeCount,
        0,
        0,
        0,
      ].join(','),
    )
    .join('\n');
  await writeFile(join(directory, 'monthly', 'ETHUSDT-1m-2024-05.csv'), csv);
  return {
    directory,
    btcMinutes,
    btcHours,
    ethMinutes,
    remove: () => rm(directory, { recursive: true, force: true }),
  };
}
