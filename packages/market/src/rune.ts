import { ValidationError } from './errors.ts';
import { RUNE_SPACER } from './series-key.ts';

/** The quote unit of a rune's price series: satoshis per whole rune unit. */
export const RUNE_QUOTE = 'SATS';

/** Most letters a rune name can have (names of 27 letters and more are reserved by the protocol). */
export const RUNE_NAME_MAX_LETTERS = 26;

/** A rune's name in the spellings providers use. */
export interface RuneName {
  /** With spacers, for display and series keys: `DOG•GO•TO•THE•MOON`. */
  spaced: string;
  /** Without spacers, the rune's identity and what Ordiscan's paths take: `DOGGOTOTHEMOON`. */
  unspaced: string;
  /** The protocol's spacers bitfield: bit n set puts a `•` after letter n (from 0, left to right). */
  spacers: number;
}

/**
 * A rune name as people type it (`dog.go.to.the.moon`, `DOG GO TO THE MOON`,
 * `DOG•GO•TO•THE•MOON`), checked by the protocol's rules: letters A–Z only, a spacer (`•` or `.`,
 * typed spaces too) only between two letters, at most 26 letters. Spacers do not change which
 * rune it is, so `DOGGOTOTHEMOON` and `DOG•GO•TO•THE•MOON` are the same rune.
 */
export function parseRuneName(text: string): RuneName {
  const spaced = text
    .trim()
    .toUpperCase()
    .replace(/[.\s·]+/gu, RUNE_SPACER);
  if (!/^[A-Z]+(?:•[A-Z]+)*$/u.test(spaced)) {
    throw new ValidationError(
      `"${text}" is not a rune name: letters A-Z, with • or . only between letters (e.g. DOG•GO•TO•THE•MOON)`,
    );
  }
  const unspaced = spaced.replaceAll(RUNE_SPACER, '');
  if (unspaced.length > RUNE_NAME_MAX_LETTERS) {
    throw new ValidationError(`rune name "${text}" has more than ${RUNE_NAME_MAX_LETTERS} letters`);
  }
  let spacers = 0;
  let letters = 0;
  for (const character of spaced) {
    if (character === RUNE_SPACER) spacers += 2 ** (letters - 1);
    else letters += 1;
  }
  return { spaced, unspaced, spacers };
}

/** The spaced name from the unspaced one and the protocol's spacers bitfield (bit n: a `•` after letter n). */
export function spaceRuneName(unspaced: string, spacers: number): string {
  let out = '';
  for (let index = 0; index < unspaced.length; index += 1) {
    out += unspaced[index];
    if (index < unspaced.length - 1 && Math.floor(spacers / 2 ** index) % 2 === 1) out += RUNE_SPACER;
  }
  return out;
}

/** A rune id `BLOCK:TX` (the etching's block height and transaction index), e.g. `840000:3`. */
export function isRuneId(text: string): boolean {
  const match = /^(\d{1,9}):(\d{1,6})$/.exec(text);
  return match !== null && Number(match[1]) >= 840_000;
}

/** The instrument of a rune's price in sats: `DOG•GO•TO•THE•MOON/SATS`. */
export function runeSymbol(name: RuneName | string): string {
  const spaced = typeof name === 'string' ? parseRuneName(name).spaced : name.spaced;
  return `${spaced}/${RUNE_QUOTE}`;
}

/** The rune of a rune instrument (`DOG•GO•TO•THE•MOON/SATS`), or null when it is not one. */
export function runeOfSymbol(symbol: string): RuneName | null {
  const [base, quote, extra] = symbol.split('/');
  if (quote !== RUNE_QUOTE || extra !== undefined || base === undefined) return null;
  try {
    return parseRuneName(base);
  } catch {
    return null;
  }
}
