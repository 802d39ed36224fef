import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LexiconSentimentScorer, normaliseScore } from './lexicon.scorer.ts';
import { sentimentDirection } from './sentiment-scorer.port.ts';

type Label = 'positive' | 'negative' | 'neutral';

// Written for this test, in the voice of market chat and crypto headlines; labelled by hand
// before the scorer was run on them.
const LABELLED: readonly (readonly [string, Label])[] = [
  ['BTC just broke its all-time high, we are so back', 'positive'],
  ['This coin is going to the moon, bullish af', 'positive'],
  ['HODL strong, the bull run has only started', 'positive'],
  ['ETH mooning again today, what a week', 'positive'],
  ['Buying the dip, long term this is undervalued', 'positive'],
  ['New ATH for SOL, congrats to everyone who held', 'positive'],
  ['Huge inflows into the spot ETFs this week, very bullish', 'positive'],
  ['The SEC approves the first spot ether funds', 'positive'],
  ['Bitcoin rallies past resistance as buyers return', 'positive'],
  ['Love this community, wagmi', 'positive'],
  ['DOG is pumping hard, LFG 🚀', 'positive'],
  ['Price soared overnight and my bags are green', 'positive'],
  ['Great upgrade, fees are much lower now', 'positive'],
  ['Not a scam at all, the team shipped everything they promised', 'positive'],
  ['Adoption keeps growing, more merchants accept it every month', 'positive'],
  ['Got rekt on that long, liquidated at the low', 'negative'],
  ['Total rug pull, devs vanished with the liquidity', 'negative'],
  ['This project is a scam, stay away', 'negative'],
  ['Exchange hacked, 200M drained from the hot wallet', 'negative'],
  ['Protocol exploit leaves users with losses', 'negative'],
  ['Bearish divergence everywhere, expecting a dump', 'negative'],
  ['Market crashed and alts are bleeding', 'negative'],
  ['Classic pump and dump, I lost half my stack', 'negative'],
  ['So much FUD today, everyone is panic selling', 'negative'],
  ['Bitcoin plunges below 60k as liquidations mount', 'negative'],
  ['Another bear market year, this is painful', 'negative'],
  ['Token delisted after the fraud charges', 'negative'],
  ['This coin will never moon, ngmi', 'negative'],
  ['Capitulation candle, people are giving up', 'negative'],
  ['Lender files for bankruptcy and freezes withdrawals', 'negative'],
  ['Bitcoin traded near 64,000 on Tuesday', 'neutral'],
  ['The block reward halves roughly every four years', 'neutral'],
  ['What time is the FOMC meeting today?', 'neutral'],
  ['Support sits at 58k and resistance at 62k', 'neutral'],
  ['Ethereum developers scheduled the next call for Thursday', 'neutral'],
  ['How do I move my runes to another wallet?', 'neutral'],
  ['The exchange lists a new trading pair on Monday', 'neutral'],
  ['Weekly open interest report for perpetual futures', 'neutral'],
  ['Anyone know the ticker for this rune?', 'neutral'],
  ['The foundation published its quarterly report', 'neutral'],
];

const direction = (label: Label): -1 | 0 | 1 => (label === 'positive' ? 1 : label === 'negative' ? -1 : 0);

function accuracyOf(scorer: LexiconSentimentScorer): { accuracy: number; misses: string[] } {
  const misses: string[] = [];
  for (const [text, label] of LABELLED) {
    const { sentiment } = scorer.score(text);
    if (sentimentDirection(sentiment) !== direction(label))
      misses.push(`${label}: ${text} (${sentiment.toFixed(2)})`);
  }
  return { accuracy: 1 - misses.length / LABELLED.length, misses };
}

describe('lexicon sentiment scorer', () => {
  test('the labelled set has at least ten examples of each label', () => {
    for (const label of ['positive', 'negative', 'neutral'] as const) {
      assert.ok(LABELLED.filter(([, each]) => each === label).length >= 10, label);
    }
  });

  test('labels at least 85% of the hand-labelled examples right, and beats the plain lexicon by 20 points', () => {
    const crypto = accuracyOf(new LexiconSentimentScorer());
    const plain = accuracyOf(new LexiconSentimentScorer({ cryptoVocabulary: false }));
    // The measured figures go into docs/signals.md.
    console.log(
      `lexicon-v1 accuracy ${(crypto.accuracy * 100).toFixed(1)}%, plain AFINN ${(plain.accuracy * 100).toFixed(1)}%` +
        ` on ${LABELLED.length} examples`,
    );
    assert.ok(crypto.accuracy >= 0.85, `accuracy ${crypto.accuracy}; misses:\n${crypto.misses.join('\n')}`);
    assert.ok(
      crypto.accuracy - plain.accuracy >= 0.2,
      `plain lexicon ${plain.accuracy}, crypto ${crypto.accuracy}`,
    );
  });

  test('keeps every score in [-1, 1], names its scorer, and gives 0 to text without opinion', () => {
    const scorer = new LexiconSentimentScorer();
    for (const [text] of LABELLED) {
      const { sentiment, scorer: id } = scorer.score(text);
      assert.ok(sentiment >= -1 && sentiment <= 1, text);
      assert.equal(id, 'lexicon-v1');
    }
    assert.equal(scorer.score('').sentiment, 0);
    assert.equal(scorer.score('the block height is 840000').sentiment, 0);
    const long = 'moon bullish ATH pump '.repeat(2_000);
    assert.ok(scorer.score(long).sentiment > 0.99 && scorer.score(long).sentiment <= 1);
  });

  test('negation a few words back turns an opinion around', () => {
    const scorer = new LexiconSentimentScorer();
    assert.ok(scorer.score('this is a scam').sentiment < 0);
    assert.ok(scorer.score('this is not a scam').sentiment > 0);
    assert.ok(scorer.score('it will moon').sentiment > 0);
    assert.ok(scorer.score('it will never moon').sentiment < 0);
  });

  test('folds phrases into one word before scoring', () => {
    const scorer = new LexiconSentimentScorer();
    assert.ok(scorer.score('another rug-pull').sentiment < -0.5);
    assert.ok(scorer.score('all time high').sentiment > 0.5);
    assert.equal(new LexiconSentimentScorer({ cryptoVocabulary: false }).score('all time high').sentiment, 0);
  });

  test('a crypto scorer and a plain one in one process do not share a lexicon', () => {
    const crypto = new LexiconSentimentScorer();
    const plain = new LexiconSentimentScorer({ cryptoVocabulary: false });
    assert.ok(crypto.score('bullish').sentiment > 0);
    assert.equal(plain.score('bullish').sentiment, 0);
    assert.ok(new LexiconSentimentScorer().score('rekt').sentiment < 0);
    assert.equal(plain.id, 'afinn-v1');
  });

  test('normalises a word sum like VADER', () => {
    assert.equal(normaliseScore(0), 0);
    assert.ok(Math.abs(normaliseScore(3) - 3 / Math.sqrt(24)) < 1e-12);
    assert.ok(normaliseScore(-1_000) > -1);
  });
});
