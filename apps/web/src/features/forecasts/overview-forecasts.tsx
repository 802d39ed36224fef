/** @jsxRuntime automatic */
import type { ApiForecast } from '@runecast/contracts';
import { formatChange, formatHorizon, formatPrice } from '../../lib/format.ts';
import { parseSeriesKey, seriesKey } from '../markets/market-queries.ts';
import { useLatestForecasts } from './forecast-queries.ts';

/**
 * The 95% interval as a bar, the 80% interval darker inside it, a tick at the point forecast
 * and a dot at the last close, on one scale.
 */
export function ForecastBandBar(props: { forecast: ApiForecast; width?: number }) {
  const { forecast } = props;
  const width = props.width ?? 110;
  const height = 14;
  const minimum = Math.min(forecast.lower95, forecast.lastClose);
  const maximum = Math.max(forecast.upper95, forecast.lastClose);
  const span = maximum - minimum || 1;
  const x = (value: number) => 2 + ((value - minimum) / span) * (width - 4);
  return (
    <svg
      width={width}
      height={height}
      role="img"
      aria-label={`${formatHorizon(forecast.horizonMinutes)} forecast bands`}
    >
      <rect
        x={x(forecast.lower95)}
        y={3}
        width={x(forecast.upper95) - x(forecast.lower95)}
        height={8}
        rx={2}
        fill="var(--band-95)"
      />
      <rect
        x={x(forecast.lower80)}
        y={3}
        width={x(forecast.upper80) - x(forecast.lower80)}
        height={8}
        rx={2}
        fill="var(--band-80)"
      />
      <line
        x1={x(forecast.point)}
        x2={x(forecast.point)}
        y1={1}
        y2={13}
        stroke="var(--forecast)"
        strokeWidth={2}
      />
      <circle cx={x(forecast.lastClose)} cy={7} r={2.5} fill="var(--text)" />
    </svg>
  );
}

/**
 * Which series and how far ahead, in a few words: `1m candles · 15m ahead`. The overview mixes
 * forecasts of several timeframes of one market, so every line says its own.
 */
export function forecastScopeLabel(forecast: Pick<ApiForecast, 'series' | 'horizonMinutes'>): string {
  const timeframe = parseSeriesKey(forecast.series)?.timeframe ?? forecast.series;
  return `${timeframe} candles · ${formatHorizon(forecast.horizonMinutes)} ahead`;
}

/** A market's newest forecasts (stored timeframe and hourly), one line per series and horizon. */
export function OverviewForecastCell(props: {
  exchange: string;
  symbol: string;
  baseTimeframe: '1m' | '5m' | '15m' | '1h' | '4h' | '1d';
}) {
  const keys = [
    seriesKey(props.exchange, props.symbol, props.baseTimeframe),
    seriesKey(props.exchange, props.symbol, '1h'),
  ];
  const latest = useLatestForecasts(keys);
  if (latest.isPending && latest.forecasts.length === 0)
    return <div className="skeleton" style={{ height: 16, width: 120 }} />;
  if (latest.error && latest.forecasts.length === 0)
    return <span className="down small">{(latest.error as Error).message}</span>;
  if (latest.forecasts.length === 0) return <span className="muted small">no forecast yet</span>;
  return (
    <div className="stack" style={{ gap: 2 }}>
      {latest.forecasts.slice(0, 4).map((forecast) => {
        const change = forecast.point / forecast.lastClose - 1;
        return (
          <div
            key={`${forecast.series}@${forecast.horizonMinutes}`}
            className="row small"
            style={{ gap: 6, flexWrap: 'nowrap' }}
            data-testid="overview-forecast"
            data-series={forecast.series}
            data-horizon-minutes={forecast.horizonMinutes}
            title={`${forecast.series}, ${forecast.modelType} v${forecast.modelVersionId}: 80% ${formatPrice(forecast.lower80)}–${formatPrice(forecast.upper80)}, 95% ${formatPrice(forecast.lower95)}–${formatPrice(forecast.upper95)}`}
          >
            <span className="muted" style={{ minWidth: 128 }} data-testid="forecast-scope">
              {forecastScopeLabel(forecast)}
            </span>
            <span className="num" style={{ width: 86 }}>
              {formatPrice(forecast.point)}
            </span>
            <span className={`num ${change >= 0 ? 'up' : 'down'}`} style={{ width: 58 }}>
              {formatChange(change)}
            </span>
            <ForecastBandBar forecast={forecast} />
          </div>
        );
      })}
    </div>
  );
}
