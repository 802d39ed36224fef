/** @jsxRuntime automatic */
import type { RuneDetail } from '@runecast/contracts';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { InlineError, LoadingState, QueryView } from '../../components/query-state.tsx';
import {
  formatChange,
  formatCompact,
  formatNumber,
  formatPrice,
  formatRelative,
  formatTimeUtc,
} from '../../lib/format.ts';
import { useSession } from '../../lib/services.tsx';
import { FollowForecast } from '../forecasts/forecast.page.tsx';
import { HealthLights } from '../health/health-lights.tsx';
import { healthLightModels } from '../health/health-model.ts';
import { useLastSeenOk, useReadiness } from '../health/use-health.ts';
import { CoverageStrip } from '../markets/coverage-strip.tsx';
import { useCoverage } from '../markets/market-queries.ts';
import { RangePicker, type TimeRange } from '../../components/range-picker.tsx';

/** Ranges of the rune page: within the week of prices and metrics it loads. */
const RUNE_RANGES: readonly TimeRange[] = [
  { label: '6H', seconds: 6 * 3600 },
  { label: '1D', seconds: 86_400 },
  { label: '3D', seconds: 3 * 86_400 },
  { label: '1W', seconds: null },
];
import { metricLabel, sourceHealth, statColumns } from './rune-page-model.ts';
import { NewsPanel } from '../community/community-panels.tsx';
import { RuneMetricChart } from './rune-metric-chart.tsx';
import { RunePriceChart } from './rune-price-chart.tsx';
import { useForecastRune, useRune, useTrackRune, useUntrackRune } from './runes-queries.ts';
import { formatSats } from './runes-table-model.ts';
import { WatchToggle } from '../workspace/watch-toggle.tsx';

