import {
  formatSeriesKey,
  NotFoundError,
  parseRuneName,
  parseSeriesKey,
  RUNE_QUOTE,
  runeOfSymbol,
  runeSymbol,
  type SeriesKey,
  type Timeframe,
  timeframeMs,
} from '@runecast/market';
import { ConflictError, UnprocessableError } from '../auth/auth-errors.ts';
import type { SnapshotSource } from '../sources/snapshot-source.port.ts';
import type { ForecastRecord } from '../store/forecast.port.ts';
import type { Store } from '../store/store.ts';
import type { InstrumentState } from '../store/store.port.ts';

/** Two providers' prices of one rune further apart than this (relative to their mean) are flagged. */
export const RUNE_PRICE_DISAGREEMENT = 0.05;
/** Prices polled this far apart are not compared: the market may have moved between the polls. */
const COMPARABLE_WITHIN_MS = 15 * 60_000;

/** One rune as the runes list shows it, from its primary provider. */
export interface RuneView {
  name: string;
  id: string | null;
  source: string;
  seriesKey: string;
  priceSats: number | null;
  priceUsd: number | null;
  holders: number | null;
  volume1dBtc: number | null;
  marketCapUsd: number | null;
  /** Change of the price in sats over the last 24 hours, in percent; null without a price a day ago. */
  change1dPct: number | null;
  updatedAtMs: number;
  simulated: boolean;
  tracked: boolean;
  /** Every provider that polled it, with its price. */
  sources: { source: string; priceSats: number | null; updatedAtMs: number }[];
  /** Set when two providers' prices disagree beyond the threshold; never averaged away. */
  disagreement: { sources: [string, string]; pct: number } | null;
  /** Closes of the price series over the last day, one per half hour with candles, oldest first. */
  sparkline: number[] | null;
  /** The newest forecast of a tracked rune's price series, of its longest horizon. */
  forecast: RuneForecastSummary | null;
}

/** What the runes list shows of a forecast: the ledger record without its inputs and scores. */
export type RuneForecastSummary = Pick<
  ForecastRecord,
  | 'series'
  | 'horizonMinutes'
  | 'modelType'
  | 'modelVersionId'
  | 'issuedAtMs'
  | 'targetTimeMs'
  | 'lastClose'
  | 'point'
  | 'lower80'
  | 'upper80'
  | 'lower95'
  | 'upper95'
>;

/** The span of the list's sparklines and the width of one of their points. */
export const RUNE_SPARKLINE_SPAN_MS = 86_400_000;
export const RUNE_SPARKLINE_STEP_MS = 30 * 60_000;

/** One rune with every provider's newest stats. */
export interface RuneDetailView extends RuneView {
  stats: {
    source: string;
    observedAtMs: number;
    priceSats: number | null;
    metrics: Record<string, number>;
  }[];
  metrics: string[];
}

export interface RunesServiceOptions {
  store: Store;
  /** The runes providers of this installation, in order of preference (the first is primary). */
  providers: readonly string[];
  /** Their snapshot sources, to check a rune a user asks to track; null in a process without sources. */
  snapshotSource: ((id: string) => SnapshotSource) | null;
  /** The timeframe of the providers' price candles. */
  pollTimeframe: Timeframe;
  onTrackedChanged?: () => Promise<unknown>;
  now: () => number;
}

const metric = (state: InstrumentState | undefined, name: string): number | null =>
  state?.metrics[name] ?? null;

/** Bitcoin Runes: the runes the providers poll, their newest stats, and the runes users track. */
export class RunesService {
  constructor(private readonly options: RunesServiceOptions) {}

