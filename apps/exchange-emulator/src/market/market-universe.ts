import { scanReplayDirectory, type ReplaySeries } from '@runecast/market-files';
import { NativeSeries } from './native-series.ts';
import { SimulatedSeriesGenerator } from './simulated-series.ts';
import { SymbolMarket, type MarketSettings } from './symbol-market.ts';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

export interface SeriesStatus {
  symbol: string;
  timeframe: string;
  source: 'replay' | 'simulated';
  files: string[];
  loaded: boolean;
  rowCount: number | null;
  firstOpenTimeMs: number | null;
  lastOpenTimeMs: number | null;
}

/** All symbols the emulated exchanges list, with where their data comes from. */
export interface MarketUniverse {
  readonly simulated: boolean;
  readonly markets: readonly SymbolMarket[];
  find(symbol: string): SymbolMarket | undefined;
  /** A start time that leaves history before it (the middle of the main series' last stretch). */
  defaultStartMs(): Promise<number>;
  seriesStatus(): SeriesStatus[];
}

function statusOf(
  series: NativeSeries | undefined,
): Pick<SeriesStatus, 'rowCount' | 'firstOpenTimeMs' | 'lastOpenTimeMs'> {
  if (!series || series.length === 0)
    return { rowCount: series ? 0 : null, firstOpenTimeMs: null, lastOpenTimeMs: null };
  return {
    rowCount: series.length,
    firstOpenTimeMs: series.rows[0]!.openTimeMs,
    lastOpenTimeMs: series.rows[series.length - 1]!.openTimeMs,
  };
}

/** Markets replaying the kline files of a folder; each symbol reads its files on first use. */
export async function createReplayUniverse(
  directory: string,
  settings: MarketSettings,
): Promise<MarketUniverse> {
  const replay = await scanReplayDirectory(directory);
  if (replay.series.length === 0) {
    throw new Error(
      `replay folder ${replay.root} holds no kline files (names like BTC_USDT-1m.json.gz or BTCUSDT-1m-2023-08.csv.gz)`,
    );
  }
  const bySymbol = new Map<string, ReplaySeries[]>();
  for (const series of replay.series) {
    const list = bySymbol.get(series.symbol) ?? [];
    list.push(series);
    bySymbol.set(series.symbol, list);
  }
  const loadedSeries = new Map<ReplaySeries, NativeSeries>();
  const markets = [...bySymbol.entries()].map(([symbol, seriesList]) => {
    const first = seriesList[0]!;
    return new SymbolMarket(
      symbol,
      first.base,
      first.quote,
      {
        async load() {
          return Promise.all(
            seriesList.map(async (series) => {
              const loaded = await series.load();
              const native = new NativeSeries(series.timeframe, series.timeframeMs, loaded.rows);
              loadedSeries.set(series, native);
              return native;
            }),
          );
        },
      },
      settings,
    );
  });
  const marketBySymbol = new Map(markets.map((market) => [market.symbol, market]));
  return {
    simulated: false,
    markets,
    find: (symbol) => marketBySymbol.get(symbol),
    async defaultStartMs() {
      const candidates = [...replay.series].sort(
        (left, right) =>
          Number(right.symbol === 'BTC/USDT') - Number(left.symbol === 'BTC/USDT') ||
          left.timeframeMs - right.timeframeMs ||
          right.files.reduce((sum, file) => sum + file.sizeBytes, 0) -
            left.files.reduce((sum, file) => sum + file.sizeBytes, 0),
      );
      const primary = candidates[0]!;
      const market = marketBySymbol.get(primary.symbol)!;
      await market.ensureLoaded();
      const native = market.nativeSeries.find((series) => series.timeframeMs === primary.timeframeMs);
      const block = native?.blocks[native.blocks.length - 1];
      if (!block) throw new Error(`replay series ${primary.symbol} ${primary.timeframe} has no valid rows`);
      const middle = block.startMs + Math.floor((block.endMs - block.startMs) / 2);
      return Math.floor(middle / MINUTE_MS) * MINUTE_MS;
    },
    seriesStatus() {
      return replay.series.map((series) => ({
        symbol: series.symbol,
        timeframe: series.timeframe,
        source: 'replay' as const,
        files: series.files.map((file) => file.relativePath),
        loaded: loadedSeries.has(series),
        ...statusOf(loadedSeries.get(series)),
      }));
    },
  };
}

export interface SimulatedUniverseOptions {
  symbols: readonly string[];
  /** The emulated start; history is generated before it. */
  startMs: number;
  historyDays: number;
}

/** Seeded synthetic 1-minute markets that grow as emulated time passes. */
export function createSimulatedUniverse(
  options: SimulatedUniverseOptions,
  settings: MarketSettings,
): MarketUniverse {
  const series = new Map<string, NativeSeries>();
  const markets = options.symbols.map((symbol) => {
    const [base = symbol, quote = ''] = symbol.split('/');
    const generator = new SimulatedSeriesGenerator(
      symbol,
      base,
      settings.seed,
      options.startMs - options.historyDays * DAY_MS,
    );
    const native = new NativeSeries('1m', MINUTE_MS, []);
    series.set(symbol, native);
    const extendTo = (timeMs: number): void => {
      // Generate a day ahead at a time, so a fast clock does not regenerate on every request.
      if (timeMs + MINUTE_MS < generator.generatedUntilMs) return;
      native.append(generator.generateUntil(timeMs + DAY_MS));
    };
    return new SymbolMarket(
      symbol,
      base,
      quote,
      {
        async load() {
          extendTo(options.startMs);
          return [native];
        },
        extendTo,
      },
      settings,
    );
  });
  const marketBySymbol = new Map(markets.map((market) => [market.symbol, market]));
  return {
    simulated: true,
    markets,
    find: (symbol) => marketBySymbol.get(symbol),
    defaultStartMs: async () => options.startMs,
    seriesStatus() {
      return options.symbols.map((symbol) => ({
        symbol,
        timeframe: '1m',
        source: 'simulated' as const,
        files: [],
        loaded: marketBySymbol.get(symbol)?.isLoaded ?? false,
        ...statusOf(series.get(symbol)),
      }));
    },
  };
}
