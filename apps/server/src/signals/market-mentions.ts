import { MENTION_PATTERN, RUNE_SPACER } from '@runecast/market';

/**
 * Names by which text refers to widely traded assets besides their code. A code is matched in
 * capitals or with a `$` (`BTC`, `$btc`), since short codes are ordinary words in lower case
 * ("sol", "ada", "dot"); a name is matched in any case.
 */
const ASSET_NAMES: Readonly<Record<string, readonly string[]>> = {
  BTC: ['bitcoin', 'bitcoins', 'btc', 'xbt'],
  ETH: ['ethereum', 'ether', 'eth'],
  SOL: ['solana'],
  XRP: ['ripple'],
  DOGE: ['dogecoin'],
  BNB: ['binance coin'],
  ADA: ['cardano'],
  TRX: ['tron'],
  AVAX: ['avalanche'],
  DOT: ['polkadot'],
  LINK: ['chainlink'],
  LTC: ['litecoin'],
  TON: ['toncoin'],
  USDT: ['tether'],
  USDC: ['usd coin'],
  MATIC: ['polygon'],
  SHIB: ['shiba inu'],
};

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** How a subject is found in text: patterns any of which names it. */
function patternsFor(subject: string): RegExp[] {
  const edge = '(?![\\p{L}\\p{N}])';
  if (subject.includes(RUNE_SPACER)) {
    // A rune is written with its spacers, with dots or spaces between the words, or run together.
    const words = subject.split(RUNE_SPACER).map(escape);
    return [new RegExp(`(?<![\\p{L}\\p{N}])${words.join('[•. ]?')}${edge}`, 'iu')];
  }
  const patterns = [
    new RegExp(`(?<![\\p{L}\\p{N}$])${escape(subject)}${edge}`, 'u'),
    new RegExp(`\\$${escape(subject)}${edge}`, 'iu'),
  ];
  const names = (ASSET_NAMES[subject] ?? []).map((name) => escape(name).replace(/ /g, '\\s+'));
  if (names.length > 0) {
    patterns.push(new RegExp(`(?<![\\p{L}\\p{N}])(?:${names.join('|')})${edge}`, 'iu'));
  }
  return patterns;
}

/** The assets every mention finder knows, besides the subjects it is given. */
export const KNOWN_ASSETS: readonly string[] = Object.keys(ASSET_NAMES);

/**
 * Finds which of a set of subjects (asset codes such as `BTC`, rune names such as
 * `DOG•GO•TO•THE•MOON`) a text names. Built once per set of subjects; finding is one regular
 * expression test per subject.
 */
export class MentionFinder {
  private readonly patterns: { subject: string; patterns: RegExp[] }[];

  constructor(subjects: Iterable<string>) {
    this.patterns = [...new Set([...KNOWN_ASSETS, ...subjects])].sort().map((subject) => ({
      subject,
      patterns: patternsFor(subject),
    }));
  }

  /** The subjects named in `text`, sorted. */
  find(text: string): string[] {
    return this.patterns
      .filter(({ patterns }) => patterns.some((pattern) => pattern.test(text)))
      .map(({ subject }) => subject);
  }
}

/**
 * The asset or rune a channel's `about` entry or a tracked market names: `binance:BTC/USDT` and
 * `BTC/USDT:USDT` → `BTC`, `ordiscan:DOG•GO•TO•THE•MOON/SATS` and `DOG•GO•TO•THE•MOON` →
 * `DOG•GO•TO•THE•MOON`; null when it names none.
 */
export function subjectOf(about: string): string | null {
  const base = about.split('/')[0] ?? '';
  const subject = base.slice(base.lastIndexOf(':') + 1).toUpperCase();
  return MENTION_PATTERN.test(subject) ? subject : null;
}