  /** Every rune a provider polled, one row per rune from the first provider that has it. */
  async list(): Promise<RuneView[]> {
    const { store, providers } = this.options;
    const states = await store.instruments.list(providers);
    const tracked = new Set(
      (await store.markets.listMarkets())
        .filter((market) => providers.includes(market.exchange))
        .map((market) => market.symbol),
    );
    const byRune = new Map<string, InstrumentState[]>();
    for (const state of states) {
      const rune = runeOfSymbol(state.symbol);
      if (!rune) continue;
      byRune.set(rune.unspaced, [...(byRune.get(rune.unspaced) ?? []), state]);
    }
    const views: RuneView[] = [];
    for (const group of byRune.values()) views.push(await this.viewOf(group, tracked));
    await this.attachSeriesSummaries(views, [...byRune.values()]);
    return views.sort(
      (a, b) => (b.marketCapUsd ?? -1) - (a.marketCapUsd ?? -1) || a.name.localeCompare(b.name),
    );
  }

  /** One rune by any spelling of its name; 404 when no provider polled it. */
  async get(name: string): Promise<RuneDetailView> {
    const rune = parseRuneName(name);
    const states = (await this.options.store.instruments.list(this.options.providers)).filter(
      (state) => runeOfSymbol(state.symbol)?.unspaced === rune.unspaced,
    );
    if (states.length === 0) {
      throw new NotFoundError(
        `no provider has polled the rune ${rune.spaced} yet; track it to start collecting it`,
        {
          field: 'name',
        },
      );
    }
    const tracked = new Set((await this.trackedSymbols(rune.unspaced)).map((market) => market.symbol));
    const view = await this.viewOf(states, tracked);
    await this.attachSeriesSummaries([view], [states]);
    const metricNames = new Set<string>();
    for (const state of states) for (const key of Object.keys(state.metrics)) metricNames.add(key);
    return {
      ...view,
      stats: this.ordered(states).map((state) => ({
        source: state.source,
        observedAtMs: state.observedAtMs,
        priceSats: state.price,
        metrics: { ...state.metrics },
      })),
      metrics: [...metricNames].sort(),
    };
  }

  /**
   * Tracks a rune at a provider (the primary one unless named), after that provider confirms it
   * knows the rune: 422 when it does not, 409 when it is tracked already.
   */
  async track(
    name: string,
    provider?: string,
  ): Promise<{ rune: RuneDetailView; source: string; symbol: string }> {
    const rune = parseRuneName(name);
    const source = provider ?? this.options.providers[0];
    if (source === undefined || !this.options.providers.includes(source)) {
      throw new UnprocessableError(
        `runes provider "${provider ?? ''}" is not collected here (collected: ${this.options.providers.join(', ') || 'none'})`,
        { field: 'source' },
      );
    }
    if ((await this.trackedSymbols(rune.unspaced)).some((market) => market.exchange === source)) {
      throw new ConflictError(`${rune.spaced} is tracked at ${source} already`, { field: 'name' });
    }
    // The spelling with spacers, as a provider gave it, keys the series; the typed one otherwise.
    const polled = (await this.options.store.instruments.list(this.options.providers)).find(
      (state) => runeOfSymbol(state.symbol)?.unspaced === rune.unspaced,
    );
    const symbol = polled?.symbol ?? runeSymbol(rune);
    if (this.options.snapshotSource === null) {
      throw new UnprocessableError(
        'this server has no runes provider connections; a rune cannot be checked',
        {
          field: 'name',
        },
      );
    }
    const checked = await this.options.snapshotSource(source).fetchSnapshots({ symbols: [symbol] });
    const snapshot = checked.snapshots[0];
    if (!snapshot) {
      throw new UnprocessableError(
        `${source} does not know the rune ${rune.spaced}: ${checked.rejected[0]?.reason ?? 'no answer for it'}`,
        { field: 'name' },
      );
    }
    const nowMs = this.options.now();
    await this.options.store.markets.upsertMarkets([
      {
        exchange: source,
        symbol,
        base: runeOfSymbol(symbol)?.spaced ?? rune.spaced,
        quote: RUNE_QUOTE,
        type: 'other',
        active: true,
        pricePrecision: null,
        amountPrecision: null,
        addedAtMs: nowMs,
      },
    ]);
    await this.options.store.instruments.record([
      {
        source,
        symbol,
        instrumentId: null,
        name: runeOfSymbol(symbol)?.spaced ?? rune.spaced,
        simulated: snapshot.simulated,
        observedAtMs: snapshot.observedAtMs,
        price: snapshot.price,
        metrics: snapshot.metrics,
      },
    ]);
    await this.options.onTrackedChanged?.();
    return { rune: await this.get(rune.unspaced), source, symbol };
  }

