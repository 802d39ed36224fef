import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import type ccxtModule from 'ccxt';
import { ccxtErrors, ccxtExchangeClass, ccxtExchangeIds } from './ccxt-library.ts';

// The whole library, loaded only here, to check the one-exchange-at-a-time loading against it.
const whole = createRequire(import.meta.url)('ccxt') as typeof ccxtModule;
const wholePro = whole.pro as unknown as Record<string, unknown> & { exchanges: string[] };

describe('loading ccxt one exchange at a time', () => {
  test('lists the same exchange ids as the whole library', () => {
    assert.deepEqual(ccxtExchangeIds(), [...whole.exchanges]);
    for (const id of whole.exchanges) {
      assert.equal(ccxtExchangeClass(id, 'websocket') !== undefined, wholePro.exchanges.includes(id), id);
    }
  });

  test('builds working REST and websocket clients for the tested exchanges', () => {
    for (const id of ['binance', 'kraken', 'coinbase']) {
      const Rest = ccxtExchangeClass(id, 'rest');
      const Websocket = ccxtExchangeClass(id, 'websocket');
      assert.ok(Rest && Websocket, id);
      const rest = new Rest({});
      const websocket = new Websocket({});
      assert.equal(rest.id, id);
      assert.equal(websocket.id, id);
      assert.equal(rest.has.fetchOHLCV, true, `${id} fetchOHLCV`);
      assert.equal(websocket.has.watchTrades, true, `${id} watchTrades`);
      assert.deepEqual(
        Object.keys(rest.urls).sort(),
        Object.keys(new (whole as never as Record<string, new () => { urls: object }>)[id]!().urls).sort(),
      );
    }
  });

  test('knows no exchange ccxt does not list, and builds none for a name that is not an id', () => {
    assert.equal(ccxtExchangeClass('notanexchange', 'rest'), undefined);
    assert.equal(ccxtExchangeClass('../base/Exchange', 'rest'), undefined);
    assert.equal(ccxtExchangeClass('bitfinex1', 'rest'), undefined, 'a file ccxt keeps but no longer lists');
  });

  test('its error classes are the ones the exchanges throw', () => {
    const Binance = ccxtExchangeClass('binance', 'rest')!;
    const exchange = new Binance({});
    // Without an API key, a private call is refused before any request is made.
    assert.throws(
      () => exchange.checkRequiredCredentials(),
      (error: unknown) =>
        error instanceof ccxtErrors.BaseError && !(error instanceof ccxtErrors.NetworkError),
    );
  });
});
