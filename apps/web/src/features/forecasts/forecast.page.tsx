import {
  horizonChoicesMinutes,
  MODEL_TYPES,
  type Timeframe,
  TIMEFRAME_MS,
  TIMEFRAMES,
} from '@runecast/market';
/** @jsxRuntime automatic */
import {
  apiJobSchema,
  onDemandForecastResultSchema,
  type ApiForecast,
  type ApiMarket,
  type OnDemandForecastResult,
} from '@runecast/contracts';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { ErrorState, InlineError, LoadingState } from '../../components/query-state.tsx';
import { formatChange, formatHorizon, formatPrice } from '../../lib/format.ts';
import { usePreferences, useTimeFormat } from '../../lib/preferences.ts';
import { useApi } from '../../lib/services.tsx';
import { CandleChart, type CandleChartController } from '../markets/candle-chart.tsx';
import { historyToChartData } from '../markets/candle-chart-data.ts';
import { MarketPicker } from '../markets/market-picker.tsx';
import { fetchCandleHistory, marketPath } from '../markets/market-queries.ts';
import { JobView } from '../jobs/job-view.tsx';
import { useFollowJob } from '../jobs/use-job.ts';
import { buildForecastOverlay } from './forecast-overlay.ts';

const CANDLES_SHOWN = 240;

function ForecastResultChart(props: { forecast: ApiForecast }) {
  const api = useApi();
  const { forecast } = props;
  const timeframe = forecast.series.split(':').at(-1) as Timeframe;
  const timeframeMs = TIMEFRAME_MS[timeframe];
  const history = useQuery({
    queryKey: ['forecast-result-candles', forecast.id],
    queryFn: ({ signal }) =>
      fetchCandleHistory(
        api,
        { series: forecast.series, toMs: forecast.inputEndMs + 1, limit: CANDLES_SHOWN },
        signal,
      ),
    staleTime: Infinity,
  });
  const [controller, setController] = useState<CandleChartController | null>(null);
  const onReady = useCallback((next: CandleChartController | null) => setController(next), []);
  useEffect(() => {
    if (controller === null || history.data === undefined) return;
    const palette = controller.palette();
    const { bars, volumes } = historyToChartData(history.data, {
      up: `${palette.up}66`,
      down: `${palette.down}66`,
    });
    controller.setData(bars, volumes);
    const cone = buildForecastOverlay([forecast], timeframeMs);
    controller.setForecast({ band: cone.band, line: cone.line });
    controller.showLast(null);
  }, [controller, history.data, forecast, timeframeMs]);
  return (
    <div
      data-testid="forecast-result-chart"
      data-state={history.isSuccess && controller ? 'ready' : 'loading'}
    >
      <CandleChart onReady={onReady} height={380}>
        {history.isPending ? (
          <div className="chart-overlay">
            <LoadingState label="Loading candles…" />
          </div>
        ) : history.isError ? (
          <div className="chart-overlay" style={{ pointerEvents: 'auto' }}>
            <ErrorState error={history.error} onRetry={() => void history.refetch()} />
          </div>
        ) : null}
      </CandleChart>
    </div>
  );
}

function ForecastResult(props: { result: OnDemandForecastResult }) {
  const { result } = props;
  const { forecast } = result;
  const { formatTime } = useTimeFormat();
  const change = forecast.point / forecast.lastClose - 1;
  const [exchange, symbol] = forecast.series.split(':');
  return (
    <div className="stack" data-testid="forecast-result">
      <div className="grid-2">
        <dl className="kv">
          <dt>Forecast for {formatTime(forecast.targetTimeMs)}</dt>
          <dd className="num">
            <strong>{formatPrice(forecast.point)}</strong>{' '}
            <span className={change >= 0 ? 'up' : 'down'}>{formatChange(change)}</span>
          </dd>
          <dt>80% interval</dt>
          <dd className="num">
            {formatPrice(forecast.lower80)} – {formatPrice(forecast.upper80)}
          </dd>
          <dt>95% interval</dt>
          <dd className="num">
            {formatPrice(forecast.lower95)} – {formatPrice(forecast.upper95)}
          </dd>
          <dt>Last close</dt>
          <dd className="num">{formatPrice(forecast.lastClose)}</dd>
        </dl>
        <dl className="kv">
          <dt>Model</dt>
          <dd>
            {result.modelType} v{result.modelVersionId} (
            {result.trained ? 'trained for this forecast' : 'existing version'})
          </dd>
          <dt>Why this model</dt>
          <dd>{result.modelChoice}</dd>
          <dt>Candles fetched</dt>
          <dd className="num">{result.candlesBackfilled.toLocaleString('en-US')}</dd>
          <dt>Data up to</dt>
          <dd>{formatTime(forecast.inputEndMs)}</dd>
        </dl>
      </div>
      {result.backfillWarning ? <div className="notice warning">{result.backfillWarning}</div> : null}
      <ForecastResultChart forecast={forecast} />
      <p className="small muted">
        Series {forecast.series} · horizon {formatHorizon(forecast.horizonMinutes)} ·{' '}
        {exchange && symbol ? <Link to={marketPath({ exchange, symbol })}>open the market page</Link> : null}
      </p>
    </div>
  );
}

