import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isRuneId, parseRuneName } from './rune-names.ts';
import { formatUnits, toWholeUnits, type RuneSnapshot } from './rune-universe.ts';
import type { RunesProviderView, ShownRune } from './runes-provider-view.ts';
import {
  bearerKey,
  integerParam,
  isAcceptedKey,
  labelAnswer,
  providerView,
  type RunesContext,
} from './runes-providers.ts';

/**
 * UniSat Open API (`https://open-api.unisat.io`) under `/unisat`: the runes indexer and the runes
 * market statistics. Envelope `{code, msg, data}`; `code` 0 is success. Failures the API reports in
 * the envelope (bad parameters −1, unknown rune −4001; the runes range is −4000…−4999, the exact
 * codes are not published) come with HTTP 200, a bad key with HTTP 401.
 * Amounts in RuneInfo and holder lists are decimal strings in whole units (`supply` of DOG is
 * "100000000000"). Market units (unconfirmed upstream, chosen here): `curPrice` sats per whole
 * unit, `cap` and `btcVolume` in sats, `amountVolume` in whole units, `capUSD` in USD,
 * `changePrice` percent over the `timeType` window, `BTCPrice` USD per BTC.
 */
const TIME_TYPES = { day1: 1, day7: 7, day30: 30 } as const;
type TimeType = keyof typeof TIME_TYPES;
const DAY_MS = 86_400_000;

function ok(data: unknown): unknown {
  return { code: 0, msg: 'ok', data };
}

function failure(reply: FastifyReply, code: number, msg: string): FastifyReply {
  return reply.code(200).send({ code, msg, data: null });
}

function runeInfo(shown: ShownRune, snapshot: RuneSnapshot): Record<string, unknown> {
  const rune = shown.rune;
  const units = (amount: bigint): string => formatUnits(amount, rune.divisibility);
  return {
    runeid: rune.id,
    rune: shown.name,
    spacedRune: shown.spacedName,
    number: rune.number,
    height: rune.block,
    txidx: rune.tx,
    timestamp: Math.floor(rune.etchingTimeMs / 1000),
    divisibility: rune.divisibility,
    symbol: rune.symbol,
    etching: rune.etchingTxid,
    premine: units(rune.premine),
    terms: {
      amount: units(rune.amountPerMint),
      cap: rune.mintCap.toString(),
      heightStart: rune.mintStartBlock,
      heightEnd: rune.mintEndBlock,
      offsetStart: null,
      offsetEnd: null,
    },
    mints: snapshot.mints.toString(),
    burned: units(snapshot.burned),
    holders: snapshot.holders,
    transactions: snapshot.transactions,
    supply: units(snapshot.supply),
    start: rune.mintStartBlock ?? rune.block,
    end: rune.mintEndBlock,
    mintable: snapshot.mintable,
    remaining: (rune.mintCap - snapshot.mints).toString(),
  };
}

function marketRow(
  context: RunesContext,
  view: RunesProviderView,
  shown: ShownRune,
  timeType: TimeType,
): { snapshot: RuneSnapshot; row: Record<string, unknown> } {
  const snapshot = view.snapshot(shown);
  const days = TIME_TYPES[timeType];
  const earlier = context.universe.snapshot(shown.rune, context.clock.nowMs() - days * DAY_MS);
  const unoffset = context.universe.snapshot(shown.rune, context.clock.nowMs());
  const volumeBtc = days === 1 ? snapshot.volumeBtc.d1 : (snapshot.volumeBtc.d7 * days) / 7;
  const wholeSupply = toWholeUnits(snapshot.supply, shown.rune.divisibility);
  return {
    snapshot,
    row: {
      tick: shown.spacedName,
      curPrice: snapshot.priceSats,
      changePrice: ((unoffset.priceUsd - earlier.priceUsd) / earlier.priceUsd) * 100,
      btcVolume: Math.round(volumeBtc * 1e8),
      amountVolume: Math.round((volumeBtc * 1e8) / snapshot.priceSats),
      cap: Math.round(snapshot.priceSats * wholeSupply),
      holders: snapshot.holders,
      transactions: snapshot.transactions,
      warning: false,
    },
  };
}

