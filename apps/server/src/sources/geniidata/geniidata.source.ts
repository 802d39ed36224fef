import {
  type Clock,
  isValidMetricName,
  parseRuneName,
  RateLimitedError,
  runeOfSymbol,
  runeSymbol,
  systemClock,
  TransientSourceError,
} from '@runecast/market';
import { z } from 'zod';
import { RUNES_POLL_TIMEFRAME } from '../runes/runes-timing.ts';
import { keyHeaders, type ProviderResponse, ProviderHttp } from '../http/provider-http.ts';
import type {
  SnapshotBatch,
  SnapshotInstrument,
  SnapshotSource,
  SnapshotSourceCapabilities,
} from '../snapshot-source.port.ts';

export const GENIIDATA_BASE_URL = 'https://api.geniidata.com';

export interface GeniiDataSourceOptions {
  /** `https://api.geniidata.com`, or the emulator's GeniiData path. */
  baseUrl?: string;
  /** The API key (`api-key` header); read per request. */
  apiKey: () => Promise<string | null>;
  /** The id of the user's published query over `runes.dim_tokens_info`, whose rows are read. */
  datasourceId: string;
  simulated?: boolean;
  clock?: Clock;
}

// The open API's envelope as its clients read it (not confirmed by published documentation):
// `code` 0 with `data.list` of rows keyed by the query's column aliases; `data.count` the total.
const envelope = z.object({
  code: z.number().int(),
  message: z.string().optional(),
  data: z
    .object({
      count: z.coerce.number().int().nonnegative(),
      list: z.array(z.record(z.string(), z.unknown())),
    })
    .nullable()
    .optional(),
});

/** The code GeniiData answers, with or without HTTP 429, when the key's quota is spent. */
const QUOTA_CODE = 1003;
/** What a client that hit the quota is known to wait before trying again. */
const QUOTA_WAIT_MS = 60 * 60_000;
/** Rows per results page; the query's result is read whole each cycle. */
const PAGE_SIZE = 500;
/** Columns that name or date a rune rather than measure it. */
const NOT_METRICS = new Set([
  'rune_id',
  'rune_name',
  'rune_number',
  'symbol',
  'etching_time',
  'etching',
  'inscription_id',
  'turbo',
  'price_sats',
]);
/** Clients pace themselves to five requests a second; no limit is published. */
const MIN_INTERVAL_MS = 200;

interface Row {
  name: string;
  unspaced: string;
  runeId: string | null;
  priceSats: number | null;
  metrics: Record<string, number>;
}

/**
 * Bitcoin Runes stats from GeniiData: the rows of a query the user published on GeniiData (for
 * example the original runes dashboard's, selecting per rune price, volumes, sales, buyers,
 * sellers, holders, supply and listing statistics, plus `spaced_rune_name` so its series keys match
 * the other providers'), fetched by datasource id through the keyed open API, page by page. The whole result is read once per cycle and answers every rune asked
 * for in that cycle; every numeric column becomes a metric of its name.
 */
export class GeniiDataSource implements SnapshotSource {
  readonly id = 'geniidata';
  readonly kind = 'snapshots' as const;
  readonly simulated: boolean;
  readonly capabilities: SnapshotSourceCapabilities = {
    pollTimeframe: RUNES_POLL_TIMEFRAME,
    batchLimit: 1_000,
    rateLimitMs: MIN_INTERVAL_MS,
    cumulativeVolumeMetric: 'volume_total_btc',
  };
  private readonly http: ProviderHttp;
  private readonly clock: Clock;
  private rows: { readAtMs: number; byRune: Map<string, Row>; ordered: Row[] } | null = null;

