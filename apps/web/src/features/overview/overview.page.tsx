/** @jsxRuntime automatic */
import { TIMEFRAME_MS } from '@runecast/market';
import { jobListResponseSchema, type OverviewPanel, type TrackedMarket } from '@runecast/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import { z } from 'zod';
import { InlineError, QueryView } from '../../components/query-state.tsx';
import { Sparkline } from '../../components/sparkline.tsx';
import { formatChange, formatCompact, formatPrice } from '../../lib/format.ts';
import { usePreferences, useTimeFormat } from '../../lib/preferences.ts';
import { useApi, useSession } from '../../lib/services.tsx';
import { HealthLights } from '../health/health-lights.tsx';
import { healthLightModels, healthSummary } from '../health/health-model.ts';
import { useLastSeenOk, useReadiness } from '../health/use-health.ts';
import { bucketStartMs } from '../markets/candle-chart-data.ts';
import {
  baseTimeframe,
  fetchCandleHistory,
  fetchLatestCandle,
  marketPath,
  seriesKey,
  symbolToPath,
  useCoveredSeries,
  useTrackedMarkets,
} from '../markets/market-queries.ts';
import { AddMarketForm } from './add-market-form.tsx';
import { describeCandleTime, summarizeCandles } from './market-summary.ts';
import { trainingLines } from './training-now.ts';
import { useProgressSamples } from '../jobs/use-job.ts';
import { ForecastsPanel, OpenAlertsPanel, RunesPanel } from '../workspace/overview-panels.tsx';
import { WatchlistPanel } from '../workspace/watchlist-panel.tsx';

function HealthPanel() {
  const readiness = useReadiness();
  const lastSeenOk = useLastSeenOk(readiness.data);
  return (
    <section className="panel" aria-label="Health">
      <div className="panel-header">
        <div>
          <h2>Health</h2>
          {readiness.data ? (
            <p className="muted small">
              {(() => {
                const counts = healthSummary(readiness.data.components);
                return `${counts.ok} ok · ${counts.degraded} degraded · ${counts.down} down — ${readiness.data.dataMode.description}`;
              })()}
            </p>
          ) : null}
        </div>
        {readiness.data ? (
          <span className={`badge ${readiness.data.status}`} data-testid="overall-health">
            {readiness.data.status}
          </span>
        ) : null}
      </div>
      <QueryView query={readiness} compact loadingLabel="Asking the server…">
        {(data) => <HealthLights lights={healthLightModels(data.components, lastSeenOk, Date.now())} />}
      </QueryView>
    </section>
  );
}

/** One tracked market: last price, 24h change and volume, a 24h sparkline (15m closes). */
function MarketRow(props: { market: TrackedMarket; covered: readonly string[]; isAdmin: boolean }) {
  const { market } = props;
  const api = useApi();
  const { formatTime } = useTimeFormat();
  const queryClient = useQueryClient();
  const base = baseTimeframe(props.covered, market.exchange, market.symbol);
  const summary = useQuery({
    queryKey: ['market-summary', market.exchange, market.symbol, base],
    queryFn: async ({ signal }) => {
      const latest = await fetchLatestCandle(api, seriesKey(market.exchange, market.symbol, base), signal);
      if (latest.candle === null) return null;
      const stepMs = TIMEFRAME_MS['15m'];
      const history = await fetchCandleHistory(
        api,
        {
          series: seriesKey(market.exchange, market.symbol, '15m'),
          toMs: bucketStartMs(latest.candle.openTimeMs, stepMs) + stepMs,
          limit: 96,
        },
        signal,
      );
      return {
        ...summarizeCandles(history),
        lastPrice: latest.candle.close,
        lastOpenTimeMs: latest.candle.openTimeMs,
      };
    },
    refetchInterval: 30_000,
  });
  const remove = useMutation({
    mutationFn: () =>
      api.request(`/api/v1/markets/${market.exchange}/${symbolToPath(market.symbol)}`, {
        method: 'DELETE',
        schema: z.null(),
      }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['markets'] }),
  });
  const data = summary.data;
  const dataMode = useReadiness().data?.dataMode.mode;
  return (
    <tr data-testid="market-row" data-market={`${market.exchange}:${market.symbol}`}>
      <td>
        <Link to={marketPath(market)}>
          <strong>{market.symbol}</strong>
        </Link>
        <div className="muted small">
          {market.exchange} · {market.type}
          {market.active ? '' : ' · inactive'}
        </div>
      </td>
      {summary.isPending ? (
        <td colSpan={5}>
          <div className="skeleton" style={{ height: 18 }} />
        </td>
      ) : summary.isError ? (
        <td colSpan={5} className="down small">
          {(summary.error as Error).message}
        </td>
      ) : data === null || data === undefined ? (
        <td colSpan={5} className="muted small">
          No candles stored yet.
        </td>
      ) : (
        <>
          <td className="num">{formatPrice(data.lastPrice)}</td>
          <td className={`num ${data.change === null ? 'muted' : data.change >= 0 ? 'up' : 'down'}`}>
            {formatChange(data.change)}
          </td>
          <td>
            <Sparkline values={data.closes} label={`${market.symbol} over 24 hours`} />
          </td>
          <td className="num">{formatCompact(data.volume)}</td>
          <td className="small muted" title={formatTime(data.lastOpenTimeMs)}>
            {formatTime(data.lastOpenTimeMs)}
            <div data-testid="candle-age">{describeCandleTime(data.lastOpenTimeMs, dataMode)}</div>
          </td>
        </>
      )}
      {props.isAdmin ? (
        <td>
          <button
            type="button"
            className="ghost small danger"
            disabled={remove.isPending}
            title="Stop tracking this market"
            onClick={() => {
              if (window.confirm(`Stop tracking ${market.exchange}:${market.symbol}?`)) remove.mutate();
            }}
          >
            Remove
          </button>
          {remove.isError ? <InlineError error={remove.error} /> : null}
        </td>
      ) : null}
    </tr>
  );
}