const MARKET_FIELDS = {
  price: ['curPrice', 'cap', 'capUSD'],
  holders: ['holders'],
  partial: ['curPrice', 'holders'],
};

export function registerUnisatRoutes(app: FastifyInstance, context: RunesContext): void {
  const authorized = (request: FastifyRequest, reply: FastifyReply): boolean => {
    if (isAcceptedKey(context, bearerKey(request))) return true;
    void reply.code(401).send({ code: -1, msg: 'Invalid API Key', data: null });
    return false;
  };

  app.get('/unisat/v1/indexer/runes/info-list', async (request, reply) => {
    if (!authorized(request, reply)) return reply;
    const query = request.query as Record<string, unknown>;
    const start = integerParam(query.start, 'start', { min: 0, max: 1_000_000_000, fallback: 0 });
    if ('error' in start) return failure(reply, -1, start.error);
    const limit = integerParam(query.limit, 'limit', { min: 1, max: 500, fallback: 10 });
    if ('error' in limit) return failure(reply, -1, limit.error);
    const sort = query.sort === undefined ? 'timestamp' : String(query.sort);
    if (!['holders', 'transactions', 'timestamp'].includes(sort)) {
      return failure(reply, -1, 'sort must be holders, transactions or timestamp');
    }
    const complete = query.complete === undefined ? undefined : String(query.complete);
    if (complete !== undefined && complete !== 'yes' && complete !== 'no') {
      return failure(reply, -1, 'complete must be yes or no');
    }
    const search =
      query.rune === undefined || query.rune === ''
        ? null
        : (parseRuneName(String(query.rune))?.name ?? '\u0000');
    const view = providerView(context, 'unisat', 'info-list');
    const matching = view
      .list()
      .filter((shown) => search === null || shown.name.includes(search))
      .map((shown) => ({ shown, snapshot: view.snapshot(shown) }))
      .filter(({ snapshot }) => complete === undefined || (complete === 'yes') === !snapshot.mintable)
      .sort((left, right) =>
        sort === 'holders'
          ? right.snapshot.holders - left.snapshot.holders || left.shown.rune.number - right.shown.rune.number
          : sort === 'transactions'
            ? right.snapshot.transactions - left.snapshot.transactions ||
              left.shown.rune.number - right.shown.rune.number
            : right.shown.rune.number - left.shown.rune.number,
      );
    const page = matching.slice(start.value, start.value! + limit.value!);
    const rows = page.map(({ shown, snapshot }) => ({ rune: shown.rune, row: runeInfo(shown, snapshot) }));
    view.applyRowFaults(rows, {
      price: [],
      holders: ['holders'],
      partial: ['holders', 'transactions', 'supply'],
    });
    labelAnswer(
      reply,
      context,
      page.map(({ shown }) => shown.rune.id),
    );
    return ok({ total: matching.length, start: start.value, detail: rows.map((entry) => entry.row) });
  });

  const findById = (request: FastifyRequest, reply: FastifyReply, endpoint: string) => {
    if (!authorized(request, reply)) return null;
    const { runeid } = request.params as { runeid: string };
    if (!isRuneId(runeid)) {
      void failure(reply, -1, `invalid runeid ${runeid}: expected BLOCK:TX`);
      return null;
    }
    const view = providerView(context, 'unisat', endpoint);
    const shown = view.find(runeid);
    if (!shown) {
      void failure(reply, -4001, 'rune not found');
      return null;
    }
    return { view, shown };
  };

  app.get('/unisat/v1/indexer/runes/:runeid/info', async (request, reply) => {
    const found = findById(request, reply, 'info');
    if (!found) return reply;
    const row = runeInfo(found.shown, found.view.snapshot(found.shown));
    found.view.applyRowFaults([{ rune: found.shown.rune, row }], {
      price: [],
      holders: ['holders'],
      partial: ['holders', 'transactions', 'supply'],
    });
    labelAnswer(reply, context, [found.shown.rune.id]);
    return ok(row);
  });

  app.get('/unisat/v1/indexer/runes/:runeid/holders', async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const start = integerParam(query.start, 'start', { min: 0, max: 1_000_000_000, fallback: 0 });
    const limit = integerParam(query.limit, 'limit', { min: 1, max: 500, fallback: 10 });
    const found = findById(request, reply, 'holders');
    if (!found) return reply;
    if ('error' in start) return failure(reply, -1, start.error);
    if ('error' in limit) return failure(reply, -1, limit.error);
    const snapshot = found.view.snapshot(found.shown);
    const holders = found.view.holders(snapshot, start.value!, limit.value!);
    const rows = holders.map((holder) => ({
      rune: found.shown.rune,
      row: {
        address: holder.address,
        amount: formatUnits(holder.amount, found.shown.rune.divisibility),
      } as Record<string, unknown>,
    }));
    found.view.applyRowFaults(rows, { price: [], holders: ['amount'], partial: ['amount'] });
    labelAnswer(reply, context, [found.shown.rune.id]);
    return ok({ total: snapshot.holders, start: start.value, detail: rows.map((entry) => entry.row) });
  });

  const timeTypeOf = (body: Record<string, unknown>): TimeType | null => {
    const value = body.timeType === undefined ? 'day1' : String(body.timeType);
    return value in TIME_TYPES ? (value as TimeType) : null;
  };

  app.post('/unisat/v3/market/runes/auction/runes_types', async (request, reply) => {
    if (!authorized(request, reply)) return reply;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const timeType = timeTypeOf(body);
    if (!timeType) return failure(reply, -1, 'timeType must be day1, day7 or day30');
    const start = integerParam(body.start, 'start', { min: 0, max: 1_000_000_000, fallback: 0 });
    if ('error' in start) return failure(reply, -1, start.error);
    const limit = integerParam(body.limit, 'limit', { min: 1, max: 100, fallback: 20 });
    if ('error' in limit) return failure(reply, -1, limit.error);
    const view = providerView(context, 'unisat', 'runes_types');
    const rows = view
      .list()
      .map((shown) => ({ rune: shown.rune, ...marketRow(context, view, shown, timeType) }))
      .sort((left, right) => (right.row.btcVolume as number) - (left.row.btcVolume as number))
      .slice(start.value, start.value! + limit.value!);
    view.applyRowFaults(rows, MARKET_FIELDS);
    labelAnswer(
      reply,
      context,
      rows.map((entry) => entry.rune.id),
    );
    return ok({
      BTCPrice: context.universe.snapshot(context.universe.dog, context.clock.nowMs()).btcUsd,
      list: rows.map((entry) => entry.row),
    });
  });

  app.post('/unisat/v3/market/runes/auction/runes_types_specified', async (request, reply) => {
    if (!authorized(request, reply)) return reply;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const timeType = timeTypeOf(body);
    if (!timeType) return failure(reply, -1, 'timeType must be day1, day7 or day30');
    if (typeof body.tick !== 'string' || !parseRuneName(body.tick)) {
      return failure(reply, -1, 'tick must be a rune name (spaced or not)');
    }
    const view = providerView(context, 'unisat', 'runes_types_specified');
    const shown = view.find(body.tick);
    if (!shown) return failure(reply, -4001, 'rune not found');
    const { snapshot, row } = marketRow(context, view, shown, timeType);
    const wholeSupply = toWholeUnits(snapshot.supply, shown.rune.divisibility);
    const specified: Record<string, unknown> = {
      tick: row.tick,
      symbol: shown.rune.symbol,
      curPrice: row.curPrice,
      changePrice: row.changePrice,
      btcVolume: row.btcVolume,
      amountVolume: row.amountVolume,
      cap: row.cap,
      capUSD: snapshot.priceUsd * wholeSupply,
      deployTime: Math.floor(shown.rune.etchingTimeMs / 1000),
      holders: row.holders,
      number: shown.rune.number,
      transactions: row.transactions,
      warning: false,
    };
    view.applyRowFaults([{ rune: shown.rune, row: specified }], MARKET_FIELDS);
    labelAnswer(reply, context, [shown.rune.id]);
    return ok(specified);
  });
}
