import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isRuneId } from './rune-names.ts';
import { formatUnits, toWholeUnits, type RuneSnapshot } from './rune-universe.ts';
import type { ShownRune } from './runes-provider-view.ts';
import {
  GENIIDATA_DATASOURCE_ID,
  integerParam,
  isAcceptedKey,
  labelAnswer,
  providerView,
  type RunesContext,
} from './runes-providers.ts';

/**
 * GeniiData open API (`https://api.geniidata.com`) under `/geniidata`, key in the `api-key`
 * header. Envelope `{code: 0, message: 'success', data: {count, limit, offset, list}}` with
 * `limit`/`offset` as strings. GeniiData's error table is not published; chosen here: 401 with
 * code 1001 for a missing or wrong key, 400 with code 1002 for a bad parameter, 404 with code 1004
 * for an unknown rune or datasource, 429 with code 1003 for the quota (what its clients react to).
 * The holders path takes the rune id only (`840000%3A3`); `balance` is a decimal string in whole
 * units. An offset past the end gives an empty list.
 */
const MAX_LIMIT = 1000;

function fail(reply: FastifyReply, statusCode: number, code: number, message: string): FastifyReply {
  return reply.code(statusCode).send({ code, message, data: null });
}

function page(count: number, limit: number, offset: number, list: unknown[]): unknown {
  return { code: 0, message: 'success', data: { count, limit: String(limit), offset: String(offset), list } };
}

function sqlTime(timeMs: number): string {
  return new Date(timeMs).toISOString().slice(0, 19).replace('T', ' ');
}

/** One row of the dashboard query over runes.dim_tokens_info, fact_listings and fact_balance_delta. */
function tokenRow(shown: ShownRune, snapshot: RuneSnapshot): Record<string, unknown> {
  const rune = shown.rune;
  const whole = (amount: bigint): number => toWholeUnits(amount, rune.divisibility);
  return {
    rune_id: rune.id,
    rune_name: shown.name,
    // The published query selects the display name too, so series keys match the other providers.
    spaced_rune_name: shown.spacedName,
    rune_number: rune.number,
    symbol: rune.symbol,
    etching_time: sqlTime(rune.etchingTimeMs),
    supply: whole(snapshot.supply),
    burned: whole(snapshot.burned),
    premine: whole(rune.premine),
    minted: whole(snapshot.mints * rune.amountPerMint),
    mints: Number(snapshot.mints),
    holders: snapshot.holders,
    price_sats: snapshot.priceSats,
    price_usd: snapshot.priceUsd,
    price_change: snapshot.priceChangePct,
    volume_1h_btc: snapshot.volumeBtc.h1,
    volume_1d_btc: snapshot.volumeBtc.d1,
    volume_7d_btc: snapshot.volumeBtc.d7,
    volume_total_btc: snapshot.volumeBtc.total,
    sales_1h: snapshot.sales.h1,
    sales_1d: snapshot.sales.d1,
    sales_7d: snapshot.sales.d7,
    sales_total: snapshot.sales.total,
    sellers_1h: snapshot.sellers.h1,
    sellers_1d: snapshot.sellers.d1,
    sellers_7d: snapshot.sellers.d7,
    buyers_1h: snapshot.buyers.h1,
    buyers_1d: snapshot.buyers.d1,
    buyers_7d: snapshot.buyers.d7,
    listings_count: snapshot.listings.count,
    listings_min_price_sats: snapshot.listings.minPriceSats,
    listings_avg_price_sats: snapshot.listings.avgPriceSats,
    listings_quantity: snapshot.listings.quantity,
    balance_delta_1_block: snapshot.balanceDelta.blocks1,
    balance_delta_3_blocks: snapshot.balanceDelta.blocks3,
    balance_delta_10_blocks: snapshot.balanceDelta.blocks10,
  };
}

export function registerGeniidataRoutes(app: FastifyInstance, context: RunesContext): void {
  const authorized = (request: FastifyRequest, reply: FastifyReply): boolean => {
    const key = request.headers['api-key'];
    if (isAcceptedKey(context, typeof key === 'string' ? key : undefined)) return true;
    void fail(reply, 401, 1001, 'invalid api-key');
    return false;
  };
  const paging = (request: FastifyRequest, reply: FastifyReply) => {
    const query = request.query as Record<string, unknown>;
    const limit = integerParam(query.limit, 'limit', { min: 1, max: MAX_LIMIT, fallback: 20 });
    if ('error' in limit) return void fail(reply, 400, 1002, limit.error);
    const offset = integerParam(query.offset, 'offset', { min: 0, max: 1_000_000_000, fallback: 0 });
    if ('error' in offset) return void fail(reply, 400, 1002, offset.error);
    return { limit: limit.value!, offset: offset.value! };
  };

  app.get('/geniidata/api/1/runes/:runeId/holders', async (request, reply) => {
    if (!authorized(request, reply)) return reply;
    const window = paging(request, reply);
    if (!window) return reply;
    const { runeId } = request.params as { runeId: string };
    if (!isRuneId(runeId)) return fail(reply, 400, 1002, `invalid rune id ${runeId}: expected BLOCK:TX`);
    const view = providerView(context, 'geniidata', 'holders');
    const shown = view.find(runeId);
    if (!shown) return fail(reply, 404, 1004, `rune ${runeId} not found`);
    const snapshot = view.snapshot(shown);
    const rows = view.holders(snapshot, window.offset, window.limit).map((holder) => ({
      rune: shown.rune,
      row: {
        address: holder.address,
        balance: formatUnits(holder.amount, shown.rune.divisibility),
      } as Record<string, unknown>,
    }));
    view.applyRowFaults(rows, { price: [], holders: ['balance'], partial: ['balance'] });
    labelAnswer(reply, context, [shown.rune.id]);
    return page(
      snapshot.holders,
      window.limit,
      window.offset,
      rows.map((entry) => entry.row),
    );
  });

  app.get('/geniidata/lordking/api/v1/datasource/:datasourceId/results', async (request, reply) => {
    if (!authorized(request, reply)) return reply;
    const window = paging(request, reply);
    if (!window) return reply;
    const { datasourceId } = request.params as { datasourceId: string };
    if (datasourceId !== GENIIDATA_DATASOURCE_ID) {
      return fail(reply, 404, 1004, `datasource ${datasourceId} not found`);
    }
    const view = providerView(context, 'geniidata', 'results');
    const all = view
      .list()
      .map((shown) => ({ rune: shown.rune, row: tokenRow(shown, view.snapshot(shown)) }))
      .sort(
        (left, right) =>
          (right.row.supply as number) * (right.row.price_usd as number) -
          (left.row.supply as number) * (left.row.price_usd as number),
      );
    const rows = all.slice(window.offset, window.offset + window.limit);
    view.applyRowFaults(rows, {
      price: ['price_sats', 'price_usd'],
      holders: ['holders'],
      partial: ['price_sats', 'price_usd', 'holders', 'volume_1d_btc'],
    });
    labelAnswer(
      reply,
      context,
      rows.map((entry) => entry.rune.id),
    );
    return page(
      all.length,
      window.limit,
      window.offset,
      rows.map((entry) => entry.row),
    );
  });
}