/** Which provider said what, when: every provider's newest stats side by side. */
function SourceStatsTable(props: { detail: RuneDetail }) {
  const { detail } = props;
  const columns = statColumns(detail.stats);
  return (
    <div className="table-wrap">
      <table data-testid="rune-stats">
        <thead>
          <tr>
            <th>Provider</th>
            <th>Observed (UTC)</th>
            <th className="num">Price (sats)</th>
            {columns.map((name) => (
              <th key={name} className="num">
                {metricLabel(name)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {detail.stats.map((entry) => (
            <tr key={entry.source} data-testid="rune-stats-row" data-source={entry.source}>
              <td>
                <strong>{entry.source}</strong>
                {entry.source === detail.source ? <span className="muted small"> primary</span> : null}
              </td>
              <td className="small">
                {formatTimeUtc(entry.observedAtMs)}
                <div className="muted">{formatRelative(entry.observedAtMs)}</div>
              </td>
              <td className="num">{formatSats(entry.priceSats)}</td>
              {columns.map((name) => (
                <td key={name} className="num">
                  {entry.metrics[name] === undefined ? (
                    <span className="muted">—</span>
                  ) : (
                    formatNumber(entry.metrics[name], 6)
                  )}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The `source:<id>` health checks of the rune's providers. */
function SourceHealthPanel(props: { sources: readonly string[] }) {
  const readiness = useReadiness();
  const lastSeenOk = useLastSeenOk(readiness.data);
  return (
    <section className="panel" aria-label="Source health">
      <div className="panel-header">
        <div>
          <h2>Source health</h2>
          <p className="muted small">The server's checks of the providers that reported this rune.</p>
        </div>
      </div>
      <QueryView query={readiness} compact>
        {(data) => {
          const checks = sourceHealth(data.components, props.sources);
          if (checks.length === 0) {
            return (
              <p className="muted" data-testid="no-source-health">
                This server runs no health checks for {props.sources.join(', ')} (the providers are polled by
                another process, or not any more).
              </p>
            );
          }
          return <HealthLights lights={healthLightModels(checks, lastSeenOk, Date.now())} />;
        }}
      </QueryView>
    </section>
  );
}

/** Complete and missing ranges of the rune's price series. */
function PriceCoveragePanel(props: { seriesKey: string }) {
  const coverage = useCoverage(props.seriesKey);
  return (
    <section className="panel" aria-label="Coverage">
      <div className="panel-header">
        <div>
          <h2>Coverage</h2>
          <p className="muted small">Stored ranges of {props.seriesKey}: complete, and missing.</p>
        </div>
      </div>
      <QueryView
        query={coverage}
        compact
        isEmpty={(data) => data.ranges.length === 0}
        empty={`The coverage ledger has no ranges of ${props.seriesKey} yet.`}
      >
        {(data) => {
          const missing = data.ranges.filter((range) => range.state === 'missing');
          return (
            <div className="stack" style={{ gap: 8 }}>
              <CoverageStrip ranges={data.ranges} />
              {missing.length === 0 ? (
                <p className="small muted" data-testid="no-gaps">
                  No missing ranges.
                </p>
              ) : (
                <ul className="small" data-testid="missing-ranges">
                  {missing
                    .slice(-10)
                    .reverse()
                    .map((range) => (
                      <li key={range.startMs}>
                        missing {formatTimeUtc(range.startMs)} → {formatTimeUtc(range.endMs)}
                      </li>
                    ))}
                  {missing.length > 10 ? (
                    <li className="muted">and {missing.length - 10} older gaps</li>
                  ) : null}
                </ul>
              )}
            </div>
          );
        }}
      </QueryView>
    </section>
  );
}

function TrackingControl(props: { detail: RuneDetail }) {
  const { detail } = props;
  const session = useSession();
  const track = useTrackRune();
  const untrack = useUntrackRune();
  if (!detail.tracked) {
    return (
      <div>
        <button
          type="button"
          className="primary"
          disabled={track.isPending}
          onClick={() => track.mutate(detail.name)}
        >
          {track.isPending ? 'Checking…' : 'Track'}
        </button>
        <InlineError error={track.error} />
      </div>
    );
  }
  return (
    <div className="row" style={{ gap: 8 }}>
      <span className="badge ok">tracked</span>
      {session?.user.role === 'admin' ? (
        <button
          type="button"
          className="ghost small danger"
          disabled={untrack.isPending}
          onClick={() => {
            if (window.confirm(`Stop tracking ${detail.name}?`)) untrack.mutate(detail.name);
          }}
        >
          Untrack
        </button>
      ) : null}
      <InlineError error={untrack.error} />
    </div>
  );
}

/** Forecast this rune now, 4 h or 24 h ahead, and follow the job's steps. */
function ForecastNow(props: { detail: RuneDetail }) {
  const forecast = useForecastRune();
  const [jobId, setJobId] = useState<string | null>(null);
  const start = (horizonMinutes: 240 | 1440) =>
    forecast.mutate({ name: props.detail.name, horizonMinutes }, { onSuccess: (job) => setJobId(job.id) });
  return (
    <section className="panel" aria-label="Forecast now">
      <div className="panel-header">
        <div>
          <h2>Forecast now</h2>
          <p className="muted small">
            Polls {props.detail.name} now (tracking it if it is not), trains a model when its series is long
            enough or uses the production one, and forecasts. The providers give no history, so a rune first
            seen now is told when it will have enough.
          </p>
        </div>
        <div className="row" style={{ gap: 8 }}>
          <button type="button" disabled={forecast.isPending} onClick={() => start(240)}>
            4 h ahead
          </button>
          <button type="button" className="primary" disabled={forecast.isPending} onClick={() => start(1440)}>
            24 h ahead
          </button>
        </div>
      </div>
      <InlineError error={forecast.error} />
      {jobId ? <FollowForecast key={jobId} jobId={jobId} /> : null}
    </section>
  );
}

function RuneView(props: { detail: RuneDetail }) {
  const { detail } = props;
  const change = detail.change1dPct === null ? null : detail.change1dPct / 100;
  // One range for the page: the price chart and the metric charts show the same stretch of time.
  const [range, setRange] = useState<TimeRange>(RUNE_RANGES.at(-1)!);
  return (
    <>
      <div className="page-header">
        <div>
          <div className="row muted small">
            <Link to="/runes">Runes</Link> <span>/</span> <span>{detail.id ?? 'id unknown'}</span>
          </div>
          <h1 data-testid="rune-name">{detail.name}</h1>
          <div className="row small" style={{ gap: 6 }}>
            <span className="muted">primary provider {detail.source}</span>
            {detail.simulated ? (
              <span className="badge simulated" data-testid="simulated">
                simulated data
              </span>
            ) : null}
            {detail.disagreement !== null ? (
              <span className="badge degraded" data-testid="disagreement">
                ⚠ {detail.disagreement.sources.join(' and ')} disagree by {detail.disagreement.pct}%
              </span>
            ) : null}
          </div>
        </div>
        <div className="row" style={{ gap: 20 }}>
          <div>
            <div className="price-big num" data-testid="rune-price">
              {formatSats(detail.priceSats)} sats
            </div>
            <div className="small num muted">
              {detail.priceUsd === null ? 'no USD price' : `$${formatPrice(detail.priceUsd)}`} ·{' '}
              <span className={change === null ? 'muted' : change >= 0 ? 'up' : 'down'}>
                {formatChange(change)} 1d
              </span>
            </div>
            <div className="small muted">
              holders {formatNumber(detail.holders, 0)} · 1d volume {formatNumber(detail.volume1dBtc, 4)} BTC
              · cap {detail.marketCapUsd === null ? '—' : `$${formatCompact(detail.marketCapUsd)}`}
            </div>
          </div>
          <TrackingControl detail={detail} />
          <WatchToggle series={detail.seriesKey} label={detail.name} />
        </div>
      </div>

      <section className="panel" aria-label="Price">
        <div className="panel-header">
          <div>
            <h2>Price (sats)</h2>
            <p className="muted small">
              {detail.tracked
                ? 'Tracked: forecast 4 h and 24 h ahead once its production models exist.'
                : 'Not tracked: polled while it is among the providers\u2019 top runes, never forecast.'}
            </p>
          </div>
          <RangePicker ranges={RUNE_RANGES} selected={range.label} onChoose={setRange} />
        </div>
        <RunePriceChart seriesKey={detail.seriesKey} rangeSeconds={range.seconds} />
      </section>

      <ForecastNow detail={detail} />

      <div className="grid-2">
        <RuneMetricChart detail={detail} metric="holders" title="Holders" rangeSeconds={range.seconds} />
        <RuneMetricChart
          detail={detail}
          metric="volume_1d_btc"
          title="1d volume (BTC)"
          rangeSeconds={range.seconds}
        />
      </div>

      <section className="panel" aria-label="Provider stats">
        <div className="panel-header">
          <div>
            <h2>Provider stats</h2>
            <p className="muted small">
              Each provider's newest poll of {detail.name}: what it said and when. Prices are compared, not
              averaged.
            </p>
          </div>
        </div>
        <SourceStatsTable detail={detail} />
      </section>

      <NewsPanel about={detail.name} label={detail.name} />

      <SourceHealthPanel sources={detail.sources.map((entry) => entry.source)} />
      <PriceCoveragePanel seriesKey={detail.seriesKey} />
    </>
  );
}

/** One rune: price with forecast bands, holders and volume, every provider's stats, health, coverage. */
export default function RunePage() {
  const params = useParams();
  const name = params.name ?? '';
  const rune = useRune(name);
  return (
    <div className="page">
      {rune.isPending ? (
        <LoadingState label="Loading the rune…" />
      ) : (
        <QueryView query={rune}>{(detail) => <RuneView detail={detail} />}</QueryView>
      )}
      {rune.isError ? (
        <p>
          <Link to="/runes">Back to the runes</Link>
        </p>
      ) : null}
    </div>
  );
}
