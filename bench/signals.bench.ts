// Do news and community sentiment help forecasts? Walk-forward backtests of the same models on the
// same origins, without and with the text metric features (docs/signals.md), and a Diebold-Mariano
// test on the difference of their losses (with − without) beside each model's test against naive.
//
// - BTC/USDT and ETH/USDT 1h (Binance), horizons 4h and 24h, every hour from 2017-10-01 to the end
//   of the tweets of @coindesk and @Cointelegraph (2017-12-06): the text is those tweets, scored
//   with lexicon-v1, as two metric series per market: every tweet (`news`) and the tweets naming
//   the market's asset (`news:BTC`, its mentions).
// - DOG•GO•TO•THE•MOON daily (USD closes) over October 2025 with the Reddit comments and posts of
//   that month (`reddit`): attempted, and the walk-forward's own refusal printed if the span is
//   too short (it is).
//
// Run: RUNECAST_REPLAY_DIR=../shared/data npm run bench signals
// (or node --import tsx bench/signals.bench.ts). BENCH_SIGNALS_MODELS=ridge,rf keeps those models.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { readRuneDailyFiles } from '@runecast/market-files';
import { type Candle, formatHorizon } from '@runecast/market';
import { buildFeatureMatrix, listFeatureNames } from '../apps/server/src/features/feature-matrix.ts';
import {
  TEXT_METRIC_FEATURES,
  textMetricFeatureName,
  type TextMetricSeriesInput,
} from '../apps/server/src/features/text-metric-features.ts';
import {
  compareFeatureSets,
  type FeatureSetComparison,
} from '../apps/server/src/models/evaluation/feature-set-comparison.ts';
import {
  rowIndexAtOrAfter,
  runWalkForward,
  type WalkForwardModelSpec,
} from '../apps/server/src/models/evaluation/walk-forward.ts';
import { LexiconSentimentScorer } from '../apps/server/src/signals/lexicon.scorer.ts';
import { TextAnalyser } from '../apps/server/src/signals/text-analysis.ts';
import { textMetricSeries, type CountedTextItem } from '../apps/server/src/signals/text-metrics.ts';
import { printBenchTable, readFreqtradeHourlyCandles, replayDirectory } from './bench-support.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/**
 * The archives hold publication times only. A collector polling every 5 minutes (the news
 * source's interval) would first see an item up to 5 minutes later, so each item counts as known
 * 5 minutes after it was published: never earlier than Runecast could have read it.
 */
const FIRST_SEEN_DELAY_MS = 5 * 60_000;
const TWEETS_TEST_FROM_MS = Date.UTC(2017, 9, 1);
const HORIZONS_MINUTES = [240, 1440];
const REDDIT_TEST_FROM_MS = Date.UTC(2025, 9, 1);
/** Reddit's `created_utc` in these files is the scraper's local time, UTC+1 (see the data's README). */
const REDDIT_LOCAL_OFFSET_MS = HOUR_MS;
const DOG_SUBJECT = 'DOG•GO•TO•THE•MOON';

/** The models of the main backtest that read feature rows, with its refit intervals; naive is the reference. */
const MODELS: readonly WalkForwardModelSpec[] = [
  { modelType: 'naive' },
  { modelType: 'ridge', retrainEverySteps: 168 },
  { modelType: 'rf', retrainEverySteps: 720 },
  { modelType: 'svr', retrainEverySteps: 336 },
];

export interface ArchivedText {
  id: string;
  channel: string;
  publishedAtMs: number;
  title: string | null;
  body: string;
}

/** What a tolerant reader made of one file: rows kept, rows rejected by reason (with examples). */
export interface ReadReport {
  file: string;
  rows: number;
  accepted: number;
  duplicates: number;
  rejected: Map<string, number>;
  examples: string[];
}

function newReport(file: string): ReadReport {
  return { file, rows: 0, accepted: 0, duplicates: 0, rejected: new Map(), examples: [] };
}

function reject(report: ReadReport, line: number, reason: string): void {
  report.rejected.set(reason, (report.rejected.get(reason) ?? 0) + 1);
  if (report.examples.length < 3) report.examples.push(`${report.file} row ${line}: ${reason}`);
}

/** `YYYY-MM-DD HH:MM:SS` or `YYYY-MM-DDTHH:MM:SS` read as UTC, or null when it is not a real time. */
function parseNaiveTime(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/.exec(value.trim());
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as number[];
  const timeMs = Date.UTC(year!, month! - 1, day!, hour!, minute!, second!);
  // Date.UTC rolls 2017-02-30 over into March: a time that does not read back is not a time.
  const back = new Date(timeMs);
  return back.getUTCDate() === day && back.getUTCHours() === hour && back.getUTCMinutes() === minute
    ? timeMs
    : null;
}

/**
 * The tweets' text is a Python bytes literal (`b'…'` or `b"…"`, non-ASCII as `\xNN` UTF-8 escapes).
 * Hand-written because no npm package reads Python literals; returns null for anything else.
 */
export function decodePythonBytesLiteral(literal: string): string | null {
  const match = /^b(['"])([\s\S]*)\1$/.exec(literal);
  if (!match) return null;
  const inner = match[2]!;
  const bytes: number[] = [];
  const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"' };
  for (let index = 0; index < inner.length; index += 1) {
    const character = inner[index]!;
    if (character !== '\\') {
      bytes.push(...Buffer.from(character));
      continue;
    }
    const next = inner[index + 1];
    const hex = /^x([0-9a-fA-F]{2})/.exec(inner.slice(index + 1, index + 4));
    if (hex) {
      bytes.push(Number.parseInt(hex[1]!, 16));
      index += 3;
    } else if (next !== undefined && next in simple) {
      bytes.push(...Buffer.from(simple[next]!));
      index += 1;
    } else {
      bytes.push(...Buffer.from(character));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Reads an outlet's timeline (`id, created_at, text`; created_at naive UTC); bad rows are counted and skipped. */
export function readTweets(path: string, seen: Set<string>): { items: ArchivedText[]; report: ReadReport } {
  const report = newReport(basename(path));
  const records = parse(readFileSync(path), {
    columns: true,
    skip_empty_lines: true,
    relax_column_count: true,
    // The files end their lines in \r\r\n, which the parser would otherwise split into two.
    record_delimiter: ['\r\r\n', '\r\n', '\n'],
  }) as Record<string, unknown>[];
  const items: ArchivedText[] = [];
  records.forEach((record, position) => {
    const line = position + 2;
    report.rows += 1;
    const id = record.id;
    if (typeof id !== 'string' || !/^\d{1,20}$/.test(id)) return reject(report, line, 'id is not a tweet id');
    const publishedAtMs = parseNaiveTime(record.created_at);
    if (publishedAtMs === null) return reject(report, line, 'created_at is not a time');
    if (typeof record.text !== 'string' || record.text === '') return reject(report, line, 'no text');
    const body = decodePythonBytesLiteral(record.text);
    if (body === null) return reject(report, line, 'text is not a bytes literal');
    if (seen.has(id)) {
      report.duplicates += 1;
      return;
    }
    seen.add(id);
    report.accepted += 1;
    items.push({ id, channel: basename(path, '_tweets.csv'), publishedAtMs, title: null, body });
  });
  return { items, report };
}

/** Reads the Reddit comment and post files (scraper runs overlap: an id read before is a duplicate). */
export function readReddit(folder: string): { items: ArchivedText[]; reports: ReadReport[] } {
  const items: ArchivedText[] = [];
  const reports: ReadReport[] = [];
  const seen = new Set<string>();
  const files = (existsSync(folder) ? redditFileNames(folder) : []).sort();
  for (const file of files) {
    const isComments = file.startsWith('crypto_comments_');
    const report = newReport(file);
    const records = parse(gunzipSync(readFileSync(join(folder, file))), {
      columns: true,
      skip_empty_lines: true,
      relax_column_count: true,
    }) as Record<string, unknown>[];
    records.forEach((record, position) => {
      const line = position + 2;
      report.rows += 1;
      const id = isComments ? record.comment_id : record.post_id;
      if (typeof id !== 'string' || !/^[a-z0-9]{3,12}$/.test(id))
        return reject(report, line, 'id is not a Reddit id');
      const localMs = parseNaiveTime(record.created_utc);
      if (localMs === null) return reject(report, line, 'created_utc is not a time');
      const subreddit = typeof record.subreddit === 'string' ? record.subreddit.toLowerCase() : '';
      if (!/^[a-z0-9_]{2,21}$/.test(subreddit)) return reject(report, line, 'no subreddit');
      const title = isComments ? null : typeof record.title === 'string' ? record.title : null;
      const body = (isComments ? record.body : record.selftext) ?? '';
      if (typeof body !== 'string') return reject(report, line, 'text is not text');
      if (body === '[deleted]' || body === '[removed]') return reject(report, line, 'deleted or removed');
      if (body.trim() === '' && !title?.trim()) return reject(report, line, 'no text');
      const key = `${isComments ? 'c' : 'p'}:${id}`;
      if (seen.has(key)) {
        report.duplicates += 1;
        return;
      }
      seen.add(key);
      report.accepted += 1;
      items.push({
        id,
        channel: subreddit,
        publishedAtMs: localMs - REDDIT_LOCAL_OFFSET_MS,
        title,
        body,
      });
    });
    reports.push(report);
  }
  return { items, reports };
}

function redditFileNames(folder: string): string[] {
  return readdirSync(folder).filter((name) => /^crypto_(comments|posts)_\d{8}_\d{6}\.csv\.gz$/.test(name));
}

function printReadReports(title: string, reports: readonly ReadReport[]): void {
  printBenchTable(
    title,
    ['file', 'rows', 'kept', 'duplicates', 'rejected (reason: count)'],
    reports.map((report) => [
      report.file,
      String(report.rows),
      String(report.accepted),
      String(report.duplicates),
      [...report.rejected].map(([reason, count]) => `${reason}: ${count}`).join('; ') || '—',
    ]),
  );
  for (const report of reports) for (const example of report.examples) console.log(`  rejected: ${example}`);
}

interface ScoredText {
  knownAtMs: number;
  sentiment: number | null;
  mentions: string[];
}

function scoreAll(items: readonly ArchivedText[], subjects: readonly string[]): ScoredText[] {
  const analyser = new TextAnalyser(new LexiconSentimentScorer(), () => subjects);
  return items.map((item) => {
    // r/Bitcoin is about BTC as a Discord channel's `about` would say.
    const about = item.channel === 'bitcoin' ? ['BTC'] : item.channel === 'ethereum' ? ['ETH'] : [];
    const analysis = analyser.analyse(item, about);
    return {
      knownAtMs: item.publishedAtMs + FIRST_SEEN_DELAY_MS,
      sentiment: analysis.sentiment,
      mentions: analysis.mentions,
    };
  });
}

/** Hourly series over the archive: from its first item to the first full hour after its last. */
function seriesOf(items: readonly CountedTextItem[]): { series: TextMetricSeriesInput; lastMs: number } {
  const times = items.map((item) => item.knownAtMs);
  const firstMs = Math.min(...times);
  const lastMs = Math.ceil(Math.max(...times) / HOUR_MS) * HOUR_MS;
  return { series: textMetricSeries(items, firstMs, lastMs) as TextMetricSeriesInput, lastMs };
}

function selectedModels(): readonly WalkForwardModelSpec[] {
  const wanted = process.env.BENCH_SIGNALS_MODELS?.split(',').map((label) => label.trim());
  if (!wanted) return MODELS;
  const unknown = wanted.filter((label) => !MODELS.some((model) => model.modelType === label));
  if (unknown.length > 0) {
    throw new Error(
      `BENCH_SIGNALS_MODELS: unknown ${unknown.join(', ')}; known: ${MODELS.map((model) => model.modelType).join(', ')}`,
    );
  }
  return MODELS.filter((model) => model.modelType === 'naive' || wanted.includes(model.modelType));
}

function withFeatureNames(
  models: readonly WalkForwardModelSpec[],
  featureNames: string[],
): WalkForwardModelSpec[] {
  return models.map((model) =>
    model.modelType === 'naive' ? model : { ...model, params: { ...model.params, featureNames } },
  );
}

const digits = (value: number | null, places: number): string =>
  value === null || Number.isNaN(value) ? '—' : value.toFixed(places);
const pValue = (value: number | null): string =>
  value === null ? '—' : value < 0.0001 ? value.toExponential(1) : value.toFixed(4);
const percent = (value: number | null): string =>
  value === null || Number.isNaN(value) ? '—' : `${(100 * value).toFixed(2)}%`;

function printComparison(title: string, comparisons: readonly FeatureSetComparison[]): void {
  printBenchTable(
    title,
    [
      'model',
      'origins',
      'MASE without',
      'MASE with',
      'DM p vs naive (without / with)',
      'with−without DM',
      'p',
      'IS80 without',
      'IS80 with',
      'IS80 with−without DM',
      'p',
      'cov80 without / with',
    ],
    comparisons.map((entry) => [
      entry.label,
      String(entry.origins),
      digits(entry.without.mase, 4),
      digits(entry.with.mase, 4),
      `${pValue(entry.without.dmPValue)} / ${pValue(entry.with.dmPValue)}`,
      digits(entry.squaredError.statistic, 2),
      pValue(entry.squaredError.pValue),
      digits(entry.without.intervalScore80, 2),
      digits(entry.with.intervalScore80, 2),
      digits(entry.intervalScore80.statistic, 2),
      pValue(entry.intervalScore80.pValue),
      `${percent(entry.without.coverage80)} / ${percent(entry.with.coverage80)}`,
    ]),
  );
}

interface MarketSet {
  name: string;
  candles: Candle[];
  crossAssets: Record<string, Candle[]>;
  textMetrics: Record<string, TextMetricSeriesInput>;
  /** Last time any text metric sample exists: origins after it would read an archive that has ended. */
  textEndMs: number;
  testFromMs: number;
  horizonsMinutes: readonly number[];
}

async function runMarketSet(set: MarketSet, models: readonly WalkForwardModelSpec[]): Promise<void> {
  const startedMs = performance.now();
  const matrix = buildFeatureMatrix({
    candles: set.candles,
    crossAssets: set.crossAssets,
    textMetrics: set.textMetrics,
  });
  const baseNames = listFeatureNames(Object.keys(set.crossAssets));
  const textNames = Object.keys(set.textMetrics).flatMap((key) =>
    TEXT_METRIC_FEATURES.map((metric) => textMetricFeatureName(key, metric)),
  );
  const testStartIndex = rowIndexAtOrAfter(matrix, set.testFromMs);
  // The last origin whose text features come from the archive itself (its close at or before the last sample).
  const lastOrigin = rowIndexAtOrAfter(matrix, set.textEndMs - matrix.timeframeMs + 1) - 1;
  console.log(
    `\n=== ${set.name}: ${set.candles.length} candles ${new Date(set.candles[0]!.openTimeMs).toISOString()} → ` +
      `${new Date(set.candles.at(-1)!.openTimeMs).toISOString()}; ${baseNames.length} features without, ` +
      `${baseNames.length + textNames.length} with (${Object.keys(set.textMetrics).join(', ')}); ` +
      `origins ${new Date(matrix.openTimesMs[testStartIndex]!).toISOString()} → ${new Date(matrix.openTimesMs[lastOrigin]!).toISOString()}`,
  );
  for (const horizonMinutes of set.horizonsMinutes) {
    const horizonStartedMs = performance.now();
    const settings = { horizonMinutes, testStartIndex, testEndIndex: lastOrigin };
    let without;
    let withText;
    try {
      without = await runWalkForward({ matrix, models: withFeatureNames(models, baseNames), settings });
      withText = await runWalkForward({
        matrix,
        models: withFeatureNames(models, [...baseNames, ...textNames]),
        settings,
      });
    } catch (error) {
      console.log(`\nhorizon ${formatHorizon(horizonMinutes)}: not run: ${(error as Error).message}`);
      continue;
    }
    const comparisons = compareFeatureSets(
      without,
      withText,
      models.map((model) => model.modelType),
    );
    printComparison(
      `${set.name}, horizon ${formatHorizon(horizonMinutes)}: ${without.origins.index.length} origins ` +
        `(${without.droppedOrigins} dropped), ${((performance.now() - horizonStartedMs) / 1000).toFixed(1)} s. ` +
        'DM statistics: negative = with sentiment has the lower loss; p two-sided.',
      comparisons,
    );
  }
  console.log(`${set.name}: ${((performance.now() - startedMs) / 1000).toFixed(1)} s`);
}

export async function runSignalsBench(): Promise<void> {
  const folder = replayDirectory();
  const tweetFolder = folder ? join(folder, 'social', 'twitter_news_accounts_2017') : null;
  const tweetFiles = ['coindesk_tweets.csv', 'Cointelegraph_tweets.csv'].map((name) =>
    join(tweetFolder ?? '', name),
  );
  if (!folder || !tweetFiles.every((file) => existsSync(file))) {
    console.log(
      'signals bench skipped: RUNECAST_REPLAY_DIR/social/twitter_news_accounts_2017 not found (set RUNECAST_REPLAY_DIR to the real data folder)',
    );
    return;
  }
  const models = selectedModels();
  const startedMs = performance.now();

  const seenTweets = new Set<string>();
  const tweetReads = tweetFiles.map((file) => readTweets(file, seenTweets));
  printReadReports(
    'Tweets read (tolerant reader: bad rows are skipped, counted by reason)',
    tweetReads.map((read) => read.report),
  );
  if (tweetReads.every((read) => read.items.length === 0)) {
    throw new Error('signals bench: no tweet could be read (see the rejected rows above)');
  }
  const scoredStartedMs = performance.now();
  const tweets = scoreAll(
    tweetReads.flatMap((read) => read.items),
    ['BTC', 'ETH'],
  );
  console.log(
    `scored ${tweets.length} tweets with lexicon-v1 in ${((performance.now() - scoredStartedMs) / 1000).toFixed(2)} s; ` +
      `naming BTC ${tweets.filter((item) => item.mentions.includes('BTC')).length}, ` +
      `ETH ${tweets.filter((item) => item.mentions.includes('ETH')).length}`,
  );
  const allTweets = seriesOf(tweets);
  const candleFolder = join(folder, 'binance_spot_1h');
  const candlesOf = (symbol: 'BTC' | 'ETH'): Candle[] =>
    readFreqtradeHourlyCandles(join(candleFolder, `${symbol}_USDT-1h.json`), `${symbol}/USDT`).filter(
      // Enough after the last tweet for the 24h targets of the last origins.
      (candle) => candle.openTimeMs <= allTweets.lastMs + 2 * DAY_MS,
    );
  const candles = { BTC: candlesOf('BTC'), ETH: candlesOf('ETH') };
  for (const [asset, other] of [
    ['BTC', 'ETH'],
    ['ETH', 'BTC'],
  ] as const) {
    const naming = seriesOf(tweets.filter((item) => item.mentions.includes(asset)));
    await runMarketSet(
      {
        name: `${asset}/USDT 1h with news tweets`,
        candles: candles[asset],
        crossAssets: { [`binance:${other}/USDT:1h`]: candles[other] },
        textMetrics: { news: allTweets.series, [`news:${asset}`]: naming.series },
        textEndMs: allTweets.lastMs,
        testFromMs: TWEETS_TEST_FROM_MS,
        horizonsMinutes: HORIZONS_MINUTES,
      },
      models,
    );
  }

  const redditFolder = join(folder, 'social', 'reddit_crypto_2025-10');
  const runesFolder = join(folder, 'runes');
  if (existsSync(redditFolder) && existsSync(runesFolder)) {
    const reddit = readReddit(redditFolder);
    printReadReports(
      'Reddit read (comments and posts; ids seen in an earlier run are duplicates)',
      reddit.reports,
    );
    const scored = scoreAll(reddit.items, ['BTC', 'ETH', DOG_SUBJECT]);
    const community = seriesOf(scored);
    const dog = await readRuneDailyFiles(runesFolder);
    const dogCandles = dog.candles.filter((candle) => candle.openTimeMs <= community.lastMs + 3 * DAY_MS);
    console.log(
      `\nReddit: ${scored.length} items, known ${new Date(Math.min(...scored.map((item) => item.knownAtMs))).toISOString()} → ` +
        `${new Date(Math.max(...scored.map((item) => item.knownAtMs))).toISOString()}; ` +
        `${scored.filter((item) => item.mentions.includes(DOG_SUBJECT)).length} name DOG•GO•TO•THE•MOON, ` +
        'too few for a series of their own, so the series counts every item (`reddit`)',
    );
    await runMarketSet(
      {
        name: 'DOG•GO•TO•THE•MOON/USD 1d with Reddit',
        candles: dogCandles,
        crossAssets: {},
        textMetrics: { reddit: community.series },
        textEndMs: community.lastMs,
        testFromMs: REDDIT_TEST_FROM_MS,
        horizonsMinutes: [1440],
      },
      models,
    );
  }
  console.log(`\nsignals bench: ${((performance.now() - startedMs) / 1000).toFixed(1)} s in all`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runSignalsBench();
}