  /** The series a rune is tracked on, tracking it at the primary provider first when it is not. */
  async ensureTracked(name: string): Promise<{ source: string; symbol: string; trackedNow: boolean }> {
    const rune = parseRuneName(name);
    const [tracked] = await this.trackedSymbols(rune.unspaced);
    if (tracked) return { source: tracked.exchange, symbol: tracked.symbol, trackedNow: false };
    const { source, symbol } = await this.track(name);
    return { source, symbol, trackedNow: true };
  }

  async untrack(name: string): Promise<void> {
    const rune = parseRuneName(name);
    const tracked = await this.trackedSymbols(rune.unspaced);
    if (tracked.length === 0) throw new NotFoundError(`${rune.spaced} is not tracked`, { field: 'name' });
    for (const market of tracked)
      await this.options.store.markets.removeMarket(market.exchange, market.symbol);
    await this.options.onTrackedChanged?.();
  }

  /** The tracked markets of one rune (by identity, however spaced), at every provider. */
  private async trackedSymbols(unspaced: string): Promise<{ exchange: string; symbol: string }[]> {
    return (await this.options.store.markets.listMarkets()).filter(
      (market) =>
        this.options.providers.includes(market.exchange) &&
        runeOfSymbol(market.symbol)?.unspaced === unspaced,
    );
  }

  private ordered(states: readonly InstrumentState[]): InstrumentState[] {
    const rank = (source: string) => this.options.providers.indexOf(source);
    return [...states].sort((a, b) => rank(a.source) - rank(b.source));
  }

  private async viewOf(states: readonly InstrumentState[], tracked: ReadonlySet<string>): Promise<RuneView> {
    const ordered = this.ordered(states);
    const primary = ordered.find((state) => state.price !== null) ?? (ordered[0] as InstrumentState);
    const series = {
      exchange: primary.source,
      symbol: primary.symbol,
      timeframe: this.options.pollTimeframe,
    };
    return {
      name: runeOfSymbol(primary.symbol)?.spaced ?? primary.name,
      id: ordered.find((state) => state.instrumentId !== null)?.instrumentId ?? null,
      source: primary.source,
      seriesKey: formatSeriesKey(series),
      priceSats: primary.price,
      priceUsd:
        metric(primary, 'price_usd') ??
        metric(
          ordered.find((state) => state.metrics.price_usd !== undefined),
          'price_usd',
        ),
      holders: metric(
        ordered.find((state) => state.metrics.holders !== undefined),
        'holders',
      ),
      volume1dBtc: metric(
        ordered.find((state) => state.metrics.volume_1d_btc !== undefined),
        'volume_1d_btc',
      ),
      marketCapUsd: metric(
        ordered.find((state) => state.metrics.market_cap_usd !== undefined),
        'market_cap_usd',
      ),
      change1dPct: await this.change1d(series, primary),
      updatedAtMs: primary.observedAtMs,
      simulated: ordered.some((state) => state.simulated),
      tracked: ordered.some((state) => tracked.has(state.symbol)),
      sources: ordered.map((state) => ({
        source: state.source,
        priceSats: state.price,
        updatedAtMs: state.observedAtMs,
      })),
      disagreement: disagreementOf(ordered),
      sparkline: null,
      forecast: null,
    };
  }

