/**
 * Extractive summary time on one core: milliseconds to summarise a window of real Reddit comments
 * from RUNECAST_REPLAY_DIR (the replayed Discord channels' text) in five sentences, beside, in the
 * same run and on the same messages, sentence splitting alone (the Unicode segmenter every summary
 * runs first) and splitting with the textlint project's `sentence-splitter` package instead.
 * Windows of 500 and 2,000 messages: 2,000 is the most one summary reads.
 * Without the folder, generated sentences, said so.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { split as splitWithTextlint } from 'sentence-splitter';
import type { TextItem } from '@runecast/market';
import { splitSentences, summariseExtractively } from '../apps/server/src/signals/extractive-summary.ts';
import { SUMMARY_ITEM_LIMIT } from '../apps/server/src/signals/community-summary.service.ts';
import { printBenchTable, replayDirectory } from './bench-support.ts';

const MIN_SECONDS = Number(process.env.BENCH_SUMMARIES_SECONDS ?? 3);

function redditComments(folder: string): string[] | null {
  const file = join(folder, 'social', 'reddit_crypto_2025-10', 'crypto_comments_20251030_140459.csv.gz');
  if (!existsSync(file)) return null;
  const rows = parse(gunzipSync(readFileSync(file)), { columns: true, skip_empty_lines: true }) as {
    body: string;
  }[];
  return rows
    .map((row) => row.body)
    .filter((body) => body && body !== '[deleted]' && body !== '[removed]')
    .slice(0, SUMMARY_ITEM_LIMIT);
}

function generated(): string[] {
  const subjects = ['Bitcoin', 'Miners', 'The ETF flows', 'Solana fees', 'My portfolio', 'Exchange reserves'];
  const verbs = ['keep rising', 'fell again today', 'look bullish after the halving', 'worry the whole chat'];
  return Array.from(
    { length: SUMMARY_ITEM_LIMIT },
    (_, index) =>
      `${subjects[index % subjects.length]} ${verbs[(index * 5) % verbs.length]}. Not financial advice, number ${index}.`,
  );
}

/** Mean milliseconds a call, over repeated calls until `MIN_SECONDS` have gone by, after a warm-up call. */
function measure(run: () => number): number {
  let checksum = run();
  let calls = 0;
  const started = process.hrtime.bigint();
  let seconds = 0;
  while (seconds < MIN_SECONDS) {
    checksum += run();
    calls += 1;
    seconds = Number(process.hrtime.bigint() - started) / 1e9;
  }
  if (Number.isNaN(checksum)) process.stdout.write('');
  return (seconds * 1000) / calls;
}

export async function runSummariesBench(): Promise<{ messages: number; summaryMs: number }[]> {
  const folder = replayDirectory();
  const real = folder ? redditComments(folder) : null;
  const texts = real ?? generated();
  const corpus = real ? 'Reddit comments' : 'generated sentences (no RUNECAST_REPLAY_DIR)';
  const rows: string[][] = [];
  const results: { messages: number; summaryMs: number }[] = [];
  for (const size of [500, SUMMARY_ITEM_LIMIT]) {
    const items: TextItem[] = texts.slice(0, size).map((body, index) => ({
      source: 'discord',
      channel: 'bench',
      id: String(index),
      publishedAtMs: index,
      seenAtMs: index,
      title: null,
      body,
      url: null,
      author: null,
    }));
    const summaryMs = measure(() => summariseExtractively(items, 5).sentences.length);
    const splitMs = measure(() => items.reduce((sum, item) => sum + splitSentences(item.body).length, 0));
    const textlintMs = measure(() =>
      items.reduce(
        (sum, item) => sum + splitWithTextlint(item.body).filter((node) => node.type === 'Sentence').length,
        0,
      ),
    );
    results.push({ messages: items.length, summaryMs });
    rows.push([
      corpus,
      items.length.toLocaleString('en-US'),
      summaryMs.toFixed(1),
      splitMs.toFixed(1),
      textlintMs.toFixed(1),
    ]);
  }
  printBenchTable(
    'Extractive summary (sumbasic-v1, 5 sentences) on one core, milliseconds per summary',
    ['messages', 'count', 'summary ms', 'splitting only ms', 'sentence-splitter ms'],
    rows,
  );
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runSummariesBench();