  constructor(private readonly options: GeniiDataSourceOptions) {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(options.datasourceId)) {
      throw new TypeError(
        `GeniiData datasource id "${options.datasourceId}" must be letters, digits, - or _`,
      );
    }
    this.simulated = options.simulated ?? false;
    this.clock = options.clock ?? systemClock;
    this.http = new ProviderHttp({
      provider: 'geniidata',
      baseUrl: (options.baseUrl ?? GENIIDATA_BASE_URL).replace(/\/$/, ''),
      headers: keyHeaders('geniidata', options.apiKey, 'api-key'),
      minIntervalMs: MIN_INTERVAL_MS,
      // A published query can take minutes to answer; the collector's cycle timeout bounds it.
      timeoutMs: 10 * 60_000,
    });
  }

  /** Runes by market cap (supply × USD price), largest first. */
  async listInstruments(
    params: { limit?: number; signal?: AbortSignal } = {},
  ): Promise<SnapshotInstrument[]> {
    const { ordered } = await this.results(params.signal);
    return [...ordered]
      .sort((a, b) => marketCap(b) - marketCap(a))
      .slice(0, params.limit)
      .map((row) => ({
        symbol: runeSymbol(row.name),
        id: row.runeId,
        name: row.name,
        simulated: this.simulated,
      }));
  }

  async fetchSnapshots(params: { symbols: readonly string[]; signal?: AbortSignal }): Promise<SnapshotBatch> {
    const { byRune, readAtMs } = await this.results(params.signal);
    const batch: SnapshotBatch = { snapshots: [], rejected: [] };
    for (const symbol of params.symbols) {
      const rune = runeOfSymbol(symbol);
      const row = rune ? byRune.get(rune.unspaced) : undefined;
      if (!rune || !row) {
        batch.rejected.push({
          symbol,
          reason: `geniidata datasource ${this.options.datasourceId} has no row for ${symbol}`,
        });
        continue;
      }
      batch.snapshots.push({
        source: this.id,
        symbol,
        observedAtMs: readAtMs,
        price: row.priceSats,
        metrics: row.metrics,
        simulated: this.simulated,
      });
    }
    return batch;
  }

  /** The query's rows, read again when the last read is older than half a poll period. */
  private async results(signal?: AbortSignal): Promise<NonNullable<GeniiDataSource['rows']>> {
    const nowMs = this.clock.now();
    if (this.rows && nowMs - this.rows.readAtMs < 150_000) return this.rows;
    const ordered: Row[] = [];
    for (let offset = 0; ; offset += PAGE_SIZE) {
      const response = await this.http.get(
        `/lordking/api/v1/datasource/${encodeURIComponent(this.options.datasourceId)}/results`,
        { limit: PAGE_SIZE, offset },
        signal,
      );
      const page = this.page(response);
      for (const raw of page.list) {
        const row = rowOf(raw);
        if (row) ordered.push(row);
      }
      if (page.list.length < PAGE_SIZE || offset + PAGE_SIZE >= page.count) break;
    }
    this.rows = { readAtMs: nowMs, byRune: new Map(ordered.map((row) => [row.unspaced, row])), ordered };
    return this.rows;
  }

  private page(response: ProviderResponse): { count: number; list: Record<string, unknown>[] } {
    const parsed = envelope.safeParse(response.body);
    if (parsed.success && parsed.data.code === QUOTA_CODE) {
      throw new RateLimitedError("geniidata: the API key's quota is spent (code 1003)", QUOTA_WAIT_MS);
    }
    if (response.status === 404) {
      throw new TransientSourceError(
        `geniidata: no datasource ${this.options.datasourceId} (404); is the query published?`,
      );
    }
    if (response.status !== 200 || !parsed.success || parsed.data.code !== 0 || !parsed.data.data) {
      const detail = parsed.success ? `code ${parsed.data.code} ${parsed.data.message ?? ''}` : 'no envelope';
      throw new TransientSourceError(
        `geniidata datasource results answered ${response.status}, ${detail.trim()}`,
        parsed.success ? undefined : { fault: 'malformed_response' },
      );
    }
    return parsed.data.data;
  }

  async close(): Promise<void> {}
}

function finiteNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(value.trim())) return Number(value);
  return null;
}

/** One result row as a rune with its stats; null for a row without a usable rune name. */
function rowOf(raw: Record<string, unknown>): Row | null {
  // The spaced name (`spaced_rune_name`, when the query selects it) keys the series like the
  // other providers'; `rune_name` alone may be the un-spaced identity.
  const typed = typeof raw.spaced_rune_name === 'string' ? raw.spaced_rune_name : raw.rune_name;
  if (typeof typed !== 'string') return null;
  let name;
  try {
    name = parseRuneName(typed);
  } catch {
    return null;
  }
  const metrics: Record<string, number> = {};
  for (const [column, value] of Object.entries(raw)) {
    const metric = column.toLowerCase();
    if (NOT_METRICS.has(metric) || !isValidMetricName(metric)) continue;
    const number = finiteNumber(value);
    // A count or amount below zero is a broken row, not a stat.
    if (number !== null && (number >= 0 || metric.startsWith('balance_delta') || metric.endsWith('change'))) {
      metrics[metric] = number;
    }
  }
  const priceSats = finiteNumber(raw.price_sats);
  return {
    name: name.spaced,
    unspaced: name.unspaced,
    runeId: typeof raw.rune_id === 'string' ? raw.rune_id : null,
    priceSats: priceSats !== null && priceSats > 0 ? priceSats : null,
    metrics,
  };
}

function marketCap(row: Row): number {
  return (row.metrics.supply ?? 0) * (row.metrics.price_usd ?? 0);
}
