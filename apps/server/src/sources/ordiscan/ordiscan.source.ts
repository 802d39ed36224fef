import {
  type Clock,
  parseRuneName,
  runeOfSymbol,
  runeSymbol,
  systemClock,
  TransientSourceError,
} from '@runecast/market';
import { z } from 'zod';
import { keyHeaders, ProviderHttp } from '../http/provider-http.ts';
import { amountText, finiteMetrics, firstIssue, numeric, wholeUnits } from '../runes/rune-values.ts';
import { RUNES_POLL_TIMEFRAME } from '../runes/runes-timing.ts';
import type {
  InstrumentSnapshot,
  SnapshotBatch,
  SnapshotInstrument,
  SnapshotSource,
  SnapshotSourceCapabilities,
} from '../snapshot-source.port.ts';

export const ORDISCAN_BASE_URL = 'https://api.ordiscan.com';

export interface OrdiscanSourceOptions {
  /** `https://api.ordiscan.com`, or the emulator's Ordiscan path. */
  baseUrl?: string;
  /** The API key (Bearer); read per request. */
  apiKey: () => Promise<string | null>;
  /** True when the answers are simulated (the emulator without real data for them). */
  simulated?: boolean;
  clock?: Clock;
}

// Ordiscan's documented envelope and rune schemas. Parsing is tolerant of fields it does not
// know (the official SDK's schema is strict, but a new field must not stop collection) and
// strict about the values used.
const envelope = <T extends z.ZodType>(data: T) => z.object({ data });
const runeBase = z.looseObject({
  id: z.string(),
  name: z.string(),
  formatted_name: z.string(),
  number: z.number().int().nonnegative(),
  decimals: z.number().int().min(0).max(38),
  premined_supply: amountText,
});
const runeDetail = runeBase.extend({
  current_supply: amountText,
  current_mint_count: z.number().int().nonnegative(),
});
const runeMarket = z.looseObject({
  price_in_sats: numeric,
  price_in_usd: numeric,
  market_cap_in_btc: numeric,
  market_cap_in_usd: numeric,
});
const errorBody = z.object({ error: z.object({ message: z.string() }) });

/** Ordiscan's published limit on every plan: 100 requests a minute. */
const MIN_INTERVAL_MS = 600;
/** Runes `/v1/runes` returns per page; not documented, so pages are read until one comes back empty. */
const MAX_LIST_PAGES = 200;

/**
 * Bitcoin Runes stats from Ordiscan (primary price source): rune list, rune info (supply,
 * premine, mints) and rune market (price in sats and USD, market cap). Rune paths take the
 * un-spaced upper-case name, as the official SDK and tools call them.
 */
export class OrdiscanSource implements SnapshotSource {
  readonly id = 'ordiscan';
  readonly kind = 'snapshots' as const;
  readonly simulated: boolean;
  readonly capabilities: SnapshotSourceCapabilities = {
    pollTimeframe: RUNES_POLL_TIMEFRAME,
    batchLimit: 50,
    rateLimitMs: MIN_INTERVAL_MS,
  };
  private readonly http: ProviderHttp;
  private readonly clock: Clock;

  constructor(options: OrdiscanSourceOptions) {
    this.simulated = options.simulated ?? false;
    this.clock = options.clock ?? systemClock;
    this.http = new ProviderHttp({
      provider: 'ordiscan',
      baseUrl: (options.baseUrl ?? ORDISCAN_BASE_URL).replace(/\/$/, ''),
      headers: keyHeaders('ordiscan', options.apiKey, 'authorization', 'Bearer '),
      minIntervalMs: MIN_INTERVAL_MS,
    });
  }

