/** @jsxRuntime automatic */
import { isTimeframe, type Timeframe, TIMEFRAME_MS } from '@runecast/market';
import { chartIndicatorNames, type ChartIndicatorName, type StreamBookEvent } from '@runecast/contracts';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { ErrorState, LoadingState, QueryView } from '../../components/query-state.tsx';
import { MARKET_RANGES, RangePicker, type TimeRange } from '../../components/range-picker.tsx';
import { formatChange, formatCompact, formatPrice } from '../../lib/format.ts';
import { usePreferences, useTimeFormat } from '../../lib/preferences.ts';
import { openMarketStream, type LiveStreamStatus } from '../../lib/live-stream.ts';
import { useApi } from '../../lib/services.tsx';
import { useTheme } from '../../lib/theme.ts';
import { CandleChart, type CandleChartController, type HoveredBar } from './candle-chart.tsx';
import {
  applyLiveCandle,
  bucketStartMs,
  changeRatio,
  closeAtOrBefore,
  createLiveBarState,
  historyToChartData,
  MAX_CHART_CANDLES,
  timeframeForRange,
  volumeColor,
  type ChartBar,
  type LiveBarState,
} from './candle-chart-data.ts';
import { CoverageStrip } from './coverage-strip.tsx';
import {
  allTimeframes,
  baseTimeframe,
  fetchCandleHistory,
  parseSeriesKey,
  symbolFromPath,
  seriesKey,
  useCoverage,
  useCoveredSeries,
  useLatestCandle,
} from './market-queries.ts';
import { TopOfBook } from './top-of-book.tsx';
import { fetchIndicators, indicatorView, parseIndicatorList, SERVED_INDICATORS } from './indicator-series.ts';

/** Height of the chart without indicator panes (as `.chart-box`), and what each pane adds. */
const CHART_HEIGHT = 520;
const INDICATOR_PANE_HEIGHT = 140;

const INDICATOR_LABELS: Record<ChartIndicatorName, string> = {
  rsi: 'RSI',
  macd: 'MACD',
  bollinger: 'Bollinger',
  volume: 'Volume',
};
import { MarketForecastPanel, useMarketForecasts } from '../forecasts/market-forecasts.tsx';
import { NewsPanel } from '../community/community-panels.tsx';
import { WatchToggle } from '../workspace/watch-toggle.tsx';
import { chartIndicatorsOf } from '../workspace/workspace-model.ts';

/** Candles loaded per timeframe: a week of 1m, a month of 5m, a quarter of 15m, a year of 1h… */
export const HISTORY_LIMITS: Record<Timeframe, number> = {
  '1m': 10_080,
  '5m': 8_640,
  '15m': 8_640,
  '1h': 8_760,
  '4h': 4_380,
  '1d': 2_000,
};

type RangeChoice = TimeRange;
const RANGES = MARKET_RANGES;

/** The range shown first: about 300–700 bars, readable without zooming. */
function defaultRangeSeconds(timeframe: Timeframe): number | null {
  const seconds = {
    '1m': 86_400,
    '5m': 3 * 86_400,
    '15m': 7 * 86_400,
    '1h': 30 * 86_400,
    '4h': 120 * 86_400,
    '1d': null,
  };
  return seconds[timeframe];
}

function withAlpha(color: string, alpha: string): string {
  return /^#[0-9a-f]{6}$/i.test(color) ? `${color}${alpha}` : color;
}

/** Open, high, low, close and volume of one candle: the one under the cursor, else the newest. */
function CandleValues(props: { bar: (ChartBar & { volume: number | null }) | null; hovered: boolean }) {
  const { bar } = props;
  const { formatTime } = useTimeFormat();
  if (bar === null) return null;
  const direction = bar.close >= bar.open ? 'up' : 'down';
  return (
    <span
      className="num"
      data-testid="candle-ohlcv"
      data-time={bar.time}
      data-hovered={props.hovered}
      style={{ display: 'flex', gap: 8 }}
    >
      <span className="muted">{formatTime(bar.time * 1000)}</span>
      <span>
        <span className="muted">O</span> {formatPrice(bar.open)}
      </span>
      <span>
        <span className="muted">H</span> {formatPrice(bar.high)}
      </span>
      <span>
        <span className="muted">L</span> {formatPrice(bar.low)}
      </span>
      <span className={direction}>
        <span className="muted">C</span> {formatPrice(bar.close)}
      </span>
      <span>
        <span className="muted">V</span> {formatCompact(bar.volume)}
      </span>
    </span>
  );
}

