import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

export const NEWS_ARTICLES_FILE = 'news/cryptonews_com_articles.json';

/** One real article of the replay folder, as the source site published it. */
export interface ReplayedArticle {
  publishedAtMs: number;
  title: string;
  url: string;
  paragraphs: string[];
}

const articleSchema = z.object({
  date: z.string().refine((text) => Number.isFinite(Date.parse(text)), 'must be an ISO-8601 time'),
  title: z.string().min(1),
  url: z.url({ protocol: /^https?$/ }),
  paragraphs: z.array(z.string()),
});

/**
 * Reads the bundled news articles of a replay folder, oldest first; null without the file. A
 * record that does not parse stops the load with its index: the emulator never serves a guess.
 */
export async function loadNewsReplay(directory: string): Promise<ReplayedArticle[] | null> {
  const file = join(directory, NEWS_ARTICLES_FILE);
  if (!existsSync(file)) return null;
  const parsed = z.array(z.unknown()).parse(JSON.parse(await readFile(file, 'utf8')));
  return parsed
    .map((record, index) => {
      const result = articleSchema.safeParse(record);
      if (!result.success) throw new Error(`${file}: article ${index}: ${z.prettifyError(result.error)}`);
      const { date, title, url, paragraphs } = result.data;
      return { publishedAtMs: Date.parse(date), title, url, paragraphs };
    })
    .sort((left, right) => left.publishedAtMs - right.publishedAtMs);
}
