// Walk-forward backtest of every model on one year of hourly BTC/USDT (2020-10-01 → 2021-09-30),
// horizons 4h and 24h, and of the naive, volatility-banded and fast point models on minute BTC/USDT
// (2023-03-20 → 2023-04-22) at horizon 5m: prints the time taken, the point metrics and the
// probabilistic metrics (interval scores, CRPS, skill and DM test against naive's plain bands).
// Run: RUNECAST_REPLAY_DIR=../shared/data node --import tsx bench/backtest.bench.ts
// BENCH_BACKTEST=hourly or BENCH_BACKTEST=minute runs one of the two; BENCH_MODELS=naive,theta,…
// keeps only the models with those labels (naive is always there; the origins every kept model can
// forecast may then differ slightly from a full run's).
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Candle, formatHorizon, type Timeframe } from '@runecast/market';
import { buildFeatureMatrix } from '../apps/server/src/features/feature-matrix.ts';
import {
  rowIndexAtOrAfter,
  runWalkForward,
  walkForwardLabel,
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
  // Naive's point forecast with volatility-scaled (normalized conformal) bands.
  { modelType: 'naive-volatility' },
  { modelType: 'naive', volatility: { modelType: 'ewma' } },
  { modelType: 'naive', volatility: { modelType: 'garch' } },
  { modelType: 'ridge', retrainEverySteps: 168, volatility: { modelType: 'har' } },
  { modelType: 'ses', retrainEverySteps: 168 },
  { modelType: 'theta', retrainEverySteps: 168 },
  // Refits rank all five members on a fresh validation window, so weekly is the most it affords.
  { modelType: 'ensemble', retrainEverySteps: 168 },
];

/** Minute data: every origin of a month; the point models that refit fast enough at that count. */
const MINUTE_HISTORY_FROM_MS = Date.UTC(2023, 2, 16);
const MINUTE_TEST_FROM_MS = Date.UTC(2023, 2, 20);
const MINUTE_TEST_TO_MS = Date.UTC(2023, 3, 23);
const MINUTE_HORIZONS_MINUTES = [5];
export const MINUTE_BENCH_MODELS: readonly WalkForwardModelSpec[] = [
  { modelType: 'naive' },
  { modelType: 'drift', params: { trainingWindowSteps: 1440 } },
  { modelType: 'arima', retrainEverySteps: 1440 },
  { modelType: 'ridge', retrainEverySteps: 1440 },
  { modelType: 'naive-volatility' },
  { modelType: 'naive', volatility: { modelType: 'ewma' } },
  { modelType: 'naive', volatility: { modelType: 'garch' } },
  { modelType: 'ridge', retrainEverySteps: 1440, volatility: { modelType: 'har' } },
  { modelType: 'ses', retrainEverySteps: 1440 },
  { modelType: 'theta', retrainEverySteps: 1440 },
  { modelType: 'ensemble', retrainEverySteps: 1440 },
];