export default function MarketPage() {
  const params = useParams();
  const exchange = params.exchange ?? '';
  const symbol = symbolFromPath(params.symbol ?? '');
  const [searchParams, setSearchParams] = useSearchParams();
  const requested = searchParams.get('tf');
  const covered = useCoveredSeries();
  const base = covered.data ? baseTimeframe(covered.data, exchange, symbol) : null;
  // The workspace's defaults apply where the address says nothing (a shared link wins).
  const preferences = usePreferences();
  const { formatTime, timeZone } = useTimeFormat();
  const savedChart = preferences.data?.chart;
  const savedDefault = preferences.data?.defaultSeries
    ? parseSeriesKey(preferences.data.defaultSeries)
    : null;
  const savedTimeframe =
    savedDefault !== null && savedDefault.exchange === exchange && savedDefault.symbol === symbol
      ? savedDefault.timeframe
      : null;
  const timeframe: Timeframe =
    requested !== null && isTimeframe(requested) ? requested : (savedTimeframe ?? base ?? '1m');
  const baseSeries = base === null ? null : seriesKey(exchange, symbol, base);
  const latest = useLatestCandle(baseSeries);
  const api = useApi();
  const queryClient = useQueryClient();
  const theme = useTheme();
  const coverage = useCoverage(baseSeries);
  const [chosenRange, setRange] = useState<RangeChoice | null>(null);
  // The range picked here, else one in the address (`range=1W`), else the workspace's.
  const range =
    chosenRange ??
    RANGES.find((choice) => choice.label === searchParams.get('range')) ??
    RANGES.find((choice) => choice.label === savedChart?.range) ??
    null;
  // Chosen indicators live in the address (`ind=rsi,macd`), so a shared link shows the same chart.
  const indicatorParam = searchParams.get('ind');
  const indicators =
    indicatorParam !== null
      ? parseIndicatorList(indicatorParam)
      : savedChart !== undefined
        ? chartIndicatorsOf(savedChart)
        : (['volume'] as ChartIndicatorName[]);
  const toggleIndicator = (name: ChartIndicatorName) => {
    const next = indicators.includes(name)
      ? indicators.filter((item) => item !== name)
      : chartIndicatorNames.filter((item) => item === name || indicators.includes(item));
    const updated = new URLSearchParams(searchParams);
    updated.set('ind', next.join(','));
    setSearchParams(updated, { replace: true });
  };
  const servedIndicators = SERVED_INDICATORS.filter((name) => indicators.includes(name));
  const indicatorPanes = servedIndicators.filter((name) => name === 'rsi' || name === 'macd').length;

  // The span loaded: the timeframe's usual history, or more when a longer range is chosen
  // ("All": back to the first stored candle), drawn coarser when it would be too many candles.
  const latestOpenMs = latest.data?.candle?.openTimeMs ?? null;
  const firstStoredMs = coverage.data?.ranges.find((item) => item.state !== 'missing')?.startMs ?? null;
  const usualSpanMs = HISTORY_LIMITS[timeframe] * TIMEFRAME_MS[timeframe];
  const wantedSpanMs =
    range === null
      ? usualSpanMs
      : range.seconds === null
        ? latestOpenMs !== null && firstStoredMs !== null
          ? Math.max(usualSpanMs, latestOpenMs - firstStoredMs + TIMEFRAME_MS[timeframe])
          : usualSpanMs
        : Math.max(usualSpanMs, range.seconds * 1000);
  const shownTimeframe = timeframeForRange(timeframe, wantedSpanMs);
  const displaySeries = seriesKey(exchange, symbol, shownTimeframe);
  const timeframeMs = TIMEFRAME_MS[shownTimeframe];
  const candleCount = Math.ceil(wantedSpanMs / timeframeMs);
  const anchorMs = latestOpenMs !== null ? bucketStartMs(latestOpenMs, timeframeMs) + timeframeMs : null;
  const history = useQuery({
    queryKey: ['candles', displaySeries, anchorMs, candleCount],
    queryFn: ({ signal }) =>
      fetchCandleHistory(
        api,
        {
          series: displaySeries,
          toMs: anchorMs!,
          fromMs: anchorMs! - candleCount * timeframeMs,
          limit: Math.min(candleCount, MAX_CHART_CANDLES),
        },
        signal,
      ),
    enabled: anchorMs !== null,
    staleTime: Infinity,
    // A longer range keeps the chart of the shorter one until its candles are in.
    placeholderData: (previous) => (previous?.series === displaySeries ? previous : undefined),
  });

  const [controller, setController] = useState<CandleChartController | null>(null);
  const [chartReady, setChartReady] = useState(false);
  const [lastBar, setLastBar] = useState<(ChartBar & { volume: number }) | null>(null);
  const [hovered, setHovered] = useState<HoveredBar | null>(null);
  const [book, setBook] = useState<StreamBookEvent | null>(null);
  const [streamStatus, setStreamStatus] = useState<LiveStreamStatus>('connecting');
  const liveState = useRef<LiveBarState | null>(null);

  // Indicators end with the newest candle shown, so they follow the live candles one closed candle
  // at a time (the key changes when a candle opens, not on every tick).
  const indicatorEndMs = lastBar !== null ? lastBar.time * 1000 + timeframeMs : anchorMs;
  const indicatorQuery = useQuery({
    queryKey: ['candle-indicators', displaySeries, indicatorEndMs, candleCount, servedIndicators.join(',')],
    queryFn: ({ signal }) =>
      fetchIndicators(
        api,
        {
          series: displaySeries,
          indicators: servedIndicators,
          toMs: indicatorEndMs!,
          fromMs: indicatorEndMs! - candleCount * timeframeMs,
          limit: Math.min(candleCount, MAX_CHART_CANDLES),
        },
        signal,
      ),
    enabled: indicatorEndMs !== null && servedIndicators.length > 0,
    staleTime: 60_000,
    // The lines stay while the next candle's are fetched, instead of blinking off.
    placeholderData: (previous) => (previous?.series === displaySeries ? previous : undefined),
  });

  const barsRef = useRef<ChartBar[]>([]);

  const chartData = useMemo(() => {
    if (history.data === undefined || controller === null) return null;
    const palette = controller.palette();
    return historyToChartData(history.data, {
      up: withAlpha(palette.up, '66'),
      down: withAlpha(palette.down, '66'),
    });
  }, [history.data, controller, theme]);

  // Declared before the data effect so a new timeframe starts from its default range.
  useEffect(() => {
    setChartReady(false);
    setRange(null);
  }, [timeframe, exchange, symbol]);
  const rangeSeconds = range === null ? defaultRangeSeconds(timeframe) : range.seconds;

  useEffect(() => {
    if (controller === null || chartData === null || history.data === undefined) return;
    controller.setData(chartData.bars, chartData.volumes);
    barsRef.current = chartData.bars;
    const last = chartData.bars.at(-1) ?? null;
    const lastVolume = history.data.volume.at(-1) ?? 0;
    liveState.current = createLiveBarState(
      timeframeMs,
      last === null ? null : { ...last, volume: lastVolume },
      latest.data?.candle ?? null,
    );
    setLastBar(last === null ? null : { ...last, volume: lastVolume });
    controller.showLast(rangeSeconds);
    // Marks the moment the chart can be used, for the page-load measurement.
    const frame = requestAnimationFrame(() => {
      setChartReady(true);
      performance.mark('runecast:market-interactive');
    });
    return () => cancelAnimationFrame(frame);
  }, [controller, chartData, history.data, rangeSeconds, timeframeMs, latest.data]);

  const showVolume = indicators.includes('volume');
  const indicatorData = servedIndicators.length > 0 ? (indicatorQuery.data ?? null) : null;
  const servedKey = servedIndicators.join(',');
  useEffect(() => {
    if (controller === null) return;
    controller.setVolumeVisible(showVolume);
    controller.setIndicators(
      indicatorData === null
        ? null
        : indicatorView(indicatorData, servedKey.split(',') as ChartIndicatorName[]),
    );
  }, [controller, indicatorData, servedKey, showVolume, theme]);

  useEffect(() => {
    if (baseSeries === null) return;
    return openMarketStream(api, [baseSeries], {
      onCandles(event) {
        const state = liveState.current;
        if (state === null || controller === null) return;
        for (const candle of event.candles) {
          const bar = applyLiveCandle(state, candle);
          if (bar === null) continue;
          const palette = controller.palette();
          const { volume, ...ohlc } = bar;
          controller.update(ohlc, {
            time: bar.time,
            value: volume,
            color: volumeColor(bar.open, bar.close, {
              up: withAlpha(palette.up, '66'),
              down: withAlpha(palette.down, '66'),
            }),
          });
          const bars = barsRef.current;
          if (bars.at(-1)?.time === ohlc.time) bars[bars.length - 1] = ohlc;
          else bars.push(ohlc);
          setLastBar(bar);
        }
      },
      onBook(event) {
        if (event.exchange === exchange && event.symbol === symbol) setBook(event);
      },
      onForecast() {
        void queryClient.invalidateQueries({ queryKey: ['forecasts-latest'] });
        void queryClient.invalidateQueries({ queryKey: ['forecasts-scored'] });
      },
      onStatus: (status) => setStreamStatus(status),
    });
  }, [api, baseSeries, controller, exchange, symbol, queryClient]);

  const onReady = useCallback((next: CandleChartController | null) => setController(next), []);
  const forecasts = useMarketForecasts({
    baseSeries,
    displaySeries,
    timeframeMs,
    controller,
    dataVersion: chartData,
    showBands: savedChart?.showIntervals ?? true,
  });
  // Forecasts arrive after the candles: the first view then makes room for them ahead.
  const hasForecasts = forecasts.drawnSeries !== null;
  useEffect(() => {
    if (controller !== null && chartReady && hasForecasts) controller.showLast(rangeSeconds);
  }, [controller, chartReady, hasForecasts, rangeSeconds]);

  const dayAgoClose = lastBar ? closeAtOrBefore(barsRef.current, lastBar.time - 86_400) : undefined;
  const change = changeRatio(dayAgoClose, lastBar?.close);
  const noCandles = latest.isSuccess && latest.data.candle === null;
  const chooseTimeframe = (next: Timeframe) => {
    const updated = new URLSearchParams(searchParams);
    updated.set('tf', next);
    setSearchParams(updated, { replace: true });
  };

  return (
    <div className="page">
      <div className="page-header">
        <div>
          <div className="row muted small">
            <Link to="/">Overview</Link> <span>/</span> <span>{exchange}</span>
          </div>
          <div className="row" style={{ gap: 10 }}>
            <h1>{symbol}</h1>
            <WatchToggle series={baseSeries} label={`${exchange}:${symbol}`} />
          </div>
        </div>
        <div className="row" style={{ gap: 20 }}>
          <div>
            <div className="price-big num" data-testid="last-price">
              {formatPrice(lastBar?.close)}
            </div>
            <div className={`small num ${change === null ? 'muted' : change >= 0 ? 'up' : 'down'}`}>
              {formatChange(change)} 24h
            </div>
          </div>
          <span
            className={`badge ${streamStatus === 'open' ? 'ok' : streamStatus === 'closed' ? 'down' : 'degraded'}`}
          >
            {streamStatus === 'open' ? 'live' : streamStatus}
          </span>
        </div>
      </div>

      <div className="market-layout">
        <section className="panel" aria-label="Price chart">
          <div className="panel-header">
            <div className="segmented" role="group" aria-label="Timeframe">
              {allTimeframes.map((name) => (
                <button
                  key={name}
                  type="button"
                  aria-pressed={name === timeframe}
                  onClick={() => chooseTimeframe(name)}
                >
                  {name}
                </button>
              ))}
            </div>
            <RangePicker
              ranges={RANGES}
              selected={range?.label ?? null}
              disabled={controller === null}
              onChoose={(choice) => {
                setRange(choice);
                controller?.showLast(choice.seconds);
              }}
            />
            <div className="segmented" role="group" aria-label="Indicators" data-testid="indicator-toggles">
              {chartIndicatorNames.map((name) => (
                <button
                  key={name}
                  type="button"
                  aria-pressed={indicators.includes(name)}
                  title={
                    name === 'volume'
                      ? 'Volume under the candles'
                      : `${INDICATOR_LABELS[name]}, computed by the models’ feature code`
                  }
                  onClick={() => toggleIndicator(name)}
                >
                  {INDICATOR_LABELS[name]}
                </button>
              ))}
            </div>
          </div>
          <div
            data-testid="market-chart"
            data-state={chartReady ? 'ready' : 'loading'}
            data-timeframe={timeframe}
            data-shown-timeframe={shownTimeframe}
          >
            <CandleChart
              onReady={onReady}
              chartStyle={savedChart?.style ?? 'candles'}
              timeZone={timeZone}
              onHover={setHovered}
              // Each indicator pane adds room under the candles rather than squeezing them.
              height={indicatorPanes > 0 ? CHART_HEIGHT + INDICATOR_PANE_HEIGHT * indicatorPanes : undefined}
            >
              <div className="chart-legend">
                <span className="muted">
                  {displaySeries}
                  {history.data ? (
                    <span data-testid="candle-source">
                      {' · '}
                      {history.data.derived
                        ? `derived from stored ${base ?? '1m'} candles`
                        : `stored ${shownTimeframe} candles`}
                    </span>
                  ) : null}
                </span>
                {shownTimeframe !== timeframe ? (
                  <span className="muted" data-testid="timeframe-notice">
                    showing {shownTimeframe}: {range?.label} of {timeframe} would be{' '}
                    {Math.ceil(wantedSpanMs / TIMEFRAME_MS[timeframe]).toLocaleString('en-US')} candles
                  </span>
                ) : null}
                <CandleValues bar={hovered ?? lastBar} hovered={hovered !== null} />
                {indicatorQuery.isError && servedIndicators.length > 0 ? (
                  <span className="down" role="alert" data-testid="indicator-error">
                    Indicators could not be loaded: {indicatorQuery.error.message}
                  </span>
                ) : null}
                {forecasts.drawnSeries !== null ? (
                  <span className="muted" data-testid="forecast-legend">
                    <span className="legend-swatch" style={{ background: 'var(--band-80)' }} />
                    80%
                    <span className="legend-swatch" style={{ background: 'var(--band-95)', marginLeft: 8 }} />
                    95% · forecasts of {forecasts.drawnSeries}
                  </span>
                ) : null}
              </div>
              {covered.isError || latest.isError || history.isError ? (
                <div className="chart-overlay" style={{ pointerEvents: 'auto' }}>
                  <ErrorState
                    error={covered.error ?? latest.error ?? history.error}
                    onRetry={() => {
                      void covered.refetch();
                      void latest.refetch();
                      void history.refetch();
                    }}
                  />
                </div>
              ) : noCandles || (history.isSuccess && history.data.times.length === 0) ? (
                <div className="chart-overlay">
                  <div className="state" data-testid="empty-state">
                    No candles stored for {displaySeries} yet. Track the market from the overview and its
                    history is backfilled.
                  </div>
                </div>
              ) : !chartReady ? (
                <div className="chart-overlay">
                  <LoadingState label="Loading candles…" />
                </div>
              ) : null}
            </CandleChart>
          </div>
          <div className="row small muted" style={{ marginTop: 8 }}>
            <span>Scroll to zoom, drag to pan. Times are in {timeZone}.</span>
            <span className="spacer" />
            {history.data && lastBar !== null ? (
              // Read at each render: live candles re-render the page through `lastBar`.
              <span data-testid="chart-footer">
                {barsRef.current.length.toLocaleString('en-US')} {shownTimeframe} candles ·{' '}
                {formatTime((barsRef.current[0]?.time ?? lastBar.time) * 1000)} →{' '}
                {formatTime(lastBar.time * 1000)} · last {formatPrice(lastBar.close)}
              </span>
            ) : null}
          </div>
        </section>

        <aside className="stack">
          <section className="panel" aria-label="Top of book">
            <div className="panel-header">
              <h2>Top of book</h2>
            </div>
            <TopOfBook book={book} streaming={streamStatus === 'open'} />
          </section>
          <MarketForecastPanel forecasts={forecasts} />
          <NewsPanel about={`${exchange}:${symbol}`} label={symbol} />
        </aside>
      </div>

      <section className="panel" aria-label="Coverage">
        <div className="panel-header">
          <div>
            <h2>Coverage</h2>
            <p className="muted small">
              Stored ranges of {baseSeries ?? 'the series'}: complete, known empty (no trades), and missing.
            </p>
          </div>
        </div>
        {baseSeries === null && covered.isPending ? (
          <LoadingState compact />
        ) : (
          <QueryView
            query={coverage}
            compact
            isEmpty={(data) => data.ranges.length === 0}
            empty="No coverage recorded yet."
          >
            {(data) => <CoverageStrip ranges={data.ranges} />}
          </QueryView>
        )}
      </section>
    </div>
  );
}
