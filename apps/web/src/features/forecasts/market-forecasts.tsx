/** @jsxRuntime automatic */
import type { ApiForecast } from '@runecast/contracts';
import { useEffect, useMemo } from 'react';
import { ErrorState, LoadingState } from '../../components/query-state.tsx';
import { formatChange, formatHorizon, formatPrice } from '../../lib/format.ts';
import { usePreferences, useTimeFormat } from '../../lib/preferences.ts';
import type { CandleChartController } from '../markets/candle-chart.tsx';
import { buildForecastOverlay, pastForecastPoints } from './forecast-overlay.ts';
import { useLatestForecasts, useScoredForecasts } from './forecast-queries.ts';

export interface MarketForecasts {
  /** Every series' newest forecast per horizon, shortest first. */
  forecasts: ApiForecast[];
  /** The series drawn on the chart. */
  drawnSeries: string | null;
  isPending: boolean;
  error: unknown;
}

/**
 * Forecasts of a market for its chart: the newest per horizon of the displayed series (else of
 * the stored series) drawn ahead of the candles, and its scored forecasts at their target
 * times, coloured by whether the actual close fell inside the 80% band.
 */
export function useMarketForecasts(options: {
  baseSeries: string | null;
  displaySeries: string;
  timeframeMs: number;
  controller: CandleChartController | null;
  /** Changes when the chart got new candles (the overlay is drawn after them). */
  dataVersion: unknown;
  /** Draw the 80% and 95% bands (the workspace may turn them off); the point path always. */
  showBands?: boolean;
}): MarketForecasts {
  const { baseSeries, displaySeries, timeframeMs, controller, dataVersion } = options;
  const showBands = options.showBands ?? true;
  const seriesKeys = baseSeries === null ? [displaySeries] : [displaySeries, baseSeries];
  const latest = useLatestForecasts(seriesKeys);
  const drawnSeries = latest.forecasts.some((item) => item.series === displaySeries)
    ? displaySeries
    : latest.forecasts.some((item) => item.series === baseSeries)
      ? baseSeries
      : null;
  const scored = useScoredForecasts(drawnSeries);

  const overlay = useMemo(() => {
    if (drawnSeries === null) return null;
    const drawn = latest.forecasts.filter((item) => item.series === drawnSeries);
    const cone = buildForecastOverlay(drawn, timeframeMs);
    const past = pastForecastPoints(
      (scored.data?.forecasts ?? []).map((item) => ({
        targetTimeMs: item.targetTimeMs,
        point: item.point,
        issuedAtMs: item.issuedAtMs,
        hit80: item.hit80,
      })),
      timeframeMs,
    );
    return { band: showBands ? cone.band : [], line: cone.line, past };
  }, [drawnSeries, latest.forecasts, scored.data, timeframeMs, showBands]);

  useEffect(() => {
    if (controller === null || dataVersion === null) return;
    controller.setForecast(overlay);
  }, [controller, overlay, dataVersion]);

  return { forecasts: latest.forecasts, drawnSeries, isPending: latest.isPending, error: latest.error };
}

/** The market's newest forecasts: point, change from the last close, and both bands. */
export function MarketForecastPanel(props: { forecasts: MarketForecasts }) {
  const { formatTime } = useTimeFormat();
  // The workspace's default horizon leads, marked; the rest follow shortest first.
  const defaultHorizon = usePreferences().data?.defaultHorizonMinutes ?? null;
  const forecasts = [...props.forecasts.forecasts].sort(
    (left, right) =>
      Number(right.horizonMinutes === defaultHorizon) - Number(left.horizonMinutes === defaultHorizon),
  );
  return (
    <section className="panel" aria-label="Forecasts">
      <div className="panel-header">
        <div>
          <h2>Forecasts</h2>
          <p className="muted small">Newest per horizon; bands are 80% and 95% intervals.</p>
        </div>
      </div>
      {props.forecasts.isPending ? (
        <LoadingState compact />
      ) : props.forecasts.error ? (
        <ErrorState compact error={props.forecasts.error} />
      ) : forecasts.length === 0 ? (
        <p className="muted small" data-testid="no-forecasts">
          No forecast of this market yet. The scheduler forecasts tracked markets once they have a production
          model, or start one on the Forecast page.
        </p>
      ) : (
        <div className="stack" style={{ gap: 10 }}>
          {forecasts.map((forecast) => {
            const change = forecast.point / forecast.lastClose - 1;
            return (
              <div
                key={`${forecast.series}@${forecast.horizonMinutes}`}
                className="stack"
                style={{ gap: 2 }}
                data-testid="forecast-row"
                data-default-horizon={forecast.horizonMinutes === defaultHorizon || undefined}
              >
                <div className="row" style={{ justifyContent: 'space-between' }}>
                  <strong>
                    {formatHorizon(forecast.horizonMinutes)}{' '}
                    {forecast.horizonMinutes === defaultHorizon ? (
                      <span className="badge" title="The default horizon of your workspace">
                        default
                      </span>
                    ) : null}{' '}
                    <span className="muted small">{forecast.series.split(':').at(-1)} series</span>
                  </strong>
                  <span className="num">
                    {formatPrice(forecast.point)}{' '}
                    <span className={`small ${change >= 0 ? 'up' : 'down'}`}>{formatChange(change)}</span>
                  </span>
                </div>
                <div className="row small muted" style={{ justifyContent: 'space-between' }}>
                  <span>80%</span>
                  <span className="num">
                    {formatPrice(forecast.lower80)} – {formatPrice(forecast.upper80)}
                  </span>
                </div>
                <div className="row small muted" style={{ justifyContent: 'space-between' }}>
                  <span>95%</span>
                  <span className="num">
                    {formatPrice(forecast.lower95)} – {formatPrice(forecast.upper95)}
                  </span>
                </div>
                <div className="small muted">
                  {forecast.modelType} v{forecast.modelVersionId} · for {formatTime(forecast.targetTimeMs)}
                </div>
              </div>
            );
          })}
        </div>
      )}
    </section>
  );
}
