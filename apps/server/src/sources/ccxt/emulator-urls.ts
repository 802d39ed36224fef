import type { Exchange } from 'ccxt';
import {
  emulatorOverrides,
  type CcxtEmulatorOverrides,
  type EmulatedCcxtExchangeId,
} from '@runecast/exchange-emulator/ccxt-overrides';
import { UnsupportedError } from '@runecast/market';

export { emulatorOverrides, type CcxtEmulatorOverrides, type EmulatedCcxtExchangeId };

/** Exchanges the emulator speaks, by ccxt id. */
export const EMULATED_CCXT_EXCHANGES: readonly EmulatedCcxtExchangeId[] = ['binance', 'kraken'];

export function isEmulatedExchange(exchangeId: string): exchangeId is EmulatedCcxtExchangeId {
  return (EMULATED_CCXT_EXCHANGES as readonly string[]).includes(exchangeId);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Merges `source` into `target` in place; arrays and plain values replace. */
function mergeInto(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(source)) {
    const existing = target[key];
    if (isPlainObject(value) && isPlainObject(existing)) mergeInto(existing, value);
    else target[key] = isPlainObject(value) ? structuredClone(value) : value;
  }
}

/**
 * Points a ccxt exchange instance (REST or ccxt.pro) at a running emulator: every REST and
 * websocket URL of the exchange, plus the options the emulator needs (Binance: spot markets only).
 * Throws UnsupportedError for an exchange the emulator does not speak.
 */
export function emulatorExchangeOverrides(client: Exchange, emulatorUrl: string): void {
  const exchangeId = String(client.id);
  if (!isEmulatedExchange(exchangeId)) {
    throw new UnsupportedError(
      `the exchange emulator speaks ${EMULATED_CCXT_EXCHANGES.join(' and ')}, not ${exchangeId}`,
      { exchange: exchangeId },
    );
  }
  const overrides = emulatorOverrides(exchangeId, emulatorUrl);
  const instance = client as unknown as {
    urls: Record<string, unknown>;
    options: Record<string, unknown>;
    httpAgent: unknown;
  };
  instance.urls ??= {};
  instance.options ??= {};
  mergeInto(instance.urls, overrides.urls);
  mergeInto(instance.options, overrides.options);
  // ccxt opens plain ws:// sockets only through an HTTP agent of its own.
  if (overrides.httpAgent !== undefined && instance.httpAgent === undefined)
    instance.httpAgent = overrides.httpAgent;
}
