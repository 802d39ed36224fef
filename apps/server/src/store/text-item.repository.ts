import { findTextItemProblem, type TextItem, type TimeRange, ValidationError } from '@runecast/market';
import { assertLimit, assertTimeRange } from './argument-checks.ts';
import type { Database } from './database.port.ts';
import type { TextItemRepository } from './store.port.ts';

const COLUMNS = [
  'source',
  'channel',
  'item_id',
  'published_at_ms',
  'seen_at_ms',
  'title',
  'body',
  'url',
  'author',
] as const;
const COLUMN_LIST = COLUMNS.join(', ');

interface ItemRow {
  source: string;
  channel: string;
  item_id: string;
  published_at_ms: number;
  seen_at_ms: number;
  title: string | null;
  body: string;
  url: string | null;
  author: string | null;
}

const fromRow = (row: ItemRow): TextItem => ({
  source: row.source,
  channel: row.channel,
  id: row.item_id,
  publishedAtMs: Number(row.published_at_ms),
  seenAtMs: Number(row.seen_at_ms),
  title: row.title,
  body: row.body,
  url: row.url,
  author: row.author,
});

/** Text items on the `text_items` table, idempotent by source, channel and item id. */
export class SqlTextItemRepository implements TextItemRepository {
  constructor(private readonly database: Database) {}

  /**
   * Stores new items and applies edits to stored ones (title, body, url); the first
   * `seenAtMs` stays. Returns how many rows were written or changed.
   */
  async upsertItems(items: readonly TextItem[]): Promise<number> {
    for (const item of items) {
      const problem = findTextItemProblem(item);
      if (problem)
        throw new ValidationError(`text item ${String(item.source)}#${String(item.id)}: ${problem}`);
    }
    if (items.length === 0) return 0;
    // Text items arrive in pages of at most a few hundred; one multi-row statement per page
    // is enough, and a JSON parameter keeps the statement the same for every page size.
    const [row] = await this.database.query<{ written: number }>(
      `WITH incoming AS (
         SELECT DISTINCT ON (source, channel, item_id) * FROM jsonb_to_recordset($1::jsonb) AS item(
           source text, channel text, item_id text, published_at_ms bigint, seen_at_ms bigint,
           title text, body text, url text, author text)
       ), written AS (
         INSERT INTO text_items (${COLUMN_LIST})
         SELECT ${COLUMN_LIST} FROM incoming
         ON CONFLICT (source, channel, item_id) DO UPDATE
           SET title = EXCLUDED.title, body = EXCLUDED.body, url = EXCLUDED.url
           WHERE (text_items.title, text_items.body, text_items.url)
             IS DISTINCT FROM (EXCLUDED.title, EXCLUDED.body, EXCLUDED.url)
         RETURNING 1
       )
       SELECT count(*)::int AS written FROM written`,
      [
        JSON.stringify(
          items.map((item) => ({
            source: item.source,
            channel: item.channel,
            item_id: item.id,
            published_at_ms: item.publishedAtMs,
            seen_at_ms: item.seenAtMs,
            title: item.title,
            body: item.body,
            url: item.url,
            author: item.author,
          })),
        ),
      ],
    );
    return row?.written ?? 0;
  }

  /** Items published inside the range, oldest first; every channel of the source when `channel` is null. */
  async listItems(
    source: string,
    channel: string | null,
    range: TimeRange,
    limit?: number,
  ): Promise<TextItem[]> {
    assertTimeRange(range);
    assertLimit(limit);
    const rows = await this.database.query<ItemRow>(
      `SELECT ${COLUMN_LIST} FROM text_items
       WHERE source = $1 AND ($2::text IS NULL OR channel = $2)
         AND published_at_ms >= $3 AND published_at_ms < $4
       ORDER BY published_at_ms, item_id ${limit === undefined ? '' : 'LIMIT $5'}`,
      [source, channel, range.startMs, range.endMs, ...(limit === undefined ? [] : [limit])],
    );
    return rows.map(fromRow);
  }

  /** The newest stored item of a channel (by publication time), where a collector resumes. */
  async latestItem(source: string, channel: string): Promise<TextItem | null> {
    const [row] = await this.database.query<ItemRow>(
      `SELECT ${COLUMN_LIST} FROM text_items WHERE source = $1 AND channel = $2
       ORDER BY published_at_ms DESC, item_id DESC LIMIT 1`,
      [source, channel],
    );
    return row ? fromRow(row) : null;
  }
}
