/**
 * Sentiment scoring throughput on one core: messages a second scored by the lexicon scorer
 * (`lexicon-v1`: AFINN with Runecast's crypto vocabulary, phrases and wider negation), beside, in
 * the same run and on the same messages, the `sentiment` package alone (its English lexicon, no
 * crypto words) and plain tokenisation (lower-casing and splitting, the floor any lexicon scorer
 * pays). Messages are real text from RUNECAST_REPLAY_DIR: news paragraphs, Reddit comments and
 * news outlets' tweets; without the folder, generated sentences, said so. Target: ≥ 20,000/s.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import Sentiment from 'sentiment';
import { LexiconSentimentScorer } from '../apps/server/src/signals/lexicon.scorer.ts';
import { formatRate, printBenchTable, replayDirectory } from './bench-support.ts';

const MIN_SECONDS = Number(process.env.BENCH_SENTIMENT_SECONDS ?? 2);
const MAX_PER_CORPUS = 20_000;

interface Corpus {
  name: string;
  messages: string[];
}

function newsParagraphs(folder: string): Corpus | null {
  const file = join(folder, 'news', 'cryptonews_com_articles.json');
  if (!existsSync(file)) return null;
  const articles = JSON.parse(readFileSync(file, 'utf8')) as { title: string; paragraphs: string[] }[];
  return {
    name: 'news paragraphs',
    messages: articles
      .flatMap((article) => [article.title, ...article.paragraphs])
      .filter((text) => text.trim()),
  };
}

function redditComments(folder: string): Corpus | null {
  const file = join(folder, 'social', 'reddit_crypto_2025-10', 'crypto_comments_20251030_140459.csv.gz');
  if (!existsSync(file)) return null;
  const rows = parse(gunzipSync(readFileSync(file)), { columns: true, skip_empty_lines: true }) as {
    body: string;
  }[];
  const messages = rows
    .map((row) => row.body)
    .filter((body) => body && body !== '[deleted]' && body !== '[removed]')
    .slice(0, MAX_PER_CORPUS);
  return { name: 'Reddit comments', messages };
}

/** The tweets are Python bytes literals (`b'…'` with `\xNN` escapes); read back as UTF-8 text. */
function decodeBytesLiteral(text: string): string {
  const inner = /^b(['"])([\s\S]*)\1$/.exec(text)?.[2] ?? text;
  const bytes: number[] = [];
  for (let index = 0; index < inner.length; index += 1) {
    const escape = /^\\x([0-9a-fA-F]{2})/.exec(inner.slice(index, index + 4));
    if (escape?.[1]) {
      bytes.push(Number.parseInt(escape[1], 16));
      index += 3;
    } else if (inner[index] === '\\' && index + 1 < inner.length) {
      const next = inner[index + 1] ?? '';
      bytes.push(...Buffer.from(next === 'n' ? '\n' : next === 't' ? '\t' : next));
      index += 1;
    } else {
      bytes.push(...Buffer.from(inner[index] ?? ''));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function tweets(folder: string): Corpus | null {
  const directory = join(folder, 'social', 'twitter_news_accounts_2017');
  const files = ['coindesk_tweets.csv', 'Cointelegraph_tweets.csv'].map((name) => join(directory, name));
  if (!files.every((file) => existsSync(file))) return null;
  const messages = files.flatMap((file) =>
    // The files end in a stray line of their own: rows without a text are left out.
    (
      parse(readFileSync(file), { columns: true, skip_empty_lines: true, relax_column_count: true }) as {
        text?: string;
      }[]
    )
      .filter((row) => typeof row.text === 'string' && row.text !== '')
      .map((row) => decodeBytesLiteral(row.text ?? '')),
  );
  return { name: 'news tweets (2017)', messages };
}

function generated(): Corpus {
  const openings = ['Bitcoin', 'ETH', 'This coin', 'The market', 'DOG', 'Solana', 'My portfolio'];
  const middles = [
    'is mooning',
    'got rekt',
    'looks bullish',
    'dumped hard',
    'is a scam',
    'hit an all time high',
  ];
  const ends = ['today', 'again, not financial advice', 'after the hack', 'and I keep HODLing', 'lol'];
  const messages: string[] = [];
  for (let index = 0; index < 5_000; index += 1) {
    messages.push(
      `${openings[index % openings.length]} ${middles[(index * 7) % middles.length]} ${ends[(index * 3) % ends.length]}`,
    );
  }
  return { name: 'generated sentences (no RUNECAST_REPLAY_DIR)', messages };
}

/** Messages scored a second: passes over the messages until `MIN_SECONDS` have gone by, after a warm-up pass. */
function measure(messages: readonly string[], score: (text: string) => number): number {
  let checksum = 0;
  for (const message of messages) checksum += score(message);
  let count = 0;
  const started = process.hrtime.bigint();
  let seconds = 0;
  while (seconds < MIN_SECONDS) {
    for (const message of messages) checksum += score(message);
    count += messages.length;
    seconds = Number(process.hrtime.bigint() - started) / 1e9;
  }
  // Keeps the work observable, so no engine can drop it.
  if (Number.isNaN(checksum)) process.stdout.write('');
  return count / seconds;
}

export async function runSentimentBench(): Promise<{ corpus: string; lexiconPerSecond: number }[]> {
  const folder = replayDirectory();
  const corpora = folder
    ? [newsParagraphs(folder), redditComments(folder), tweets(folder)].filter(
        (corpus): corpus is Corpus => corpus !== null && corpus.messages.length > 0,
      )
    : [];
  if (corpora.length === 0) corpora.push(generated());

  const lexicon = new LexiconSentimentScorer();
  const plainPackage = new Sentiment();
  const scorers: [string, (text: string) => number][] = [
    ['lexicon-v1 (ours)', (text) => lexicon.score(text).sentiment],
    ['sentiment package alone', (text) => plainPackage.analyze(text).score],
    ['tokenisation only', (text) => text.toLowerCase().split(/[^\p{L}\p{N}'-]+/u).length],
  ];
  const rows: string[][] = [];
  const results: { corpus: string; lexiconPerSecond: number }[] = [];
  for (const corpus of corpora) {
    const characters = corpus.messages.reduce((sum, message) => sum + message.length, 0);
    const rates = scorers.map(([, score]) => measure(corpus.messages, score));
    const [ours = 0, bare = 0, tokens = 0] = rates;
    results.push({ corpus: corpus.name, lexiconPerSecond: ours });
    rows.push([
      corpus.name,
      corpus.messages.length.toLocaleString('en-US'),
      String(Math.round(characters / corpus.messages.length)),
      formatRate(ours, 1),
      formatRate(bare, 1),
      formatRate(tokens, 1),
      `${((ours / bare) * 100).toFixed(0)}%`,
      ours >= 20_000 ? 'yes' : 'NO',
    ]);
  }
  printBenchTable(
    'Sentiment scoring on one core, messages a second (target: lexicon-v1 ≥ 20,000/s)',
    [
      'messages',
      'count',
      'mean chars',
      'lexicon-v1',
      'package alone',
      'tokenise only',
      'ours / package',
      '≥ 20k/s',
    ],
    rows,
  );
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runSentimentBench();
