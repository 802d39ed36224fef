import { isRuneId, parseRuneName as parseMarketRuneName, RUNE_SPACER, spaceRuneName } from '@runecast/market';

/**
 * Rune names as ord defines them: letters A–Z, with optional spacers (`•`, also `.` when parsing)
 * between letters, held as the un-spaced name plus a `spacers` bitfield (bit N puts a spacer after
 * letter N, counting from the left).
 */
export const SPACER = RUNE_SPACER;
export const FIRST_RUNE_BLOCK = 840_000;
const UNLOCK_INTERVAL_BLOCKS = 17_500;

export interface ParsedRuneName {
  /** Un-spaced upper-case name, the rune's identity. */
  name: string;
  spacers: number;
}

/**
 * Parses a spaced or un-spaced name by the market vocabulary's rune rules (lower case is
 * upper-cased; a leading, trailing or doubled spacer or any other character is invalid: null).
 */
export function parseRuneName(input: string): ParsedRuneName | null {
  try {
    const parsed = parseMarketRuneName(input);
    return { name: parsed.unspaced, spacers: parsed.spacers };
  } catch {
    return null;
  }
}

/** The display form: `•` after each letter whose bit is set in `spacers`. */
export const spacedRuneName = spaceRuneName;

/** The shortest name that may be etched at `height` (13 letters at 840,000, one less every 17,500 blocks). */
export function minimumNameLength(height: number): number {
  const steps = Math.floor(Math.max(0, height - FIRST_RUNE_BLOCK) / UNLOCK_INTERVAL_BLOCKS);
  return Math.max(1, 13 - steps);
}

/** A rune id `BLOCK:TX`. */
export { isRuneId };
