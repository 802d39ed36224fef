import { startEmulator } from '@runecast/exchange-emulator';
import { CcxtSource } from '../src/sources/ccxt/ccxt.source.ts';
import { runMarketDataSourceContract } from '../src/sources/market-data-source.contract.ts';
import { spotMarkets, StaticMarketSource } from './support/http/static-market.source.ts';

// Every market-data source runs the one contract: ccxt against the local emulator (which speaks
// Binance's and Kraken's real protocols), and the test source that knows only a market list.
for (const exchange of ['binance', 'kraken'] as const) {
  runMarketDataSourceContract(`ccxt ${exchange} against the emulator`, async () => {
    const emulator = await startEmulator({ paused: true, simulatedHistoryDays: 2, seed: 17 });
    const source = new CcxtSource({ exchange, emulatorUrl: emulator.url, enableRateLimit: false });
    return {
      source,
      symbol: 'BTC/USDT',
      sinceMs: emulator.clock.nowMs() - 3 * 3_600_000,
      close: () => emulator.close(),
    };
  });
}

runMarketDataSourceContract('static market list', async () => ({
  source: new StaticMarketSource('binance', spotMarkets('binance', ['BTC/USDT', 'ETH/USDT'])),
  symbol: 'ETH/USDT',
  sinceMs: 0,
}));
