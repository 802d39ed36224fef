/** @jsxRuntime automatic */
import { type Timeframe, TIMEFRAME_MS } from '@runecast/market';
import { type TrackedMarket } from '@runecast/contracts';
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import uPlot from 'uplot';
import { ErrorState, LoadingState, QueryView } from '../../components/query-state.tsx';
import {
  themedAxis,
  UplotChart,
  utcTimeAxisValues,
  type UplotOptionsBuilder,
} from '../../components/uplot-chart.tsx';
import { formatDateUtc, formatNumber, formatPercent, formatTimeUtc } from '../../lib/format.ts';
import { useApi } from '../../lib/services.tsx';
import { bucketStartMs } from '../markets/candle-chart-data.ts';
import {
  baseTimeframe,
  fetchCandleHistory,
  fetchLatestCandle,
  seriesKey,
  useCoveredSeries,
  useTrackedMarkets,
} from '../markets/market-queries.ts';
import {
  alignOnCommonTimes,
  correlationMatrix,
  distributionStatistics,
  histogram,
  logReturns,
  normalCurve,
  rollingVolatility,
} from './return-statistics.ts';

const TIMEFRAMES: Timeframe[] = ['5m', '15m', '1h', '4h', '1d'];
const SPANS: { label: string; days: number }[] = [
  { label: '1 day', days: 1 },
  { label: '3 days', days: 3 },
  { label: '1 week', days: 7 },
  { label: '30 days', days: 30 },
  { label: '90 days', days: 90 },
  { label: '1 year', days: 365 },
];
const MAX_CANDLES = 20_000;
const BIN_COUNT = 41;

function marketLabel(market: Pick<TrackedMarket, 'exchange' | 'symbol'>): string {
  return `${market.symbol} · ${market.exchange}`;
}

/** Red for −1, neutral for 0, green for +1. */
function correlationColour(value: number | null): string {
  if (value === null) return 'transparent';
  const strength = Math.round(Math.min(1, Math.abs(value)) * 70);
  return `color-mix(in srgb, ${value >= 0 ? 'var(--up)' : 'var(--down)'} ${strength}%, transparent)`;
}

interface LoadedSeries {
  market: TrackedMarket;
  times: number[];
  closes: number[];
}

