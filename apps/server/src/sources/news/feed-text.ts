import { decodeHTML } from 'entities';
import { TEXT_ITEM_MAX_BODY } from '@runecast/market';

const CUT_NOTE = ' … [cut by Runecast]';

/**
 * The readable text of a feed's HTML snippet: tags dropped, block ends as line breaks, entities
 * decoded, runs of blank space collapsed. Written here rather than taken from an HTML library
 * because feed summaries are small fragments and only their words are kept; nothing is rendered.
 */
export function htmlToText(html: string): string {
  return decodeHTML(
    html
      .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, ' ')
      .replace(/<!--[\s\S]*?-->/g, ' ')
      .replace(/<\/(?:p|div|li|h[1-6]|blockquote|tr)\s*>|<br\s*\/?>/gi, '\n')
      .replace(/<[^>]*>/g, ' '),
  )
    .replace(/[ \t\f\v\u00a0]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Text no longer than a stored item may be; a longer text is cut and says so. */
export function fitBody(text: string): string {
  if (text.length <= TEXT_ITEM_MAX_BODY) return text;
  return `${text.slice(0, TEXT_ITEM_MAX_BODY - CUT_NOTE.length)}${CUT_NOTE}`;
}
