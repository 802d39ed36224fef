import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Exchange } from 'ccxt';
import { ccxtErrors, ccxtExchangeClass } from './ccxt-library.ts';
import {
  BadSymbolError,
  RateLimitedError,
  SourceError,
  TransientSourceError,
  UnsupportedError,
  ValidationError,
} from '@runecast/market';
import {
  isRetryableSourceError,
  MalformedResponseError,
  mapCcxtError,
  parseRetryAfterMs,
} from './ccxt-errors.ts';

const {
  BadRequest,
  BadSymbol,
  DDoSProtection,
  ExchangeError,
  ExchangeNotAvailable,
  NetworkError,
  NotSupported,
  OnMaintenance,
  RateLimitExceeded,
  RequestTimeout,
} = ccxtErrors;

const context = { exchange: 'binance', operation: 'fetchOHLCV', symbol: 'BTC/USDT' };

describe('mapping ccxt errors onto typed source errors', () => {
  test('rate limits become RateLimitedError carrying Retry-After', () => {
    for (const error of [new RateLimitExceeded('429 too many'), new DDoSProtection('418 banned')]) {
      const mapped = mapCcxtError(error, { ...context, retryAfterMs: 7_000 });
      assert.ok(mapped instanceof RateLimitedError, `${error.name} → ${mapped.name}`);
      assert.equal(mapped.retryAfterMs, 7_000);
      assert.equal(mapped.code, 'rate_limited');
      assert.match(mapped.message, /binance fetchOHLCV BTC\/USDT was rate limited \(retry after 7000 ms\)/);
    }
    const withoutHeader = mapCcxtError(new RateLimitExceeded('slow down'), context) as RateLimitedError;
    assert.equal(withoutHeader.retryAfterMs, null);
  });

  test('network trouble becomes TransientSourceError', () => {
    for (const error of [
      new NetworkError('socket hang up'),
      new ExchangeNotAvailable('503'),
      new OnMaintenance('maintenance'),
      new RequestTimeout('timed out'),
    ]) {
      const mapped = mapCcxtError(error, context);
      assert.ok(mapped instanceof TransientSourceError, `${error.name} → ${mapped.name}`);
      assert.equal(mapped instanceof RateLimitedError, false);
      assert.equal(isRetryableSourceError(mapped), true);
    }
  });

  test('not supported and bad symbol are final', () => {
    const unsupported = mapCcxtError(new NotSupported('fetchOHLCV() is not supported yet'), context);
    assert.ok(unsupported instanceof UnsupportedError);
    assert.equal(isRetryableSourceError(unsupported), false);
    const badSymbol = mapCcxtError(new BadSymbol('binance does not have market symbol NOPE/USDT'), context);
    assert.ok(badSymbol instanceof BadSymbolError);
    assert.match(badSymbol.message, /NOPE\/USDT/);
    assert.equal(isRetryableSourceError(badSymbol), false);
  });

  test('other exchange errors become a plain SourceError; own errors and bugs pass through', () => {
    const other = mapCcxtError(new BadRequest('bad request'), context);
    assert.ok(other instanceof SourceError);
    assert.equal((other as SourceError).code, 'exchange_error');
    const own = new ValidationError('mine');
    assert.equal(mapCcxtError(own, context), own);
    const bug = new TypeError('x is undefined');
    assert.equal(mapCcxtError(bug, context), bug);
    assert.ok(new MalformedResponseError('garbled') instanceof TransientSourceError);
    assert.equal(new MalformedResponseError('garbled').details?.fault, 'malformed_response');
  });
});

describe('Retry-After header values', () => {
  test('delta seconds, HTTP dates, junk', () => {
    assert.equal(parseRetryAfterMs('30'), 30_000);
    assert.equal(parseRetryAfterMs(' 1.5 '), 1_500);
    assert.equal(parseRetryAfterMs(['2']), 2_000);
    const nowMs = Date.UTC(2025, 0, 1, 0, 0, 0);
    assert.equal(parseRetryAfterMs('Wed, 01 Jan 2025 00:00:10 GMT', nowMs), 10_000);
    assert.equal(parseRetryAfterMs('Tue, 31 Dec 2024 23:00:00 GMT', nowMs), 0);
    assert.equal(parseRetryAfterMs(undefined), null);
    assert.equal(parseRetryAfterMs(''), null);
    assert.equal(parseRetryAfterMs('soon'), null);
  });
});

/**
 * Feeds an HTTP answer through the exchange's own ccxt response handling (its error tables and
 * body parsing), then through the mapping: what the source does with a real refused request.
 */
async function ccxtErrorFor(
  exchange: Exchange,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): Promise<unknown> {
  const response = {
    status,
    statusText: '',
    headers,
    text: async () => body,
    arrayBuffer: async () => new TextEncoder().encode(body).buffer,
  };
  try {
    await exchange.handleRestResponse(response, 'https://example.invalid/path', 'GET', {}, undefined);
  } catch (error) {
    return error;
  }
  return null;
}

describe('per-exchange answers map onto the same types', () => {
  const cases: {
    exchange: string;
    status: number;
    body: string;
    expected: new (...args: never[]) => Error;
  }[] = [
    {
      exchange: 'binance',
      status: 429,
      body: '{"code":-1003,"msg":"Too many requests"}',
      expected: RateLimitedError,
    },
    {
      exchange: 'binance',
      status: 418,
      body: '{"code":-1003,"msg":"IP banned"}',
      expected: RateLimitedError,
    },
    { exchange: 'binance', status: 503, body: 'Service Unavailable', expected: TransientSourceError },
    {
      exchange: 'binance',
      status: 400,
      body: '{"code":-1121,"msg":"Invalid symbol."}',
      expected: BadSymbolError,
    },
    { exchange: 'kraken', status: 429, body: 'Too Many Requests', expected: RateLimitedError },
    { exchange: 'kraken', status: 502, body: '<html>bad gateway</html>', expected: TransientSourceError },
    {
      exchange: 'kraken',
      status: 200,
      body: '{"error":["EQuery:Invalid asset pair"]}',
      expected: BadSymbolError,
    },
    {
      exchange: 'coinbase',
      status: 429,
      body: '{"message":"Too many requests"}',
      expected: RateLimitedError,
    },
    { exchange: 'coinbase', status: 504, body: 'gateway timeout', expected: TransientSourceError },
  ];
  for (const { exchange, status, body, expected } of cases) {
    test(`${exchange} HTTP ${status} ${body.slice(0, 30)} → ${expected.name}`, async () => {
      const Constructor = ccxtExchangeClass(exchange, 'rest')!;
      const raw = await ccxtErrorFor(new Constructor({}), status, body);
      assert.ok(raw instanceof ExchangeError || raw instanceof NetworkError, `ccxt raised ${String(raw)}`);
      const mapped = mapCcxtError(raw, { exchange, operation: 'fetchOHLCV', retryAfterMs: 1_000 });
      assert.ok(mapped instanceof expected, `${(raw as Error).name} mapped to ${mapped.name}`);
      if (mapped instanceof RateLimitedError) assert.equal(mapped.retryAfterMs, 1_000);
    });
  }
});
