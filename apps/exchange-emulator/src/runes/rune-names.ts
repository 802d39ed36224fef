/**
 * Rune names as ord defines them: letters A–Z, with optional spacers (`•`, also `.` when parsing)
 * between letters, held as the un-spaced name plus a `spacers` bitfield (bit N puts a spacer after
 * letter N, counting from the left).
 */
export const SPACER = '•';
export const FIRST_RUNE_BLOCK = 840_000;
const UNLOCK_INTERVAL_BLOCKS = 17_500;

export interface ParsedRuneName {
  /** Un-spaced upper-case name, the rune's identity. */
  name: string;
  spacers: number;
}

/**
 * Parses a spaced or un-spaced name. Lower case is accepted and upper-cased (the providers' URLs
 * are case-insensitive in the emulator); a leading, trailing or doubled spacer and any other
 * character make it invalid (null).
 */
export function parseRuneName(input: string): ParsedRuneName | null {
  const text = input.trim().toUpperCase();
  if (text.length === 0 || text.length > 60) return null;
  let name = '';
  let spacers = 0;
  let lastWasSpacer = true;
  for (const character of text) {
    if (character === SPACER || character === '.') {
      if (lastWasSpacer) return null;
      spacers |= 1 << (name.length - 1);
      lastWasSpacer = true;
      continue;
    }
    if (character < 'A' || character > 'Z') return null;
    name += character;
    lastWasSpacer = false;
  }
  if (lastWasSpacer || name.length > 26) return null;
  return { name, spacers };
}

/** The display form: `•` after each letter whose bit is set in `spacers`. */
export function spacedRuneName(name: string, spacers: number): string {
  let result = '';
  for (let index = 0; index < name.length; index += 1) {
    result += name[index];
    if (index < name.length - 1 && (spacers & (1 << index)) !== 0) result += SPACER;
  }
  return result;
}

/** The shortest name that may be etched at `height` (13 letters at 840,000, one less every 17,500 blocks). */
export function minimumNameLength(height: number): number {
  const steps = Math.floor(Math.max(0, height - FIRST_RUNE_BLOCK) / UNLOCK_INTERVAL_BLOCKS);
  return Math.max(1, 13 - steps);
}

export function isRuneId(text: string): boolean {
  return /^\d+:\d+$/.test(text);
}