function MarketsPanel() {
  const markets = useTrackedMarkets();
  const covered = useCoveredSeries();
  const session = useSession();
  const isAdmin = session?.user.role === 'admin';
  return (
    <section className="panel" aria-label="Tracked markets">
      <div className="panel-header">
        <div>
          <h2>Markets</h2>
          <p className="muted small">
            Last price, change and volume over the 24 hours up to the newest candle.
          </p>
        </div>
      </div>
      <QueryView
        query={markets}
        isEmpty={(list) => list.length === 0}
        empty="No markets are tracked yet. Track one below."
      >
        {(list) => (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Market</th>
                  <th className="num">Last</th>
                  <th className="num">24h</th>
                  <th>24h chart</th>
                  <th className="num">24h volume</th>
                  <th>Newest candle</th>
                  {isAdmin ? <th /> : null}
                </tr>
              </thead>
              <tbody>
                {list.map((market) => (
                  <MarketRow
                    key={`${market.exchange}:${market.symbol}`}
                    market={market}
                    covered={covered.data ?? []}
                    isAdmin={isAdmin}
                  />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryView>
    </section>
  );
}

/** What is training now, and roughly when its results come (first models after a fresh start). */
function TrainingNowPanel() {
  const api = useApi();
  const jobs = useQuery({
    queryKey: ['training-now'],
    queryFn: ({ signal }) =>
      api.request('/api/v1/jobs', {
        query: { state: 'running,queued', kind: 'train', limit: 20 },
        schema: jobListResponseSchema,
        signal,
      }),
    refetchInterval: 5_000,
  });
  const progressSamples = useProgressSamples();
  for (const job of jobs.data?.jobs ?? []) {
    if (job.state === 'running') progressSamples.record(job.id, job.updatedAtMs, job.progress.percent);
  }
  const lines = jobs.data ? trainingLines(jobs.data.jobs, Date.now(), progressSamples.samplesOf) : [];
  if (lines.length === 0) return null;
  return (
    <section className="panel" aria-label="Training now" data-testid="training-now">
      <div className="panel-header">
        <div>
          <h2>Training now</h2>
          <p className="muted small">
            Forecasts come from naive with volatility-scaled bands until a trained model beats it.
          </p>
        </div>
        <Link to="/jobs">All jobs</Link>
      </div>
      <ul className="stack small">
        {lines.map((line) => (
          <li key={line.id} data-testid="training-line">
            {line.what} <span className="muted">· {line.status}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** Each panel the workspace layout can place on the overview. */
const PANELS: Record<OverviewPanel, () => ReactNode> = {
  watchlist: () => <WatchlistPanel />,
  health: () => <HealthPanel />,
  markets: () => <MarketsPanel />,
  forecasts: () => <ForecastsPanel />,
  runes: () => <RunesPanel />,
  training: () => <TrainingNowPanel />,
  alerts: () => <OpenAlertsPanel />,
};

export default function OverviewPage() {
  const [showAdd, setShowAdd] = useState(false);
  const preferences = usePreferences();
  // The saved layout: panels in the user's order, the ones left out hidden. Nothing is drawn
  // until it is known, so panels do not jump about when it arrives.
  const layout = preferences.data?.overviewPanels;
  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Overview</h1>
          <p>
            Your watchlist, every component's health and the markets Runecast tracks.{' '}
            <Link to="/account/workspace" className="small">
              Arrange this page
            </Link>
          </p>
        </div>
        <button type="button" onClick={() => setShowAdd((value) => !value)} aria-expanded={showAdd}>
          {showAdd ? 'Close' : 'Track a market'}
        </button>
      </div>
      {showAdd ? <AddMarketForm onDone={() => setShowAdd(false)} /> : null}
      {layout === undefined ? (
        preferences.isError ? (
          <>
            <InlineError error={preferences.error} />
            {/* Without the saved layout, the default one. */}
            <HealthPanel />
            <MarketsPanel />
            <TrainingNowPanel />
          </>
        ) : (
          <div className="skeleton" style={{ height: 120 }} />
        )
      ) : (
        <div className="stack" data-testid="overview-panels" data-layout={layout.join(',')}>
          {layout.map((panel) => (
            <div key={panel} data-panel={panel} className="stack">
              {PANELS[panel]()}
            </div>
          ))}
          {layout.length === 0 ? (
            <p className="muted">
              Every panel is hidden. <Link to="/account/workspace">Choose panels</Link>
            </p>
          ) : null}
        </div>
      )}
    </div>
  );
}