export default function AnalysisPage() {
  const api = useApi();
  const markets = useTrackedMarkets();
  const covered = useCoveredSeries();
  const [timeframe, setTimeframe] = useState<Timeframe>('1h');
  const [spanDays, setSpanDays] = useState(7);
  const [rollingWindow, setRollingWindow] = useState(24);
  const [excluded, setExcluded] = useState<ReadonlySet<string>>(new Set());
  const [histogramMarket, setHistogramMarket] = useState<string | null>(null);

  const chosen = (markets.data ?? []).filter(
    (market) => !excluded.has(`${market.exchange}:${market.symbol}`),
  );
  const stepMs = TIMEFRAME_MS[timeframe];
  const limit = Math.min(MAX_CANDLES, Math.ceil((spanDays * 86_400_000) / stepMs));

  const loaded = useQuery({
    queryKey: ['analysis', chosen.map(marketLabel), timeframe, limit, covered.data],
    enabled: markets.isSuccess && covered.isSuccess && chosen.length > 0,
    staleTime: 60_000,
    queryFn: async ({ signal }): Promise<LoadedSeries[]> =>
      Promise.all(
        chosen.map(async (market) => {
          const base = baseTimeframe(covered.data ?? [], market.exchange, market.symbol);
          const latest = await fetchLatestCandle(
            api,
            seriesKey(market.exchange, market.symbol, base),
            signal,
          );
          if (latest.candle === null) return { market, times: [], closes: [] };
          const history = await fetchCandleHistory(
            api,
            {
              series: seriesKey(market.exchange, market.symbol, timeframe),
              toMs: bucketStartMs(latest.candle.openTimeMs, stepMs) + stepMs,
              limit,
            },
            signal,
          );
          // The open candle of the period is still moving; returns use closed candles only.
          const closedCount = history.closed.lastIndexOf(true) + 1 || history.times.length;
          return {
            market,
            times: history.times.slice(0, closedCount),
            closes: history.close.slice(0, closedCount),
          };
        }),
      ),
  });

  const analysis = useMemo(() => {
    const series = (loaded.data ?? []).filter((item) => item.times.length > 2);
    if (series.length === 0) return null;
    const periodsPerYear = (365 * 86_400_000) / stepMs;
    const perMarket = series.map((item) => {
      const returns = logReturns(item.closes);
      return {
        label: marketLabel(item.market),
        returns,
        times: item.times.slice(1),
        statistics: distributionStatistics(returns),
        volatility: rollingVolatility(returns, rollingWindow, periodsPerYear),
      };
    });
    const aligned = alignOnCommonTimes(series.map((item) => ({ times: item.times, closes: item.closes })));
    const alignedReturns = aligned.closes.map((closes) => logReturns(closes));
    return {
      perMarket,
      correlations: correlationMatrix(alignedReturns),
      alignedCount: Math.max(0, aligned.times.length - 1),
      fromMs: Math.min(...series.map((item) => item.times[0]!)),
      toMs: Math.max(...series.map((item) => item.times.at(-1)!)),
    };
  }, [loaded.data, rollingWindow, stepMs]);

  const selectedHistogram =
    analysis?.perMarket.find((item) => item.label === histogramMarket) ?? analysis?.perMarket[0] ?? null;

  const histogramData = useMemo(() => {
    if (selectedHistogram === null || selectedHistogram.statistics === null) return null;
    const bins = histogram(selectedHistogram.returns, BIN_COUNT);
    const curve = normalCurve(
      bins,
      selectedHistogram.statistics.mean,
      selectedHistogram.statistics.standardDeviation,
      selectedHistogram.statistics.count,
    );
    return [bins.centres.map((centre) => centre * 100), bins.counts, curve] as uPlot.AlignedData;
  }, [selectedHistogram]);

  const histogramOptions: UplotOptionsBuilder = useMemo(
    () => (palette) => ({
      height: 260,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false } },
      axes: [
        themedAxis(palette, {
          label: 'log return (%)',
          values: (_u, values) => values.map((value) => value.toFixed(2)),
        }),
        themedAxis(palette, { label: 'candles' }),
      ],
      series: [
        { label: 'return %', value: (_u, value) => (value === null ? '—' : `${value.toFixed(3)}%`) },
        {
          label: 'count',
          stroke: palette.accent,
          fill: `${palette.accent}88`,
          paths: uPlot.paths.bars!({ size: [0.9, 100] }),
          points: { show: false },
        },
        { label: 'normal with the same σ', stroke: palette.forecast, width: 2, points: { show: false } },
      ],
    }),
    [],
  );

  const volatilityData = useMemo(() => {
    if (analysis === null) return null;
    const allTimes = [...new Set(analysis.perMarket.flatMap((item) => item.times))].sort((a, b) => a - b);
    const columns = analysis.perMarket.map((item) => {
      const byTime = new Map<number, number | null>();
      item.times.forEach((time, index) => byTime.set(time, item.volatility[index] ?? null));
      return allTimes.map((time) => {
        const value = byTime.get(time);
        return value === null || value === undefined ? null : value * 100;
      });
    });
    return [allTimes.map((time) => time / 1000), ...columns] as uPlot.AlignedData;
  }, [analysis]);

  const labels = analysis?.perMarket.map((item) => item.label) ?? [];
  const volatilityOptions: UplotOptionsBuilder = useMemo(
    () => (palette) => ({
      height: 280,
      scales: { x: { time: true } },
      axes: [
        themedAxis(palette, { values: utcTimeAxisValues, space: 70 }),
        themedAxis(palette, { label: 'annualised volatility (%)' }),
      ],
      series: [
        { label: 'time (UTC)', value: (_u, value) => (value === null ? '—' : formatTimeUtc(value * 1000)) },
        ...labels.map((label, index) => ({
          label,
          stroke: palette.series[index % palette.series.length]!,
          width: 1.5,
          points: { show: false },
          value: (_u: uPlot, value: number | null) => (value === null ? '—' : `${value.toFixed(1)}%`),
        })),
      ],
      tzDate: (seconds: number) => uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC'),
    }),
    // A new set of markets needs new series.
    [labels.join('|')],
  );

  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Data analysis</h1>
          <p>
            Return distribution, rolling volatility and correlation of the tracked markets, from stored
            candles.
          </p>
        </div>
      </div>

      <section className="panel" aria-label="Settings">
        <QueryView
          query={markets}
          isEmpty={(list) => list.length === 0}
          empty="No markets are tracked yet."
          compact
        >
          {(list) => (
            <div className="stack">
              <div className="row" role="group" aria-label="Markets">
                {list.map((market) => {
                  const key = `${market.exchange}:${market.symbol}`;
                  return (
                    <label key={key} className="check badge">
                      <input
                        type="checkbox"
                        checked={!excluded.has(key)}
                        onChange={(event) => {
                          const next = new Set(excluded);
                          if (event.target.checked) next.delete(key);
                          else next.add(key);
                          setExcluded(next);
                        }}
                      />
                      {marketLabel(market)}
                    </label>
                  );
                })}
              </div>
              <div className="form-grid">
                <label className="field">
                  Timeframe
                  <select
                    value={timeframe}
                    onChange={(event) => setTimeframe(event.target.value as Timeframe)}
                  >
                    {TIMEFRAMES.map((name) => (
                      <option key={name} value={name}>
                        {name}
                      </option>
                    ))}
                  </select>
                </label>
                <label className="field">
                  Span up to the newest candle
                  <select value={spanDays} onChange={(event) => setSpanDays(Number(event.target.value))}>
                    {SPANS.map((span) => (
                      <option key={span.days} value={span.days}>
                        {span.label}
                      </option>
                    ))}
                  </select>
                </label>
                <label className="field">
                  Rolling window (candles)
                  <input
                    type="number"
                    min={5}
                    max={1000}
                    value={rollingWindow}
                    onChange={(event) =>
                      setRollingWindow(Math.max(5, Math.min(1000, Number(event.target.value) || 24)))
                    }
                  />
                </label>
              </div>
            </div>
          )}
        </QueryView>
      </section>

      {chosen.length === 0 && markets.isSuccess ? (
        <div className="panel state">Choose at least one market.</div>
      ) : loaded.isPending && chosen.length > 0 ? (
        <div className="panel">
          <LoadingState label="Loading candles…" />
        </div>
      ) : loaded.isError ? (
        <div className="panel">
          <ErrorState error={loaded.error} onRetry={() => void loaded.refetch()} />
        </div>
      ) : analysis === null ? (
        chosen.length > 0 ? (
          <div className="panel state" data-testid="empty-state">
            Not enough candles in this span to compute returns.
          </div>
        ) : null
      ) : (
        <>
          <p className="muted small">
            {formatDateUtc(analysis.fromMs)} → {formatDateUtc(analysis.toMs)} · {timeframe} candles · log
            returns of closed candles
          </p>
          <div className="grid-2">
            <section className="panel" aria-label="Return distribution">
              <div className="panel-header">
                <h2>Return distribution</h2>
                <select
                  aria-label="Market for the distribution"
                  value={selectedHistogram?.label ?? ''}
                  onChange={(event) => setHistogramMarket(event.target.value)}
                >
                  {analysis.perMarket.map((item) => (
                    <option key={item.label} value={item.label}>
                      {item.label}
                    </option>
                  ))}
                </select>
              </div>
              {histogramData ? (
                <UplotChart
                  options={histogramOptions}
                  data={histogramData}
                  label="Histogram of log returns"
                  testId="return-histogram"
                />
              ) : (
                <p className="muted">Too few returns for a distribution.</p>
              )}
            </section>
            <section className="panel" aria-label="Correlation">
              <div className="panel-header">
                <div>
                  <h2>Correlation of returns</h2>
                  <p className="muted small">
                    Pearson, over {analysis.alignedCount} candles every market has.
                  </p>
                </div>
              </div>
              {analysis.perMarket.length < 2 ? (
                <p className="muted">Choose two or more markets to compare.</p>
              ) : (
                <div className="table-wrap">
                  <table className="heatmap" data-testid="correlation-matrix">
                    <thead>
                      <tr>
                        <th />
                        {analysis.perMarket.map((item) => (
                          <th key={item.label}>{item.label.split(' · ')[0]}</th>
                        ))}
                      </tr>
                    </thead>
                    <tbody>
                      {analysis.correlations.map((row, rowIndex) => (
                        <tr key={analysis.perMarket[rowIndex]!.label}>
                          <th>{analysis.perMarket[rowIndex]!.label.split(' · ')[0]}</th>
                          {row.map((value, columnIndex) => (
                            <td key={columnIndex} style={{ background: correlationColour(value) }}>
                              {value === null ? '—' : value.toFixed(2)}
                            </td>
                          ))}
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </section>
          </div>
          <section className="panel" aria-label="Rolling volatility">
            <div className="panel-header">
              <div>
                <h2>Rolling volatility</h2>
                <p className="muted small">
                  Standard deviation of the last {rollingWindow} log returns, annualised (365 days of
                  trading).
                </p>
              </div>
            </div>
            {volatilityData ? (
              <UplotChart
                options={volatilityOptions}
                data={volatilityData}
                height={280}
                label="Rolling volatility"
                testId="volatility-chart"
              />
            ) : null}
          </section>
          <section className="panel" aria-label="Statistics">
            <div className="panel-header">
              <h2>Statistics of log returns</h2>
            </div>
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th>Market</th>
                    <th className="num">Returns</th>
                    <th className="num">Mean</th>
                    <th className="num">Std dev</th>
                    <th className="num">Skewness</th>
                    <th className="num">Excess kurtosis</th>
                    <th className="num">Worst</th>
                    <th className="num">Best</th>
                  </tr>
                </thead>
                <tbody>
                  {analysis.perMarket.map((item) => (
                    <tr key={item.label}>
                      <td>{item.label}</td>
                      <td className="num">{item.statistics?.count ?? 0}</td>
                      <td className="num">{formatPercent(item.statistics?.mean, 4)}</td>
                      <td className="num">{formatPercent(item.statistics?.standardDeviation, 3)}</td>
                      <td className="num">{formatNumber(item.statistics?.skewness, 2)}</td>
                      <td className="num">{formatNumber(item.statistics?.excessKurtosis, 2)}</td>
                      <td className="num down">{formatPercent(item.statistics?.minimum, 2)}</td>
                      <td className="num up">{formatPercent(item.statistics?.maximum, 2)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        </>
      )}
    </div>
  );
}
