import {
  type Clock,
  parseRuneName,
  runeOfSymbol,
  runeSymbol,
  systemClock,
  TransientSourceError,
} from '@runecast/market';
import { z } from 'zod';
import { RUNES_POLL_TIMEFRAME } from '../runes/runes-timing.ts';
import { keyHeaders, type ProviderResponse, ProviderHttp } from '../http/provider-http.ts';
import { finiteMetrics, firstIssue, numeric } from '../runes/rune-values.ts';
import type {
  SnapshotBatch,
  SnapshotInstrument,
  SnapshotSource,
  SnapshotSourceCapabilities,
} from '../snapshot-source.port.ts';

export const UNISAT_BASE_URL = 'https://open-api.unisat.io';

export interface UnisatSourceOptions {
  /** `https://open-api.unisat.io`, or the emulator's UniSat path. */
  baseUrl?: string;
  /** The API key (Bearer); read per request. */
  apiKey: () => Promise<string | null>;
  simulated?: boolean;
  clock?: Clock;
}

// UniSat's documented envelope: `code` 0 is success, negative codes are errors by module.
const envelope = z.object({ code: z.number().int(), msg: z.string().optional(), data: z.unknown() });
const runeInfo = z.looseObject({
  runeid: z.string(),
  spacedRune: z.string(),
  divisibility: z.number().int().min(0).max(38),
  holders: z.number().int().nonnegative(),
  transactions: z.number().int().nonnegative(),
  // Amounts come as decimal strings in whole units (the documented example gives DOG's supply
  // of 100 billion as "100000000000" beside divisibility 5).
  supply: numeric,
  mints: numeric,
  burned: numeric,
  premine: numeric,
});
const infoList = z.object({ total: z.number().int(), start: z.number().int(), detail: z.array(z.unknown()) });
const marketStats = z.looseObject({
  curPrice: numeric,
  btcVolume: numeric.optional(),
  cap: numeric.optional(),
  capUSD: numeric.optional(),
  changePrice: numeric.optional(),
});

/**
 * UniSat publishes plan-based limits without numbers; five requests a second stays inside the
 * free plan as users report it.
 */
const MIN_INTERVAL_MS = 200;
/** The most rows `info-list` returns in one page (documented). */
const PAGE_LIMIT = 500;

/**
 * Bitcoin Runes stats from UniSat's open API (second source and cross-check): the runes
 * indexer (holders, transactions, supply, mints, burned, premine) and the runes marketplace
 * statistics (price, 1-day BTC volume, market cap). Indexer paths take the rune id; the marketplace
 * takes the spaced name as `tick` (the documentation does not say which spelling; the spaced one
 * is what its marketplace shows).
 */
export class UnisatSource implements SnapshotSource {
  readonly id = 'unisat';
  readonly kind = 'snapshots' as const;
  readonly simulated: boolean;
  readonly capabilities: SnapshotSourceCapabilities = {
    pollTimeframe: RUNES_POLL_TIMEFRAME,
    batchLimit: 50,
    rateLimitMs: MIN_INTERVAL_MS,
  };
  private readonly http: ProviderHttp;
  private readonly clock: Clock;
  /** Rune ids by spaced name, learned from the indexer's list. */
  private readonly runeIds = new Map<string, string>();

  constructor(options: UnisatSourceOptions) {
    this.simulated = options.simulated ?? false;
    this.clock = options.clock ?? systemClock;
    this.http = new ProviderHttp({
      provider: 'unisat',
      baseUrl: (options.baseUrl ?? UNISAT_BASE_URL).replace(/\/$/, ''),
      headers: keyHeaders('unisat', options.apiKey, 'authorization', 'Bearer '),
      minIntervalMs: MIN_INTERVAL_MS,
    });
  }

  /** Runes with the most holders first. */
  async listInstruments(
    params: { limit?: number; signal?: AbortSignal } = {},
  ): Promise<SnapshotInstrument[]> {
    const wanted = params.limit ?? 1_000;
    const instruments: SnapshotInstrument[] = [];
    for (let start = 0; instruments.length < wanted; start += PAGE_LIMIT) {
      const limit = Math.min(PAGE_LIMIT, wanted - instruments.length);
      const page = infoList.safeParse(
        this.data(
          await this.http.get(
            '/v1/indexer/runes/info-list',
            { sort: 'holders', start, limit },
            params.signal,
          ),
        ),
      );
      if (!page.success)
        throw new TransientSourceError(`unisat info-list: ${firstIssue(page.error)}`, {
          fault: 'malformed_response',
        });
      for (const row of page.data.detail) {
        const info = runeInfo.safeParse(row);
        if (!info.success) continue;
        try {
          const name = parseRuneName(info.data.spacedRune);
          this.runeIds.set(name.spaced, info.data.runeid);
          instruments.push({
            symbol: runeSymbol(name),
            id: info.data.runeid,
            name: name.spaced,
            simulated: this.simulated,
          });
        } catch {
          // Not a name the protocol allows: no series can be keyed by it.
        }
      }
      if (page.data.detail.length < limit) break;
    }
    return instruments.slice(0, wanted);
  }

