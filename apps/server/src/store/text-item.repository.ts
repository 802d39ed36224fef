import {
  type AnalysedTextItem,
  findTextItemAnalysisProblem,
  findTextItemProblem,
  type TextItem,
  type TextItemAnalysis,
  type TimeRange,
  ValidationError,
} from '@runecast/market';
import { assertLimit, assertTimeRange } from './argument-checks.ts';
import type { Database } from './database.port.ts';
import type {
  KnownTextItem,
  KnownTextItemQuery,
  StoredTextItem,
  TextItemHeading,
  TextItemQuery,
  TextItemReference,
  TextItemRepository,
} from './store.port.ts';

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
const ANALYSED_COLUMN_LIST = `${COLUMN_LIST}, sentiment, scorer, mentions`;

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

interface AnalysedRow extends ItemRow {
  sentiment: number | null;
  scorer: string | null;
  mentions: string[];
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

const fromAnalysedRow = (row: AnalysedRow): AnalysedTextItem => ({
  ...fromRow(row),
  sentiment: row.sentiment === null ? null : Number(row.sentiment),
  scorer: row.scorer,
  mentions: row.mentions,
});

/** Text items on the `text_items` table, idempotent by source, channel and item id. */
export class SqlTextItemRepository implements TextItemRepository {
  constructor(private readonly database: Database) {}

  /**
   * Stores new items and applies edits to stored ones (title, body, url); the first
   * `seenAtMs` stays. Returns how many rows were written or changed.
   */
  async upsertItems(items: readonly (TextItem & Partial<TextItemAnalysis>)[]): Promise<number> {
    for (const item of items) {
      const analysis = {
        sentiment: item.sentiment ?? null,
        scorer: item.scorer ?? null,
        mentions: item.mentions ?? [],
      };
      const problem = findTextItemProblem(item) ?? findTextItemAnalysisProblem(analysis);
      if (problem)
        throw new ValidationError(`text item ${String(item.source)}#${String(item.id)}: ${problem}`);
    }
    if (items.length === 0) return 0;
    // Text items arrive in pages of at most a few hundred; one multi-row statement per page
    // is enough, and a JSON parameter keeps the statement the same for every page size. An item
    // written without a scorer keeps the analysis stored before. A deleted item stays deleted,
    // and one edited through applyEdit keeps that edit: a page read before either carries the
    // older text.
    const [row] = await this.database.query<{ written: number }>(
      `WITH incoming AS (
         SELECT DISTINCT ON (source, channel, item_id) * FROM jsonb_to_recordset($1::jsonb) AS item(
           source text, channel text, item_id text, published_at_ms bigint, seen_at_ms bigint,
           title text, body text, url text, author text, sentiment double precision, scorer text,
           mentions text[])
       ), written AS (
         INSERT INTO text_items (${ANALYSED_COLUMN_LIST})
         SELECT ${COLUMN_LIST}, sentiment, scorer, coalesce(mentions, '{}') FROM incoming
         ON CONFLICT (source, channel, item_id) DO UPDATE
           SET title = EXCLUDED.title, body = EXCLUDED.body, url = EXCLUDED.url,
             sentiment = CASE WHEN EXCLUDED.scorer IS NULL THEN text_items.sentiment ELSE EXCLUDED.sentiment END,
             scorer = coalesce(EXCLUDED.scorer, text_items.scorer),
             mentions = CASE WHEN EXCLUDED.scorer IS NULL THEN text_items.mentions ELSE EXCLUDED.mentions END
           WHERE text_items.deleted_at_ms IS NULL AND text_items.edited_at_ms IS NULL
             AND ((text_items.title, text_items.body, text_items.url) IS DISTINCT FROM
                   (EXCLUDED.title, EXCLUDED.body, EXCLUDED.url)
                OR (EXCLUDED.scorer IS NOT NULL AND (text_items.sentiment, text_items.scorer, text_items.mentions)
                      IS DISTINCT FROM (EXCLUDED.sentiment, EXCLUDED.scorer, EXCLUDED.mentions)))
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
            sentiment: item.sentiment ?? null,
            scorer: item.scorer ?? null,
            mentions: item.mentions ?? [],
          })),
        ),
      ],
    );
    return row?.written ?? 0;
  }

  /**
   * Items published inside the range, oldest first; every channel of the source when `channel` is
   * null. Deleted items are left out.
   */
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
       WHERE source = $1 AND ($2::text IS NULL OR channel = $2) AND deleted_at_ms IS NULL
         AND published_at_ms >= $3 AND published_at_ms < $4
       ORDER BY published_at_ms, item_id ${limit === undefined ? '' : 'LIMIT $5'}`,
      [source, channel, range.startMs, range.endMs, ...(limit === undefined ? [] : [limit])],
    );
    return rows.map(fromRow);
  }

