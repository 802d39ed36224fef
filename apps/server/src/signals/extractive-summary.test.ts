import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TextItem } from '@runecast/market';
import { contentWords, splitSentences, summariseExtractively } from './extractive-summary.ts';

const BASE_MS = Date.UTC(2025, 9, 10);

// Messages written for this test.
const message = (id: string, body: string, title: string | null = null): TextItem => ({
  source: 'discord',
  channel: 'miners-chat',
  id,
  publishedAtMs: BASE_MS + Number(id.replace(/\D/g, '') || 0) * 60_000,
  seenAtMs: BASE_MS + 3_600_000,
  title,
  body,
  url: `https://chat.test/${id}`,
  author: null,
});

const SOLD = 'Bitcoin miners sold coins after the halving.';
const FEES = 'Bitcoin miners expect fees to rise after the halving.';
const CAT = 'My cat likes fresh salmon every morning.';
const CUT = 'The halving cut bitcoin miners rewards in half.';

test('content words drop stopwords, numbers, links and possessives', () => {
  assert.deepEqual(contentWords(SOLD), ['bitcoin', 'miners', 'sold', 'coins', 'halving']);
  assert.deepEqual(contentWords(FEES), ['bitcoin', 'miners', 'expect', 'fees', 'rise', 'halving']);
  assert.deepEqual(contentWords(CAT), ['cat', 'likes', 'fresh', 'salmon', 'every', 'morning']);
  assert.deepEqual(contentWords(CUT), ['halving', 'cut', 'bitcoin', 'miners', 'rewards', 'half']);
  assert.deepEqual(contentWords("BTC's 2024 high was 73000"), ['btc', 'high']);
});

test('sentences split at their ends, not at abbreviations, and lose their links', () => {
  assert.deepEqual(splitSentences('Dr. Lee sold at the top. Read https://blog.test/a.b first!\nThen wait'), [
    'Dr. Lee sold at the top.',
    'Read first!',
    'Then wait',
  ]);
});

test('SumBasic picks by mean word frequency and squares the words it used (worked by hand)', () => {
  // Words counted once per item: 5 + 6 + 6 + 6 = 23 uses; bitcoin, miners and halving 3 each,
  // every other word 1.
  // Round 1: SOLD (3+3+3+1+1)/5/23 = 11/115 ≈ 0.0957; FEES and CUT (9+3)/6/23 = 2/23 ≈ 0.0870;
  //          CAT 6/6/23 = 1/23 ≈ 0.0435. SOLD wins; its words fall to p²: 9/529 for the three.
  // Round 2: FEES and CUT (3·9/529 + 3/23)/6 = 16/529 ≈ 0.0302; CAT still 1/23 ≈ 0.0435: CAT.
  // Round 3: FEES and CUT tie at 16/529; the earlier item (FEES) wins. FEES shares 3 of 8 words
  //          with SOLD (Jaccard 0.375), below the redundancy bar.
  const summary = summariseExtractively(
    [message('m1', SOLD), message('m2', FEES), message('m3', CAT), message('m4', CUT)],
    3,
  );
  assert.deepEqual(
    summary.sentences.map((sentence) => sentence.text),
    [SOLD, CAT, FEES],
  );
  const expected = [11 / 115, 1 / 23, 16 / 529];
  summary.sentences.forEach((sentence, index) =>
    assert.ok(Math.abs(sentence.score - expected[index]!) < 1e-12),
  );
  assert.equal(summary.itemsRead, 4);
  assert.equal(summary.candidateSentences, 4);
  assert.equal(summary.ranker, 'sumbasic-v1');

  // Order decides ties only: with CUT first, CUT takes the third place.
  const reordered = summariseExtractively(
    [message('m4', CUT), message('m1', SOLD), message('m2', FEES), message('m3', CAT)],
    3,
  );
  assert.deepEqual(
    reordered.sentences.map((sentence) => sentence.text),
    [SOLD, CAT, CUT],
  );
});

test('a sentence repeating the words of a chosen one is skipped (worked by hand)', () => {
  const again = 'After the halving, bitcoin miners sold coins!';
  // 5 + 5 + 6 = 16 uses; bitcoin, miners, halving 3; sold, coins 2; cut, rewards, half 1.
  // SOLD and `again` (9+4)/5/16 = 0.1625, CUT (9+3)/6/16 = 0.125: SOLD (earlier). `again` has
  // SOLD's very words (Jaccard 1) and is skipped; CUT comes next at (3·9/256 + 3/16)/6 = 75/1536.
  const summary = summariseExtractively([message('m1', SOLD), message('m2', again), message('m3', CUT)], 3);
  assert.deepEqual(
    summary.sentences.map((sentence) => [sentence.text, sentence.score]),
    [
      [SOLD, 13 / 80],
      [CUT, 75 / 1536],
    ],
  );
});

test('each sentence links back to its item; copies, short sentences and titles are handled', () => {
  const article: TextItem = {
    ...message('a9', `${FEES} Wow. ${FEES}`, 'Halving day: miners count their bitcoin rewards'),
    source: 'news',
    channel: 'desk',
  };
  const summary = summariseExtractively(
    [article, message('m1', SOLD), message('m2', SOLD), message('m3', 'lol same')],
    5,
  );
  // m2 is m1 again and is read once; "Wow." and "lol same" are too short to choose; the repeated
  // sentence of the article is one candidate.
  assert.equal(summary.itemsRead, 3);
  assert.equal(summary.candidateSentences, 3);
  const title = summary.sentences.find((sentence) => sentence.text.startsWith('Halving day'));
  assert.deepEqual(title && { ...title, score: 0 }, {
    text: 'Halving day: miners count their bitcoin rewards',
    score: 0,
    source: 'news',
    channel: 'desk',
    itemId: 'a9',
    url: 'https://chat.test/a9',
    publishedAtMs: BASE_MS + 9 * 60_000,
    seenAtMs: BASE_MS + 3_600_000,
    knownAtMs: BASE_MS + 3_600_000,
  });
});

test('the same items give the same summary; no items give none', () => {
  const items = [CAT, SOLD, FEES, CUT, SOLD.toUpperCase()].map((body, index) => message(`m${index}`, body));
  assert.deepEqual(summariseExtractively(items, 4), summariseExtractively(items, 4));
  assert.deepEqual(summariseExtractively([], 3).sentences, []);
  assert.throws(() => summariseExtractively(items, 0), RangeError);
});