  async fetchSnapshots(params: { symbols: readonly string[]; signal?: AbortSignal }): Promise<SnapshotBatch> {
    const batch: SnapshotBatch = { snapshots: [], rejected: [] };
    for (const symbol of params.symbols) {
      const rune = runeOfSymbol(symbol);
      if (!rune) {
        batch.rejected.push({ symbol, reason: `${symbol} is not a rune priced in sats` });
        continue;
      }
      const runeId = await this.runeIdOf(rune.spaced, params.signal);
      if (runeId === null) {
        batch.rejected.push({ symbol, reason: `unisat lists no rune ${rune.spaced}` });
        continue;
      }
      const infoAnswer = this.answer(
        await this.http.get(`/v1/indexer/runes/${encodeURIComponent(runeId)}/info`, {}, params.signal),
      );
      if (!infoAnswer.ok) {
        batch.rejected.push({ symbol, reason: `unisat rune info: ${infoAnswer.reason}` });
        continue;
      }
      const info = runeInfo.safeParse(infoAnswer.data);
      if (!info.success) {
        batch.rejected.push({ symbol, reason: `unisat rune info: ${firstIssue(info.error)}` });
        continue;
      }
      const marketResponse = await this.http.post(
        '/v3/market/runes/auction/runes_types_specified',
        { timeType: 'day1', tick: rune.spaced },
        params.signal,
      );
      // A rune without a market listing has indexer stats but no price.
      const market = marketStats.safeParse(this.dataOrNull(marketResponse));
      batch.snapshots.push({
        source: this.id,
        symbol,
        observedAtMs: this.clock.now(),
        price: market.success && market.data.curPrice > 0 ? market.data.curPrice : null,
        metrics: finiteMetrics({
          holders: info.data.holders,
          transactions: info.data.transactions,
          supply: info.data.supply,
          mints: info.data.mints,
          burned: info.data.burned,
          premine: info.data.premine,
          // The marketplace does not document units; its volumes and caps read as satoshis.
          volume_1d_btc:
            market.success && market.data.btcVolume !== undefined ? market.data.btcVolume / 1e8 : null,
          market_cap_btc: market.success && market.data.cap !== undefined ? market.data.cap / 1e8 : null,
          market_cap_usd: market.success ? market.data.capUSD : null,
        }),
        simulated: this.simulated,
      });
    }
    return batch;
  }

  private async runeIdOf(spaced: string, signal?: AbortSignal): Promise<string | null> {
    const known = this.runeIds.get(spaced);
    if (known) return known;
    const page = infoList.safeParse(
      this.data(
        await this.http.get('/v1/indexer/runes/info-list', { rune: spaced, start: 0, limit: 10 }, signal),
      ),
    );
    if (!page.success)
      throw new TransientSourceError(`unisat info-list: ${firstIssue(page.error)}`, {
        fault: 'malformed_response',
      });
    for (const row of page.data.detail) {
      const info = runeInfo.safeParse(row);
      if (info.success && info.data.spacedRune === spaced) {
        this.runeIds.set(spaced, info.data.runeid);
        return info.data.runeid;
      }
    }
    return null;
  }

  /** `data` of a successful answer, or the provider's reason (its error code and message). */
  private answer(response: ProviderResponse): { ok: true; data: unknown } | { ok: false; reason: string } {
    const parsed = envelope.safeParse(response.body);
    if (response.status === 200 && parsed.success && parsed.data.code === 0)
      return { ok: true, data: parsed.data.data };
    const code = parsed.success ? `code ${parsed.data.code} ${parsed.data.msg ?? ''}`.trim() : 'no envelope';
    return { ok: false, reason: `${response.status}, ${code}` };
  }

  /** `data` of a list answer, which the cycle cannot go on without. */
  private data(response: ProviderResponse): unknown {
    const answer = this.answer(response);
    if (!answer.ok) throw new TransientSourceError(`unisat answered ${answer.reason}`);
    return answer.data;
  }

  private dataOrNull(response: ProviderResponse): unknown {
    const answer = this.answer(response);
    return answer.ok ? answer.data : null;
  }

  async close(): Promise<void> {}
}
