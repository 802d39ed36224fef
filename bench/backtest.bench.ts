// Walk-forward backtest of every non-deep model on one year of hourly BTC/USDT (2020-10-01 →
// 2021-09-30), horizons 4h and 24h: prints the time taken and the metrics table, naive included.
// Run: RUNECAST_REPLAY_DIR=../shared/data node --import tsx bench/backtest.bench.ts
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Candle, formatHorizon } from '@runecast/market';
import { buildFeatureMatrix } from '../apps/server/src/features/feature-matrix.ts';
import {
  rowIndexAtOrAfter,
  runWalkForward,
  type WalkForwardModelSpec,
  type WalkForwardResult,
} from '../apps/server/src/models/evaluation/walk-forward.ts';

const TEST_FROM_MS = Date.UTC(2020, 9, 1);
const TEST_TO_MS = Date.UTC(2021, 9, 1);
/** History before the test year: enough for the longest training window plus indicator warm-up. */
const HISTORY_FROM_MS = Date.UTC(2020, 0, 1);
const HORIZONS_MINUTES = [240, 1440];

/** Refit intervals chosen so the whole run stays within minutes on two cores. */
export const BENCH_MODELS: readonly WalkForwardModelSpec[] = [
  { modelType: 'naive' },
  { modelType: 'drift' },
  { modelType: 'seasonal-naive' },
  { modelType: 'arima', retrainEverySteps: 168 },
  { modelType: 'ridge', retrainEverySteps: 168 },
  { modelType: 'rf', retrainEverySteps: 720 },
  { modelType: 'svr', retrainEverySteps: 336 },
  // Sequence models refit monthly with a short epoch budget: each fit trains on up to 4,320 windows.
  { modelType: 'lstm', retrainEverySteps: 720, params: { maxEpochs: 8, patience: 2 } },
  { modelType: 'gru', retrainEverySteps: 720, params: { maxEpochs: 8, patience: 2 } },
];

/** Reads a freqtrade `[[openTimeMs, open, high, low, close, volume], …]` file. */
function readFreqtradeCandles(path: string, symbol: string): Candle[] {
  const rows = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  if (!Array.isArray(rows)) throw new Error(`${path}: expected a JSON array of candles`);
  return rows.map((row: unknown, line) => {
    if (!Array.isArray(row) || row.length < 6 || !row.every((value) => typeof value === 'number')) {
      throw new Error(`${path}: row ${line} is not [openTimeMs, open, high, low, close, volume]`);
    }
    const [openTimeMs, open, high, low, close, volume] = row as number[];
    return {
      exchange: 'binance',
      symbol,
      timeframe: '1h',
      openTimeMs: openTimeMs!,
      open: open!,
      high: high!,
      low: low!,
      close: close!,
      volume: volume!,
      quoteVolume: null,
      tradeCount: null,
      closed: true,
    };
  });
}

function inRange(candles: Candle[]): Candle[] {
  return candles.filter((candle) => candle.openTimeMs >= HISTORY_FROM_MS && candle.openTimeMs < TEST_TO_MS);
}

function formatNumber(value: number | null, digits: number): string {
  return value === null || Number.isNaN(value) ? '—' : value.toFixed(digits);
}

function formatPercent(value: number | null, digits = 1): string {
  return value === null || Number.isNaN(value) ? '—' : `${(100 * value).toFixed(digits)}%`;
}

function formatPValue(value: number | null): string {
  if (value === null) return '—';
  return value < 0.0001 ? value.toExponential(1) : value.toFixed(4);
}