  /**
   * Runes oldest first (Ordiscan offers no market-cap order; the oldest runes are the best known),
   * paged by rune number.
   */
  async listInstruments(
    params: { limit?: number; signal?: AbortSignal } = {},
  ): Promise<SnapshotInstrument[]> {
    const limit = params.limit ?? Number.POSITIVE_INFINITY;
    const instruments: SnapshotInstrument[] = [];
    let after: number | undefined;
    for (let page = 0; page < MAX_LIST_PAGES && instruments.length < limit; page += 1) {
      const response = await this.http.get('/v1/runes', { sort: 'oldest', after }, params.signal);
      const parsed = envelope(z.array(z.unknown())).safeParse(response.body);
      if (response.status !== 200 || !parsed.success) {
        throw new TransientSourceError(
          `ordiscan /v1/runes answered ${response.status}: ${describe(response.body)}`,
          response.status === 200 ? { fault: 'malformed_response' } : undefined,
        );
      }
      if (parsed.data.data.length === 0) break;
      for (const row of parsed.data.data) {
        const rune = runeBase.safeParse(row);
        if (!rune.success) continue;
        try {
          const name = parseRuneName(rune.data.formatted_name);
          instruments.push({
            symbol: runeSymbol(name),
            id: rune.data.id,
            name: name.spaced,
            simulated: this.simulated,
          });
        } catch {
          // A name the protocol would refuse is not a rune we can key a series by.
        }
        after = rune.data.number;
      }
    }
    return instruments.slice(0, params.limit);
  }

  async fetchSnapshots(params: { symbols: readonly string[]; signal?: AbortSignal }): Promise<SnapshotBatch> {
    const batch: SnapshotBatch = { snapshots: [], rejected: [] };
    for (const symbol of params.symbols) {
      const rune = runeOfSymbol(symbol);
      if (!rune) {
        batch.rejected.push({ symbol, reason: `${symbol} is not a rune priced in sats` });
        continue;
      }
      const path = `/v1/rune/${encodeURIComponent(rune.unspaced)}`;
      const info = await this.http.get(path, {}, params.signal);
      if (info.status !== 200) {
        batch.rejected.push({ symbol, reason: `ordiscan ${path}: ${info.status} ${describe(info.body)}` });
        continue;
      }
      const detail = envelope(runeDetail).safeParse(info.body);
      if (!detail.success) {
        batch.rejected.push({ symbol, reason: `ordiscan ${path}: ${firstIssue(detail.error)}` });
        continue;
      }
      const marketResponse = await this.http.get(`${path}/market`, {}, params.signal);
      const market = envelope(runeMarket).safeParse(marketResponse.body);
      if (marketResponse.status !== 200 || !market.success) {
        batch.rejected.push({
          symbol,
          reason: `ordiscan ${path}/market: ${marketResponse.status} ${market.success ? describe(marketResponse.body) : firstIssue(market.error)}`,
        });
        continue;
      }
      batch.snapshots.push(this.snapshotOf(symbol, detail.data.data, market.data.data));
    }
    return batch;
  }

  private snapshotOf(
    symbol: string,
    rune: z.infer<typeof runeDetail>,
    market: z.infer<typeof runeMarket>,
  ): InstrumentSnapshot {
    return {
      source: this.id,
      symbol,
      observedAtMs: this.clock.now(),
      // Ordiscan reports zero for a rune nobody trades: that is no price, not a price of zero.
      price: market.price_in_sats > 0 ? market.price_in_sats : null,
      metrics: finiteMetrics({
        price_usd: market.price_in_usd > 0 ? market.price_in_usd : null,
        market_cap_btc: market.market_cap_in_btc,
        market_cap_usd: market.market_cap_in_usd,
        supply: wholeUnits(rune.current_supply, rune.decimals),
        premine: wholeUnits(rune.premined_supply, rune.decimals),
        mints: rune.current_mint_count,
      }),
      simulated: this.simulated,
    };
  }

  async close(): Promise<void> {}
}

/** The provider's error message, or a short excerpt of the body. */
function describe(body: unknown): string {
  const parsed = errorBody.safeParse(body);
  if (parsed.success) return parsed.data.error.message;
  return JSON.stringify(body)?.slice(0, 160) ?? 'no body';
}
