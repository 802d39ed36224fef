import { Agent } from 'node:http';

/** Exchanges the emulator speaks, by their ccxt ids. */
export type EmulatedCcxtExchangeId = 'binance' | 'kraken';

/** Settings to deep-merge into a ccxt exchange (REST or pro) so that it talks to the emulator. */
export interface CcxtEmulatorOverrides {
  urls: { api: Record<string, unknown> };
  options: Record<string, unknown>;
  /**
   * ccxt refuses plain `ws://` websockets unless it holds an HTTP agent, so one comes along when
   * the emulator URL is plain http.
   */
  httpAgent?: Agent;
}

function trimmed(baseUrl: string): { http: string; ws: string; secure: boolean } {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new Error(`emulator URL "${baseUrl}" is not a URL; expected e.g. http://127.0.0.1:8090`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`emulator URL "${baseUrl}" must start with http:// or https://`);
  }
  const http = `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
  return { http, ws: http.replace(/^http/, 'ws'), secure: url.protocol === 'https:' };
}

/**
 * The URL and option overrides that point a ccxt exchange (REST, and ccxt.pro websockets) at an
 * emulator. Every API URL of the exchange is replaced, so nothing can reach the real exchange by
 * accident; endpoints the emulator does not serve answer 404. Use as constructor config:
 * `new ccxt.pro.binance({ ...emulatorOverrides('binance', url), enableRateLimit: false })`.
 * For Binance it also limits markets to spot (the emulator serves spot only).
 */
export function emulatorOverrides(
  exchangeId: EmulatedCcxtExchangeId,
  baseUrl: string,
): CcxtEmulatorOverrides {
  const { http, ws, secure } = trimmed(baseUrl);
  const agent = secure ? {} : { httpAgent: new Agent() };
  if (exchangeId === 'binance') {
    const rest = `${http}/binance`;
    const streams = `${ws}/binance`;
    return {
      urls: {
        api: {
          public: `${rest}/api/v3`,
          private: `${rest}/api/v3`,
          v1: `${rest}/api/v1`,
          sapi: `${rest}/sapi/v1`,
          sapiV2: `${rest}/sapi/v2`,
          sapiV3: `${rest}/sapi/v3`,
          sapiV4: `${rest}/sapi/v4`,
          dapiPublic: `${rest}/dapi/v1`,
          dapiPrivate: `${rest}/dapi/v1`,
          dapiPrivateV2: `${rest}/dapi/v2`,
          dapiData: `${rest}/dapi/futures/data`,
          eapiPublic: `${rest}/eapi/v1`,
          eapiPrivate: `${rest}/eapi/v1`,
          fapiPublic: `${rest}/fapi/v1`,
          fapiPublicV2: `${rest}/fapi/v2`,
          fapiPublicV3: `${rest}/fapi/v3`,
          fapiPrivate: `${rest}/fapi/v1`,
          fapiPrivateV2: `${rest}/fapi/v2`,
          fapiPrivateV3: `${rest}/fapi/v3`,
          fapiData: `${rest}/fapi/futures/data`,
          papi: `${rest}/papi/v1`,
          papiV2: `${rest}/papi/v2`,
          // ccxt tells spot streams apart by "/stream" in the URL, as in stream.binance.com.
          ws: {
            spot: `${streams}/stream/ws`,
            margin: `${streams}/stream/ws`,
            future: `${streams}/fstream/ws`,
            delivery: `${streams}/dstream/ws`,
            stock: `${streams}/nbstream/equity/ws`,
            option: `${streams}/eoptions/public/ws`,
            optionMarket: `${streams}/eoptions/market/ws`,
            optionPrivate: `${streams}/eoptions/private/ws`,
            papi: `${streams}/pm/ws`,
            'ws-api': {
              spot: `${streams}/ws-api/v3`,
              future: `${streams}/ws-fapi/v1`,
              delivery: `${streams}/ws-dapi/v1`,
            },
          },
        },
      },
      options: {
        fetchMarkets: { types: ['spot'] },
        fetchCurrencies: false,
        fetchMargins: false,
        adjustForTimeDifference: false,
        defaultType: 'spot',
      },
      ...agent,
    };
  }
  if (exchangeId === 'kraken') {
    const rest = `${http}/kraken`;
    const streams = `${ws}/kraken`;
    return {
      urls: {
        api: {
          public: rest,
          private: rest,
          zendesk: `${rest}/zendesk`,
          ws: {
            public: `${streams}/ws`,
            private: `${streams}/ws-auth`,
            publicV2: `${streams}/ws/v2`,
            privateV2: `${streams}/ws-auth/v2`,
            beta: `${streams}/beta-ws`,
            'beta-private': `${streams}/beta-ws-auth`,
          },
        },
      },
      options: { adjustForTimeDifference: false },
      ...agent,
    };
  }
  throw new Error(`the emulator speaks binance and kraken, not "${String(exchangeId)}"`);
}
