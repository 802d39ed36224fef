/** @jsxRuntime automatic */
import { parseSeriesKey, TIMEFRAME_MS } from '@runecast/market';
import { useQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { ErrorState, LoadingState } from '../../components/query-state.tsx';
import { formatTimeUtc } from '../../lib/format.ts';
import { useApi } from '../../lib/services.tsx';
import { useTheme } from '../../lib/theme.ts';
import { MarketForecastPanel, useMarketForecasts } from '../forecasts/market-forecasts.tsx';
import { CandleChart, type CandleChartController } from '../markets/candle-chart.tsx';
import { bucketStartMs, historyToChartData, MAX_CHART_CANDLES } from '../markets/candle-chart-data.ts';
import { fetchCandleHistory, useLatestCandle } from '../markets/market-queries.ts';
import { formatSats } from './runes-table-model.ts';

/** Days of price candles the rune page loads. */
const PRICE_DAYS = 7;

function withAlpha(color: string, alpha: string): string {
  return /^#[0-9a-f]{6}$/i.test(color) ? `${color}${alpha}` : color;
}

/**
 * The rune's price in sats from its poll candles (the last week up to the newest), with the
 * newest forecasts' point and 80% / 95% bands ahead of it when the rune has any.
 */
export function RunePriceChart(props: { seriesKey: string; rangeSeconds?: number | null }) {
  const { seriesKey } = props;
  const rangeSeconds = props.rangeSeconds ?? null;
  const api = useApi();
  const theme = useTheme();
  const timeframeMs = TIMEFRAME_MS[parseSeriesKey(seriesKey).timeframe];
  const latest = useLatestCandle(seriesKey, 60_000);
  const latestOpenMs = latest.data?.candle?.openTimeMs ?? null;
  const anchorMs = latestOpenMs === null ? null : bucketStartMs(latestOpenMs, timeframeMs) + timeframeMs;
  const count = Math.min(Math.ceil((PRICE_DAYS * 86_400_000) / timeframeMs), MAX_CHART_CANDLES);
  const history = useQuery({
    queryKey: ['candles', seriesKey, anchorMs, count],
    queryFn: ({ signal }) =>
      fetchCandleHistory(
        api,
        { series: seriesKey, toMs: anchorMs!, fromMs: anchorMs! - count * timeframeMs, limit: count },
        signal,
      ),
    enabled: anchorMs !== null,
    staleTime: 30_000,
  });
  const [controller, setController] = useState<CandleChartController | null>(null);
  const [ready, setReady] = useState(false);
  const onReady = useCallback((next: CandleChartController | null) => setController(next), []);
  const chartData = useMemo(() => {
    if (history.data === undefined || controller === null) return null;
    const palette = controller.palette();
    return historyToChartData(history.data, {
      up: withAlpha(palette.up, '66'),
      down: withAlpha(palette.down, '66'),
    });
  }, [history.data, controller, theme]);
  const forecasts = useMarketForecasts({
    baseSeries: seriesKey,
    displaySeries: seriesKey,
    timeframeMs,
    controller,
    dataVersion: chartData,
  });
  const hasForecasts = forecasts.drawnSeries !== null;
  useEffect(() => {
    if (controller === null || chartData === null) return;
    controller.setData(chartData.bars, chartData.volumes);
    controller.showLast(rangeSeconds);
    const frame = requestAnimationFrame(() => setReady(chartData.bars.length > 0));
    return () => cancelAnimationFrame(frame);
  }, [controller, chartData, rangeSeconds]);
  useEffect(() => {
    if (controller !== null && ready && hasForecasts) controller.showLast(rangeSeconds);
  }, [controller, ready, hasForecasts, rangeSeconds]);

  const last = history.data?.close.at(-1) ?? null;
  if (latest.isPending) return <LoadingState label="Loading the price…" />;
  if (latest.isError) return <ErrorState error={latest.error} onRetry={() => void latest.refetch()} />;
  if (latest.data.candle === null) {
    return (
      <p className="muted" data-testid="no-price">
        No price candles are stored for {seriesKey} yet: the providers' polls write one per{' '}
        {parseSeriesKey(seriesKey).timeframe}, so the chart starts with the next poll.
      </p>
    );
  }
  return (
    <div className="market-layout">
      <div>
        <div data-testid="rune-price-chart" data-state={ready ? 'ready' : 'loading'}>
          <CandleChart onReady={onReady} height={360}>
            <div className="chart-legend">
              <span className="muted">{seriesKey} · price in sats</span>
              {last !== null ? <span className="num">last {formatSats(last)} sats</span> : null}
              {hasForecasts ? (
                <span className="muted" data-testid="forecast-legend">
                  <span className="legend-swatch" style={{ background: 'var(--band-80)' }} />
                  80%
                  <span className="legend-swatch" style={{ background: 'var(--band-95)', marginLeft: 8 }} />
                  95% forecast bands
                </span>
              ) : null}
            </div>
            {history.isError ? (
              <div className="chart-overlay" style={{ pointerEvents: 'auto' }}>
                <ErrorState error={history.error} onRetry={() => void history.refetch()} />
              </div>
            ) : history.isSuccess && history.data.times.length === 0 ? (
              <div className="chart-overlay">
                <div className="state" data-testid="empty-state">
                  No candles of {seriesKey} in the last {PRICE_DAYS} days.
                </div>
              </div>
            ) : !ready ? (
              <div className="chart-overlay">
                <LoadingState label="Loading candles…" />
              </div>
            ) : null}
          </CandleChart>
        </div>
        {history.data && history.data.times.length > 0 ? (
          <div className="row small muted" style={{ marginTop: 8 }} data-testid="price-footer">
            {history.data.times.length.toLocaleString('en-US')} candles ·{' '}
            {formatTimeUtc(history.data.times[0])} → {formatTimeUtc(history.data.times.at(-1))}. Scroll to
            zoom, drag to pan. Times are UTC.
          </div>
        ) : null}
      </div>
      <aside>
        <MarketForecastPanel forecasts={forecasts} />
      </aside>
    </div>
  );
}
