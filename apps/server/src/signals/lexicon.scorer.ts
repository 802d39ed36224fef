import { createRequire } from 'node:module';
import Sentiment from 'sentiment';
import { CRYPTO_PHRASES, CRYPTO_WORD_WEIGHTS } from './crypto-lexicon.ts';
import type { SentimentScore, SentimentScorer } from './sentiment-scorer.port.ts';

const require = createRequire(import.meta.url);
const english = require('sentiment/languages/en/index.js') as Sentiment.LanguageModule;

/**
 * Words that turn the opinion after them around. The package flips a word only right after one of
 * its negators; market talk often puts a word or two between ("not a scam", "never going to
 * moon"), so a negator up to three words back counts, as in VADER.
 */
const NEGATORS = new Set([
  'not',
  'no',
  'never',
  'nothing',
  'nobody',
  'none',
  'neither',
  'nor',
  'without',
  'hardly',
  'cant',
  "can't",
  'cannot',
  'dont',
  "don't",
  'doesnt',
  "doesn't",
  'didnt',
  "didn't",
  'isnt',
  "isn't",
  'wasnt',
  "wasn't",
  'arent',
  "aren't",
  'wont',
  "won't",
  'wouldnt',
  "wouldn't",
  'shouldnt',
  "shouldn't",
  'aint',
  "ain't",
]);
const NEGATION_REACH = 3;

const negationStrategy = {
  apply(tokens: string[], cursor: number, tokenScore: number): number {
    for (let back = 1; back <= NEGATION_REACH && cursor - back >= 0; back += 1) {
      if (NEGATORS.has(tokens[cursor - back] ?? '')) return -tokenScore;
    }
    return tokenScore;
  },
};

/**
 * VADER's normalisation of a summed word score into (-1, 1): about ±0.5 for one strong word,
 * approaching ±1 as more words agree.
 */
const NORMALISATION_ALPHA = 15;

export function normaliseScore(sum: number): number {
  if (sum === 0) return 0;
  return sum / Math.sqrt(sum * sum + NORMALISATION_ALPHA);
}

export interface LexiconScorerOptions {
  /** False scores with the package's English lexicon alone (for comparison); true by default. */
  cryptoVocabulary?: boolean;
}

/**
 * The default scorer: the AFINN-165 lexicon and emoji of the `sentiment` package, with Runecast's
 * crypto vocabulary and phrases added and negation reaching three words back. Offline, fast
 * (tens of thousands of messages a second on one core) and blind to sarcasm, context and who
 * speaks; see docs/signals.md.
 */
export class LexiconSentimentScorer implements SentimentScorer {
  readonly id: string;
  private readonly analyzer = new Sentiment();
  private readonly language: string;
  private readonly crypto: boolean;

  constructor(options: LexiconScorerOptions = {}) {
    this.crypto = options.cryptoVocabulary ?? true;
    this.id = this.crypto ? 'lexicon-v1' : 'afinn-v1';
    // The package keeps languages in a table of its own, keyed by code; each scorer registers
    // its own code rather than passing `extras`, which the package merges into the shared
    // English table for good.
    this.language = this.crypto ? 'en-crypto' : 'en-plain';
    this.analyzer.registerLanguage(this.language, {
      labels: this.crypto ? { ...english.labels, ...CRYPTO_WORD_WEIGHTS } : { ...english.labels },
      scoringStrategy: this.crypto ? negationStrategy : english.scoringStrategy,
    });
  }

  score(text: string): SentimentScore {
    let prepared = text;
    if (this.crypto) {
      for (const [pattern, word] of CRYPTO_PHRASES) prepared = prepared.replace(pattern, word);
    }
    const { score } = this.analyzer.analyze(prepared, { language: this.language });
    return { sentiment: normaliseScore(score), scorer: this.id };
  }
}