  /**
   * Fills in the sparkline of every view and the forecast of the tracked ones, with one candle
   * query per provider and one forecast query for the whole list.
   */
  private async attachSeriesSummaries(
    views: RuneView[],
    groups: readonly (readonly InstrumentState[])[],
  ): Promise<void> {
    const { store, pollTimeframe } = this.options;
    const endMs = this.options.now();
    const range = { startMs: endMs - RUNE_SPARKLINE_SPAN_MS, endMs };
    const symbolsBySource = new Map<string, string[]>();
    for (const view of views) {
      const series = parseSeriesKey(view.seriesKey);
      symbolsBySource.set(series.exchange, [...(symbolsBySource.get(series.exchange) ?? []), series.symbol]);
    }
    const closes = new Map<string, number[]>();
    for (const [source, symbols] of symbolsBySource) {
      const sampled = await store.candles.sampledCloses(
        source,
        pollTimeframe,
        symbols,
        range,
        RUNE_SPARKLINE_STEP_MS,
      );
      for (const point of sampled) {
        const key = formatSeriesKey({ exchange: source, symbol: point.symbol, timeframe: pollTimeframe });
        closes.set(key, [...(closes.get(key) ?? []), point.close]);
      }
    }
    const trackedSeries: SeriesKey[] = [];
    views.forEach((view, index) => {
      if (!view.tracked) return;
      for (const state of groups[index] ?? []) {
        trackedSeries.push({ exchange: state.source, symbol: state.symbol, timeframe: pollTimeframe });
      }
    });
    const forecasts = await store.forecasts.latestForecastsOf(trackedSeries);
    views.forEach((view, index) => {
      const points = closes.get(view.seriesKey);
      view.sparkline = points !== undefined && points.length > 0 ? points : null;
      if (!view.tracked) return;
      const own = new Set(
        (groups[index] ?? []).map((state) =>
          formatSeriesKey({ exchange: state.source, symbol: state.symbol, timeframe: pollTimeframe }),
        ),
      );
      const candidates = forecasts
        .filter((forecast) => own.has(forecast.series))
        // The primary series first, then the longest horizon, then the newest.
        .sort(
          (a, b) =>
            Number(b.series === view.seriesKey) - Number(a.series === view.seriesKey) ||
            b.horizonMinutes - a.horizonMinutes ||
            b.issuedAtMs - a.issuedAtMs,
        );
      const best = candidates[0];
      view.forecast =
        best === undefined
          ? null
          : {
              series: best.series,
              horizonMinutes: best.horizonMinutes,
              modelType: best.modelType,
              modelVersionId: best.modelVersionId,
              issuedAtMs: best.issuedAtMs,
              targetTimeMs: best.targetTimeMs,
              lastClose: best.lastClose,
              point: best.point,
              lower80: best.lower80,
              upper80: best.upper80,
              lower95: best.lower95,
              upper95: best.upper95,
            };
    });
  }

  /** The price change against the candle a day before the newest poll. */
  private async change1d(
    series: { exchange: string; symbol: string; timeframe: Timeframe },
    state: InstrumentState,
  ): Promise<number | null> {
    if (state.price === null) return null;
    const dayAgoMs = state.observedAtMs - 86_400_000;
    const [then] = await this.options.store.candles.listCandles(
      series,
      { startMs: dayAgoMs - timeframeMs(series.timeframe), endMs: dayAgoMs + timeframeMs(series.timeframe) },
      1,
    );
    return then ? ((state.price - then.close) / then.close) * 100 : null;
  }
}

/** The widest gap between two providers' prices polled close together, when beyond the threshold. */
export function disagreementOf(states: readonly InstrumentState[]): RuneView['disagreement'] {
  let widest: RuneView['disagreement'] = null;
  for (let i = 0; i < states.length; i += 1) {
    for (let j = i + 1; j < states.length; j += 1) {
      const a = states[i] as InstrumentState;
      const b = states[j] as InstrumentState;
      if (a.price === null || b.price === null) continue;
      if (Math.abs(a.observedAtMs - b.observedAtMs) > COMPARABLE_WITHIN_MS) continue;
      const pct = (Math.abs(a.price - b.price) / ((a.price + b.price) / 2)) * 100;
      if (pct > RUNE_PRICE_DISAGREEMENT * 100 && (widest === null || pct > widest.pct)) {
        widest = { sources: [a.source, b.source], pct: Math.round(pct * 100) / 100 };
      }
    }
  }
  return widest;
}