export function FollowForecast(props: { jobId: string }) {
  const followed = useFollowJob(props.jobId);
  const parsed =
    followed.job?.state === 'succeeded' ? onDemandForecastResultSchema.safeParse(followed.job.result) : null;
  return (
    <section className="panel" aria-label="Forecast progress">
      <div className="panel-header">
        <h2>Progress</h2>
      </div>
      <JobView followed={followed}>
        {parsed === null ? null : parsed.success ? (
          <ForecastResult result={parsed.data} />
        ) : (
          <div className="notice error">The job finished with a result this page does not understand.</div>
        )}
      </JobView>
    </section>
  );
}

export default function ForecastPage() {
  const api = useApi();
  const [searchParams, setSearchParams] = useSearchParams();
  const jobId = searchParams.get('job');
  const [market, setMarket] = useState<ApiMarket | null>(null);
  const [timeframe, setTimeframe] = useState<Timeframe>('1h');
  const [horizonMinutes, setHorizonMinutes] = useState(240);
  // The workspace's default timeframe and horizon, once, unless the user has chosen already.
  const preferences = usePreferences();
  const [defaultsApplied, setDefaultsApplied] = useState(false);
  useEffect(() => {
    if (defaultsApplied || preferences.data === undefined) return;
    setDefaultsApplied(true);
    const saved = preferences.data;
    const savedTimeframe = saved.defaultSeries?.split(':').at(-1);
    const nextTimeframe =
      savedTimeframe !== undefined && (TIMEFRAMES as readonly string[]).includes(savedTimeframe)
        ? (savedTimeframe as Timeframe)
        : timeframe;
    const minutes = saved.defaultHorizonMinutes;
    if (minutes === null) return;
    if (horizonChoicesMinutes(nextTimeframe).includes(minutes)) {
      setTimeframe(nextTimeframe);
      setHorizonMinutes(minutes);
    } else if (horizonChoicesMinutes(timeframe).includes(minutes)) {
      setHorizonMinutes(minutes);
    }
  }, [defaultsApplied, preferences.data, timeframe]);
  const [modelType, setModelType] = useState('');
  const start = useMutation({
    mutationFn: () =>
      api.request('/api/v1/forecasts/on-demand', {
        method: 'POST',
        body: {
          exchange: market!.exchange,
          symbol: market!.symbol,
          timeframe,
          horizonMinutes,
          ...(modelType ? { modelType } : {}),
        },
        schema: apiJobSchema,
      }),
    onSuccess: (job) => setSearchParams({ job: job.id }),
  });
  const horizons = horizonChoicesMinutes(timeframe);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    start.mutate();
  };
  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Forecast any market</h1>
          <p>
            Pick a market of an exchange: Runecast backfills what it lacks, trains a model or uses the
            production one, and forecasts with 80% and 95% intervals.
          </p>
        </div>
      </div>
      <div className="grid-2">
        <section className="panel" aria-label="Market">
          <div className="panel-header">
            <h2>1. Market</h2>
            {market ? (
              <span className="badge ok" data-testid="chosen-market">
                {market.exchange}:{market.symbol}
              </span>
            ) : null}
          </div>
          <MarketPicker
            initialSearch="BTC/USDT"
            action={(candidate) => (
              <button
                type="button"
                className={`small${market?.symbol === candidate.symbol && market.exchange === candidate.exchange ? ' primary' : ''}`}
                onClick={() => setMarket(candidate)}
              >
                {market?.symbol === candidate.symbol && market.exchange === candidate.exchange
                  ? 'Chosen'
                  : 'Choose'}
              </button>
            )}
          />
        </section>
        <section className="panel" aria-label="Forecast settings">
          <div className="panel-header">
            <h2>2. Settings</h2>
          </div>
          <form className="stack" onSubmit={submit}>
            <div className="form-grid">
              <label className="field">
                Timeframe
                <select
                  name="timeframe"
                  value={timeframe}
                  onChange={(event) => {
                    const next = event.target.value as Timeframe;
                    setTimeframe(next);
                    setHorizonMinutes(horizonChoicesMinutes(next)[0]!);
                  }}
                >
                  {TIMEFRAMES.map((name) => (
                    <option key={name} value={name}>
                      {name}
                    </option>
                  ))}
                </select>
              </label>
              <label className="field">
                Horizon
                <select
                  name="horizon"
                  value={horizonMinutes}
                  onChange={(event) => setHorizonMinutes(Number(event.target.value))}
                >
                  {horizons.map((minutes) => (
                    <option key={minutes} value={minutes}>
                      {formatHorizon(minutes)}
                    </option>
                  ))}
                </select>
              </label>
              <label className="field">
                Model
                <select name="model" value={modelType} onChange={(event) => setModelType(event.target.value)}>
                  <option value="">automatic</option>
                  {MODEL_TYPES.map((name) => (
                    <option key={name} value={name}>
                      {name}
                    </option>
                  ))}
                </select>
              </label>
            </div>
            <InlineError error={start.error} />
            <div>
              <button type="submit" className="primary" disabled={market === null || start.isPending}>
                {market === null
                  ? 'Choose a market first'
                  : `Forecast ${market.symbol} ${formatHorizon(horizonMinutes)} ahead`}
              </button>
            </div>
          </form>
        </section>
      </div>
      {jobId ? <FollowForecast key={jobId} jobId={jobId} /> : null}
    </div>
  );
}
