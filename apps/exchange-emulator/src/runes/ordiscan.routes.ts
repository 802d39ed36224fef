import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseRuneName } from './rune-names.ts';
import { toWholeUnits } from './rune-universe.ts';
import type { ShownRune } from './runes-provider-view.ts';
import {
  bearerKey,
  integerParam,
  isAcceptedKey,
  labelAnswer,
  providerView,
  type RunesContext,
} from './runes-providers.ts';

/**
 * Ordiscan (`https://api.ordiscan.com`) under `/ordiscan`. `/v1/runes` pages 20 runes at a time;
 * `after` and `before` are rune-number cursors (number > after, number < before), an unconfirmed
 * reading of Ordiscan's API chosen here. `{NAME}` is the un-spaced name; a spaced name (`•` or `.`,
 * percent-encoded) and lower case are accepted too. Amounts are strings in the rune's smallest unit.
 */
export const ORDISCAN_PAGE_SIZE = 20;
const MAX_RUNE_NUMBER = Number.MAX_SAFE_INTEGER;

function fail(reply: FastifyReply, statusCode: number, message: string): FastifyReply {
  return reply.code(statusCode).send({ error: { message } });
}

function baseRune(shown: ShownRune): Record<string, unknown> {
  const rune = shown.rune;
  return {
    id: rune.id,
    name: shown.name,
    formatted_name: shown.spacedName,
    spacers: shown.spacers,
    number: rune.number,
    inscription_id: null,
    decimals: rune.divisibility,
    mint_count_cap: rune.mintCap.toString(),
    symbol: rune.symbol,
    etching_txid: rune.etchingTxid,
    amount_per_mint: rune.amountPerMint.toString(),
    timestamp_unix: String(Math.floor(rune.etchingTimeMs / 1000)),
    premined_supply: rune.premine.toString(),
    mint_start_block: rune.mintStartBlock,
    mint_end_block: rune.mintEndBlock,
  };
}

export function registerOrdiscanRoutes(app: FastifyInstance, context: RunesContext): void {
  const authorized = (request: FastifyRequest, reply: FastifyReply): boolean => {
    if (isAcceptedKey(context, bearerKey(request))) return true;
    void fail(reply, 401, 'Invalid or missing API key. Pass it as "Authorization: Bearer <key>"');
    return false;
  };

  app.get('/ordiscan/v1/runes', async (request, reply) => {
    if (!authorized(request, reply)) return reply;
    const query = request.query as Record<string, unknown>;
    const sort = query.sort === undefined ? 'newest' : String(query.sort);
    if (sort !== 'newest' && sort !== 'oldest') return fail(reply, 400, 'sort must be newest or oldest');
    const after = integerParam(query.after, 'after', { min: 0, max: MAX_RUNE_NUMBER, fallback: undefined });
    if ('error' in after) return fail(reply, 400, after.error);
    const before = integerParam(query.before, 'before', {
      min: 0,
      max: MAX_RUNE_NUMBER,
      fallback: undefined,
    });
    if ('error' in before) return fail(reply, 400, before.error);
    const view = providerView(context, 'ordiscan', 'runes');
    const page = view
      .list()
      .filter((shown) => after.value === undefined || shown.rune.number > after.value)
      .filter((shown) => before.value === undefined || shown.rune.number < before.value)
      .sort((left, right) =>
        sort === 'newest' ? right.rune.number - left.rune.number : left.rune.number - right.rune.number,
      )
      .slice(0, ORDISCAN_PAGE_SIZE);
    const rows = page.map((shown) => ({ rune: shown.rune, row: baseRune(shown) }));
    view.applyRowFaults(rows, { price: [], holders: [], partial: ['symbol', 'premined_supply'] });
    labelAnswer(
      reply,
      context,
      page.map((shown) => shown.rune.id),
    );
    return { data: rows.map((entry) => entry.row) };
  });

  const findRune = (request: FastifyRequest, reply: FastifyReply, endpoint: string) => {
    if (!authorized(request, reply)) return null;
    const { name } = request.params as { name: string };
    if (!parseRuneName(name)) {
      void fail(reply, 400, `Invalid rune name: ${name}`);
      return null;
    }
    const view = providerView(context, 'ordiscan', endpoint);
    const shown = view.find(name);
    if (!shown) {
      void fail(reply, 404, `Rune not found: ${name}`);
      return null;
    }
    return { view, shown };
  };

  app.get('/ordiscan/v1/rune/:name', async (request, reply) => {
    const found = findRune(request, reply, 'rune');
    if (!found) return reply;
    const snapshot = found.view.snapshot(found.shown);
    const row = {
      ...baseRune(found.shown),
      current_supply: snapshot.supply.toString(),
      current_mint_count: Number(snapshot.mints),
    };
    found.view.applyRowFaults([{ rune: found.shown.rune, row }], {
      price: [],
      holders: [],
      partial: ['current_supply', 'current_mint_count'],
    });
    labelAnswer(reply, context, [found.shown.rune.id]);
    return { data: row };
  });

  app.get('/ordiscan/v1/rune/:name/market', async (request, reply) => {
    const found = findRune(request, reply, 'rune/market');
    if (!found) return reply;
    const snapshot = found.view.snapshot(found.shown);
    const wholeSupply = toWholeUnits(snapshot.supply, found.shown.rune.divisibility);
    const row = {
      price_in_sats: snapshot.priceSats,
      price_in_usd: snapshot.priceUsd,
      market_cap_in_btc: (snapshot.priceSats * wholeSupply) / 1e8,
      market_cap_in_usd: snapshot.priceUsd * wholeSupply,
    };
    found.view.applyRowFaults([{ rune: found.shown.rune, row }], {
      price: ['price_in_sats', 'price_in_usd', 'market_cap_in_btc', 'market_cap_in_usd'],
      holders: [],
      partial: ['price_in_usd', 'market_cap_in_usd'],
    });
    labelAnswer(reply, context, [found.shown.rune.id]);
    return { data: row };
  });
}