/** Reads a freqtrade `[[openTimeMs, open, high, low, close, volume], …]` file. */
function readFreqtradeCandles(path: string, symbol: string, timeframe: Timeframe = '1h'): Candle[] {
  const bytes = readFileSync(path);
  const text = path.endsWith('.gz') ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
  const rows = JSON.parse(text) as unknown;
  if (!Array.isArray(rows)) throw new Error(`${path}: expected a JSON array of candles`);
  return rows.map((row: unknown, line) => {
    if (!Array.isArray(row) || row.length < 6 || !row.every((value) => typeof value === 'number')) {
      throw new Error(`${path}: row ${line} is not [openTimeMs, open, high, low, close, volume]`);
    }
    const [openTimeMs, open, high, low, close, volume] = row as number[];
    return {
      exchange: 'binance',
      symbol,
      timeframe,
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
      model.label,
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

/** Interval scores, CRPS, their skill against naive's plain conformal bands and the DM test, per model. */
export function formatProbabilisticTable(result: WalkForwardResult, priceDigits = 1): string {
  const header = [
    'model',
    'IS80',
    'IS95',
    'CRPS',
    'skill80',
    'skill95',
    'CRPS skill',
    'IS80 DM',
    'IS80 DM p',
    'cov80',
    'cov95',
    'width80',
  ];
  const rows = result.models.map((model) => {
    const metrics = model.metrics;
    return [
      model.label,
      formatNumber(metrics.intervalScore80, priceDigits),
      formatNumber(metrics.intervalScore95, priceDigits),
      formatNumber(metrics.crps, priceDigits + 1),
      formatPercent(metrics.intervalSkill80, 2),
      formatPercent(metrics.intervalSkill95, 2),
      formatPercent(metrics.crpsSkill, 2),
      formatNumber(metrics.dmIntervalStatistic80, 2),
      formatPValue(metrics.dmIntervalPValue80),
      formatPercent(metrics.coverage80),
      formatPercent(metrics.coverage95),
      formatNumber(metrics.meanWidth80, priceDigits - 1),
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

interface BenchSet {
  name: string;
  candles: Candle[];
  crossAssets?: Record<string, Candle[]>;
  testFromMs: number;
  horizonsMinutes: readonly number[];
  models: readonly WalkForwardModelSpec[];
  retrainEverySteps: number;
  priceDigits: number;
}

/** The models named in BENCH_MODELS (labels, comma-separated), or all of them. */
function selectedModels(models: readonly WalkForwardModelSpec[]): readonly WalkForwardModelSpec[] {
  const wanted = process.env.BENCH_MODELS?.split(',').map((label) => label.trim());
  if (!wanted) return models;
  const known = models.map(walkForwardLabel);
  const unknown = wanted.filter((label) => !known.includes(label));
  if (unknown.length > 0)
    throw new Error(`BENCH_MODELS: unknown ${unknown.join(', ')}; known: ${known.join(', ')}`);
  return models.filter((model) => wanted.includes(walkForwardLabel(model)));
}

async function runBenchSet(benchSet: BenchSet): Promise<void> {
  const set = { ...benchSet, models: selectedModels(benchSet.models) };
  const startedMs = performance.now();
  const { candles, crossAssets } = set;
  const matrix = buildFeatureMatrix({ candles, ...(crossAssets ? { crossAssets } : {}) });
  const testStartIndex = rowIndexAtOrAfter(matrix, set.testFromMs);
  const buildMs = performance.now() - startedMs;
  console.log(
    `\n=== ${set.name}: ${candles.length} candles ${new Date(candles[0]!.openTimeMs).toISOString()} → ` +
      `${new Date(candles.at(-1)!.openTimeMs).toISOString()}, ${matrix.featureNames.length} features` +
      `${crossAssets ? ' (ETH/USDT as cross asset)' : ''}, built in ${(buildMs / 1000).toFixed(2)} s`,
  );
  console.log(
    `walk-forward origins from ${new Date(set.testFromMs).toISOString()}; every origin forecast; refit every ` +
      set.models
        .map((model) => `${walkForwardLabel(model)} ${model.retrainEverySteps ?? set.retrainEverySteps}`)
        .join(', ') +
      ' candles',
  );
  const totalStartedMs = performance.now();
  const cpuBefore = process.cpuUsage();
  for (const horizonMinutes of set.horizonsMinutes) {
    const horizonStartedMs = performance.now();
    const result = await runWalkForward({
      matrix,
      models: set.models,
      settings: { horizonMinutes, testStartIndex, retrainEverySteps: set.retrainEverySteps },
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
    console.log(
      '\nprobabilistic (skill and DM against naive with plain conformal bands on the same origins):',
    );
    console.log(formatProbabilisticTable(result, set.priceDigits));
  }
  const cpu = process.cpuUsage(cpuBefore);
  console.log(
    `\n${set.name}: walk-forward of ${set.models.length} models × ${set.horizonsMinutes.length} horizons: ` +
      `${((performance.now() - totalStartedMs) / 1000).toFixed(1)} s wall, ` +
      `${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU`,
  );
}

export async function runBacktestBench(): Promise<void> {
  const replayDir = process.env.RUNECAST_REPLAY_DIR ? resolve(process.env.RUNECAST_REPLAY_DIR) : null;
  const only = process.env.BENCH_BACKTEST ?? null;
  const btcPath = replayDir ? join(replayDir, 'binance_spot_1h', 'BTC_USDT-1h.json') : null;
  if (!btcPath || !existsSync(btcPath)) {
    console.log(
      `backtest bench skipped: ${btcPath ?? 'RUNECAST_REPLAY_DIR/binance_spot_1h/BTC_USDT-1h.json'} not found (set RUNECAST_REPLAY_DIR to the real data folder)`,
    );
    return;
  }
  const startedMs = performance.now();
  if (only === null || only === 'hourly') {
    const ethPath = join(replayDir!, 'binance_spot_1h', 'ETH_USDT-1h.json');
    const inRange = (candles: Candle[]): Candle[] =>
      candles.filter((candle) => candle.openTimeMs >= HISTORY_FROM_MS && candle.openTimeMs < TEST_TO_MS);
    await runBenchSet({
      name: 'BTC/USDT 1h',
      candles: inRange(readFreqtradeCandles(btcPath, 'BTC/USDT')),
      ...(existsSync(ethPath)
        ? { crossAssets: { 'binance:ETH/USDT:1h': inRange(readFreqtradeCandles(ethPath, 'ETH/USDT')) } }
        : {}),
      testFromMs: TEST_FROM_MS,
      horizonsMinutes: HORIZONS_MINUTES,
      models: BENCH_MODELS,
      retrainEverySteps: 168,
      priceDigits: 1,
    });
  }
  const minutePath = join(replayDir!, 'binance_spot_1m', 'andresciancio', 'BTC_USDT-1m.json.gz');
  if ((only === null || only === 'minute') && existsSync(minutePath)) {
    await runBenchSet({
      name: 'BTC/USDT 1m',
      candles: readFreqtradeCandles(minutePath, 'BTC/USDT', '1m').filter(
        (candle) => candle.openTimeMs >= MINUTE_HISTORY_FROM_MS && candle.openTimeMs < MINUTE_TEST_TO_MS,
      ),
      testFromMs: MINUTE_TEST_FROM_MS,
      horizonsMinutes: MINUTE_HORIZONS_MINUTES,
      models: MINUTE_BENCH_MODELS,
      retrainEverySteps: 1440,
      priceDigits: 2,
    });
  }
  console.log(`\nbacktest bench: ${((performance.now() - startedMs) / 1000).toFixed(1)} s in all`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await runBacktestBench();
}