/** The metrics of one walk-forward as a fixed-width table. */
export function formatMetricsTable(result: WalkForwardResult): string {
  const header = [
    'model',
    'MAE',
    'RMSE',
    'MAPE%',
    'MASE',
    'R²',
    'dir.acc [95% CI]',
    'cov80',
    'cov95',
    'width80',
    'width95',
    'pinball',
    'DM',
    'DM p',
    'strategy',
    'Sharpe',
    'fits',
    'time s',
  ];
  const rows = result.models.map((model) => {
    const metrics = model.metrics;
    const direction =
      metrics.directionalAccuracy === null
        ? '—'
        : `${formatPercent(metrics.directionalAccuracy)} [${formatPercent(metrics.directionalAccuracyLower95)}, ${formatPercent(metrics.directionalAccuracyUpper95)}]`;
    return [
      model.modelType,
      formatNumber(metrics.mae, 1),
      formatNumber(metrics.rmse, 1),
      formatNumber(metrics.mape, 3),
      formatNumber(metrics.mase, 4),
      formatNumber(metrics.r2, 4),
      direction,
      formatPercent(metrics.coverage80),
      formatPercent(metrics.coverage95),
      formatNumber(metrics.meanWidth80, 0),
      formatNumber(metrics.meanWidth95, 0),
      formatNumber(metrics.pinball, 2),
      formatNumber(metrics.dmStatistic, 2),
      formatPValue(metrics.dmPValue),
      formatPercent(metrics.strategyTotalReturn),
      formatNumber(metrics.strategySharpe, 2),
      model.failedFits > 0 ? `${model.fits} (${model.failedFits} failed)` : String(model.fits),
      ((model.fitMs + model.predictMs) / 1000).toFixed(1),
    ];
  });
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ');
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

export async function runBacktestBench(): Promise<void> {
  const replayDir = process.env.RUNECAST_REPLAY_DIR ? resolve(process.env.RUNECAST_REPLAY_DIR) : null;
  const btcPath = replayDir ? join(replayDir, 'binance_spot_1h', 'BTC_USDT-1h.json') : null;
  if (!btcPath || !existsSync(btcPath)) {
    console.log(
      `backtest bench skipped: ${btcPath ?? 'RUNECAST_REPLAY_DIR/binance_spot_1h/BTC_USDT-1h.json'} not found (set RUNECAST_REPLAY_DIR to the real data folder)`,
    );
    return;
  }
  const ethPath = join(replayDir!, 'binance_spot_1h', 'ETH_USDT-1h.json');
  const startedMs = performance.now();
  const candles = inRange(readFreqtradeCandles(btcPath, 'BTC/USDT'));
  const crossAssets = existsSync(ethPath)
    ? { 'binance:ETH/USDT:1h': inRange(readFreqtradeCandles(ethPath, 'ETH/USDT')) }
    : undefined;
  const matrix = buildFeatureMatrix({ candles, ...(crossAssets ? { crossAssets } : {}) });
  const testStartIndex = rowIndexAtOrAfter(matrix, TEST_FROM_MS);
  const buildMs = performance.now() - startedMs;
  console.log(
    `backtest bench: BTC/USDT 1h, ${candles.length} candles ${new Date(candles[0]!.openTimeMs).toISOString()} → ` +
      `${new Date(candles.at(-1)!.openTimeMs).toISOString()}, ${matrix.featureNames.length} features` +
      `${crossAssets ? ' (ETH/USDT as cross asset)' : ''}, built in ${(buildMs / 1000).toFixed(2)} s`,
  );
  console.log(
    `walk-forward origins from ${new Date(TEST_FROM_MS).toISOString()}; every origin forecast; refit every ` +
      BENCH_MODELS.map((model) => `${model.modelType} ${model.retrainEverySteps ?? 168}h`).join(', '),
  );
  const totalStartedMs = performance.now();
  const cpuBefore = process.cpuUsage();
  for (const horizonMinutes of HORIZONS_MINUTES) {
    const horizonStartedMs = performance.now();
    const result = await runWalkForward({
      matrix,
      models: BENCH_MODELS,
      settings: { horizonMinutes, testStartIndex, retrainEverySteps: 168 },
    });
    const seconds = (performance.now() - horizonStartedMs) / 1000;
    const { origins } = result;
    const first = new Date(origins.openTimeMs[0]!).toISOString();
    const last = new Date(origins.openTimeMs.at(-1)!).toISOString();
    let upMoves = 0;
    for (let position = 0; position < origins.index.length; position += 1) {
      if (origins.actualClose[position]! > origins.lastClose[position]!) upMoves += 1;
    }
    console.log(
      `\nhorizon ${formatHorizon(horizonMinutes)}: ${origins.index.length} origins ${first} → ${last} ` +
        `(${result.droppedOrigins} dropped), ${seconds.toFixed(1)} s; ` +
        `${formatPercent(upMoves / origins.index.length)} of outcomes were up moves; ` +
        `buy and hold ${formatPercent(result.models[0]!.metrics.buyAndHoldReturn)}`,
    );
    console.log(formatMetricsTable(result));
  }
  const cpu = process.cpuUsage(cpuBefore);
  console.log(
    `\nwalk-forward of ${BENCH_MODELS.length} models × ${HORIZONS_MINUTES.length} horizons: ` +
      `${((performance.now() - totalStartedMs) / 1000).toFixed(1)} s wall, ` +
      `${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU (target: under 600 s)`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await runBacktestBench();
}