  async removeTextKnownBefore(source: string, beforeMs: number): Promise<number> {
    if (!Number.isSafeInteger(beforeMs)) throw new ValidationError('beforeMs must be epoch milliseconds');
    const [row] = await this.database.query<{ removed: number }>(
      `WITH removed AS (
         UPDATE text_items SET body = ''
         WHERE source = $1 AND greatest(published_at_ms, seen_at_ms) < $2 AND body <> ''
         RETURNING 1
       )
       SELECT count(*)::int AS removed FROM removed`,
      [source, beforeMs],
    );
    return row?.removed ?? 0;
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

  /**
   * The headings (channel, id, title, address) of a source's items that became known at or after
   * `sinceKnownMs`, newest first: what a new article is compared with to find copies, without
   * reading every stored body.
   */
  async listRecentHeadings(source: string, sinceKnownMs: number, limit: number): Promise<TextItemHeading[]> {
    assertTimeRange({ startMs: sinceKnownMs, endMs: sinceKnownMs }, 'known since');
    assertLimit(limit);
    const rows = await this.database.query<{
      channel: string;
      item_id: string;
      title: string | null;
      url: string | null;
      known_at_ms: number;
    }>(
      `SELECT channel, item_id, title, url, known_at_ms FROM text_items
       WHERE source = $1 AND known_at_ms >= $2
       ORDER BY known_at_ms DESC, item_id LIMIT $3`,
      [source, sinceKnownMs, limit],
    );
    return rows.map((row) => ({
      channel: row.channel,
      id: row.item_id,
      title: row.title,
      url: row.url,
      knownAtMs: Number(row.known_at_ms),
    }));
  }

  /**
   * What the text metrics of markets need of each item of a source that became known inside
   * `range` (start exclusive, end inclusive: a window ending at a time includes that time). An
   * item deleted by the range's start is left out; one deleted later comes with its deletion
   * time, so a point before it still counts it.
   */
  async listKnown(source: string, range: TimeRange): Promise<KnownTextItem[]> {
    assertTimeRange(range);
    const rows = await this.database.query<{
      known_at_ms: number;
      sentiment: number | null;
      mentions: string[];
      deleted_at_ms: number | null;
    }>(
      `SELECT known_at_ms, sentiment, mentions, deleted_at_ms FROM text_items
       WHERE source = $1 AND known_at_ms > $2 AND known_at_ms <= $3
         AND (deleted_at_ms IS NULL OR deleted_at_ms > $2)
       ORDER BY known_at_ms`,
      [source, range.startMs, range.endMs],
    );
    return rows.map((row) => ({
      knownAtMs: Number(row.known_at_ms),
      sentiment: row.sentiment === null ? null : Number(row.sentiment),
      mentions: row.mentions,
      deletedAtMs: row.deleted_at_ms === null ? null : Number(row.deleted_at_ms),
    }));
  }

  /** Items matching every filter given, newest published first (then item id and channel, descending); deleted items are left out. */
  async queryItems(query: TextItemQuery): Promise<AnalysedTextItem[]> {
    assertLimit(query.limit);
    if (query.publishedRange) assertTimeRange(query.publishedRange, 'publication range');
    for (const bound of [query.minSentiment, query.maxSentiment]) {
      if (bound !== undefined && !(bound >= -1 && bound <= 1)) {
        throw new ValidationError(`sentiment bounds must be from -1 to 1 (${String(bound)})`);
      }
    }
    if (query.after !== undefined && !Number.isSafeInteger(query.after.publishedAtMs)) {
      throw new ValidationError(
        'the position to continue after needs a publication time in epoch milliseconds',
      );
    }
    if (query.bodyCharacters !== undefined) assertLimit(query.bodyCharacters);
    const columns = ANALYSED_COLUMN_LIST.replace(
      'body',
      query.bodyCharacters === undefined ? 'body' : `left(body, ${query.bodyCharacters}) AS body`,
    );
    const rows = await this.database.query<AnalysedRow>(
      `SELECT ${columns} FROM text_items
       WHERE source = $1 AND deleted_at_ms IS NULL
         AND ($2::text IS NULL OR $2 = ANY (mentions))
         AND ($3::bigint IS NULL OR published_at_ms >= $3)
         AND ($4::bigint IS NULL OR published_at_ms < $4)
         AND ($5::double precision IS NULL OR sentiment >= $5)
         AND ($6::double precision IS NULL OR sentiment <= $6)
         AND ($8::text IS NULL OR channel = $8)
         AND ($9::bigint IS NULL OR (published_at_ms, item_id, channel) < ($9, $10::text, $11::text))
       ORDER BY published_at_ms DESC, item_id DESC, channel DESC
       LIMIT $7`,
      [
        query.source,
        query.mention ?? null,
        query.publishedRange?.startMs ?? null,
        query.publishedRange?.endMs ?? null,
        query.minSentiment ?? null,
        query.maxSentiment ?? null,
        query.limit,
        query.channel ?? null,
        query.after?.publishedAtMs ?? null,
        query.after?.id ?? null,
        query.after?.channel ?? null,
      ],
    );
    return rows.map(fromAnalysedRow);
  }

  async listKnownItems(query: KnownTextItemQuery): Promise<{ items: AnalysedTextItem[]; matched: number }> {
    assertLimit(query.limit);
    assertTimeRange(query.knownRange, 'known range');
    if (query.sources.length === 0) return { items: [], matched: 0 };
    const rows = await this.database.query<AnalysedRow & { matched: number }>(
      `SELECT ${ANALYSED_COLUMN_LIST}, count(*) OVER ()::int AS matched FROM text_items
       WHERE source = ANY ($1::text[])
         AND ($2::text IS NULL OR channel = $2)
         AND ($3::text IS NULL OR $3 = ANY (mentions))
         AND known_at_ms > $4 AND known_at_ms <= $5
         AND deleted_at_ms IS NULL
       ORDER BY known_at_ms DESC, published_at_ms DESC, source, channel, item_id
       LIMIT $6`,
      [
        [...query.sources],
        query.channel ?? null,
        query.mention ?? null,
        query.knownRange.startMs,
        query.knownRange.endMs,
        query.limit,
      ],
    );
    return { items: rows.map(fromAnalysedRow), matched: Number(rows[0]?.matched ?? 0) };
  }

  async listKnownChannels(source: string, range: TimeRange): Promise<string[]> {
    assertTimeRange(range);
    const rows = await this.database.query<{ channel: string }>(
      `SELECT DISTINCT channel FROM text_items
       WHERE source = $1 AND known_at_ms > $2 AND known_at_ms <= $3 AND deleted_at_ms IS NULL
       ORDER BY channel`,
      [source, range.startMs, range.endMs],
    );
    return rows.map((row) => row.channel);
  }

  async applyEdit(item: TextItem & Partial<TextItemAnalysis>, editedAtMs: number): Promise<boolean> {
    const analysis = {
      sentiment: item.sentiment ?? null,
      scorer: item.scorer ?? null,
      mentions: item.mentions ?? [],
    };
    const problem = findTextItemProblem(item) ?? findTextItemAnalysisProblem(analysis);
    if (problem) throw new ValidationError(`text item ${String(item.source)}#${String(item.id)}: ${problem}`);
    if (!Number.isSafeInteger(editedAtMs)) throw new ValidationError('editedAtMs must be epoch milliseconds');
    const rows = await this.database.query<{ written: number }>(
      `INSERT INTO text_items (${ANALYSED_COLUMN_LIST}, edited_at_ms)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::text[], $13)
       ON CONFLICT (source, channel, item_id) DO UPDATE
         SET title = EXCLUDED.title, body = EXCLUDED.body, url = EXCLUDED.url,
           sentiment = CASE WHEN EXCLUDED.scorer IS NULL THEN text_items.sentiment ELSE EXCLUDED.sentiment END,
           scorer = coalesce(EXCLUDED.scorer, text_items.scorer),
           mentions = CASE WHEN EXCLUDED.scorer IS NULL THEN text_items.mentions ELSE EXCLUDED.mentions END,
           edited_at_ms = EXCLUDED.edited_at_ms
         WHERE text_items.deleted_at_ms IS NULL
           AND (text_items.edited_at_ms IS NULL OR text_items.edited_at_ms < EXCLUDED.edited_at_ms)
       RETURNING 1 AS written`,
      [
        item.source,
        item.channel,
        item.id,
        item.publishedAtMs,
        item.seenAtMs,
        item.title,
        item.body,
        item.url,
        item.author,
        analysis.sentiment,
        analysis.scorer,
        analysis.mentions,
        editedAtMs,
      ],
    );
    return rows.length > 0;
  }

  async markDeleted(reference: TextItemReference, deletedAtMs: number, seenAtMs: number): Promise<boolean> {
    for (const [name, value] of [
      ['publishedAtMs', reference.publishedAtMs],
      ['deletedAtMs', deletedAtMs],
      ['seenAtMs', seenAtMs],
    ] as const) {
      if (!Number.isSafeInteger(value) || value < 0)
        throw new ValidationError(`${name} must be epoch milliseconds`);
    }
    for (const [name, value] of [
      ['source', reference.source],
      ['channel', reference.channel],
      ['id', reference.id],
    ] as const) {
      if (typeof value !== 'string' || value === '')
        throw new ValidationError(`${name} must be non-empty text`);
    }
    const rows = await this.database.query<{ written: number }>(
      `INSERT INTO text_items (source, channel, item_id, published_at_ms, seen_at_ms, body, deleted_at_ms)
       VALUES ($1, $2, $3, $4, $5, '', $6)
       ON CONFLICT (source, channel, item_id) DO UPDATE
         SET body = '', deleted_at_ms = EXCLUDED.deleted_at_ms
         WHERE text_items.deleted_at_ms IS NULL
       RETURNING 1 AS written`,
      [reference.source, reference.channel, reference.id, reference.publishedAtMs, seenAtMs, deletedAtMs],
    );
    return rows.length > 0;
  }

  async getItem(source: string, channel: string, id: string): Promise<StoredTextItem | null> {
    const [row] = await this.database.query<
      AnalysedRow & { edited_at_ms: number | null; deleted_at_ms: number | null }
    >(
      `SELECT ${ANALYSED_COLUMN_LIST}, edited_at_ms, deleted_at_ms FROM text_items
       WHERE source = $1 AND channel = $2 AND item_id = $3`,
      [source, channel, id],
    );
    if (!row) return null;
    return {
      ...fromAnalysedRow(row),
      editedAtMs: row.edited_at_ms === null ? null : Number(row.edited_at_ms),
      deletedAtMs: row.deleted_at_ms === null ? null : Number(row.deleted_at_ms),
    };
  }
}
