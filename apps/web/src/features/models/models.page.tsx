/** @jsxRuntime automatic */
import {
  leaderboardResponseSchema,
  modelDetailResponseSchema,
  modelListResponseSchema,
  registryMetrics,
  stageChangeResponseSchema,
  type ModelDetailResponse,
} from '@runecast/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import type uPlot from 'uplot';
import { InlineError, QueryView } from '../../components/query-state.tsx';
import {
  themedAxis,
  UplotChart,
  utcTimeAxisValues,
  type UplotOptionsBuilder,
} from '../../components/uplot-chart.tsx';
import { formatHorizon, formatPercent, formatPrice, formatTimeUtc } from '../../lib/format.ts';
import { useTimeFormat } from '../../lib/preferences.ts';
import { useApi, useSession } from '../../lib/services.tsx';
import { LossChart } from '../jobs/loss-chart.tsx';
import { EvidenceCharts } from './evidence-charts.tsx';
import { AdaptiveBandsTable } from './adaptive-bands.tsx';
import { FeatureImportanceBars } from './feature-importance.tsx';
import {
  forecastErrors,
  readEvaluationForecasts,
  rollingHitRate,
  type EvaluationForecasts,
} from './evaluation-series.ts';
import { METRIC_COLUMNS, withNaiveBaseline } from './leaderboard-model.ts';
import { LeaderboardTable } from './leaderboard-table.tsx';

const COVERAGE_WINDOW = 50;

const timeAxis = (palette: Parameters<UplotOptionsBuilder>[0]) =>
  themedAxis(palette, { values: utcTimeAxisValues, space: 70 });
const utc = (seconds: number) => new Date(seconds * 1000);

const predictedOptions: UplotOptionsBuilder = (palette) => ({
  height: 260,
  tzDate: utc,
  scales: { x: { time: true } },
  axes: [timeAxis(palette), themedAxis(palette, { size: 80 })],
  series: [
    {
      label: 'target time (UTC)',
      value: (_u, value) => (value === null ? '—' : formatTimeUtc(value * 1000)),
    },
    { label: 'actual', stroke: palette.text, width: 1.5, points: { show: false } },
    { label: 'forecast', stroke: palette.forecast, width: 1.5, points: { show: false } },
    { label: '95% low', stroke: palette.band80, width: 1, dash: [4, 4], points: { show: false } },
    { label: '95% high', stroke: palette.band80, width: 1, dash: [4, 4], points: { show: false } },
  ],
});

const errorOptions: UplotOptionsBuilder = (palette) => ({
  height: 220,
  tzDate: utc,
  scales: { x: { time: true } },
  axes: [timeAxis(palette), themedAxis(palette, { size: 70 })],
  series: [
    {
      label: 'target time (UTC)',
      value: (_u, value) => (value === null ? '—' : formatTimeUtc(value * 1000)),
    },
    { label: 'naive error', stroke: palette.series[3]!, width: 1, points: { show: false } },
    { label: 'model error', stroke: palette.accent, width: 1.5, points: { show: false } },
  ],
});

const coverageOptions: UplotOptionsBuilder = (palette) => ({
  height: 220,
  tzDate: utc,
  scales: { x: { time: true }, y: { range: [0, 1] } },
  axes: [
    timeAxis(palette),
    themedAxis(palette, { values: (_u, values) => values.map((value) => `${Math.round(value * 100)}%`) }),
  ],
  series: [
    {
      label: 'target time (UTC)',
      value: (_u, value) => (value === null ? '—' : formatTimeUtc(value * 1000)),
    },
    {
      label: `inside 80% (last ${COVERAGE_WINDOW})`,
      stroke: palette.accent,
      width: 1.5,
      points: { show: false },
    },
    {
      label: `inside 95% (last ${COVERAGE_WINDOW})`,
      stroke: palette.forecast,
      width: 1.5,
      points: { show: false },
    },
    { label: 'nominal 80%', stroke: palette.accent, width: 1, dash: [3, 5], points: { show: false } },
    { label: 'nominal 95%', stroke: palette.forecast, width: 1, dash: [3, 5], points: { show: false } },
  ],
});

function EvaluationCharts(props: { forecasts: EvaluationForecasts }) {
  const { forecasts } = props;
  const times = useMemo(() => forecasts.targetTimeMs.map((time) => time / 1000), [forecasts]);
  const predicted = useMemo(
    () =>
      [
        times,
        forecasts.actualClose,
        forecasts.point,
        forecasts.lower95,
        forecasts.upper95,
      ] as uPlot.AlignedData,
    [times, forecasts],
  );
  const errors = useMemo(() => {
    const { model, naive } = forecastErrors(forecasts);
    return [times, naive, model] as uPlot.AlignedData;
  }, [times, forecasts]);
  const coverage = useMemo(() => {
    const window = Math.min(COVERAGE_WINDOW, Math.max(2, Math.floor(times.length / 3)));
    return [
      times,
      rollingHitRate(forecasts.actualClose, forecasts.lower80, forecasts.upper80, window),
      rollingHitRate(forecasts.actualClose, forecasts.lower95, forecasts.upper95, window),
      times.map(() => 0.8),
      times.map(() => 0.95),
    ] as uPlot.AlignedData;
  }, [times, forecasts]);
  return (
    <div className="stack">
      <div>
        <h3>Predicted against actual</h3>
        <UplotChart
          options={predictedOptions}
          data={predicted}
          label="Forecast against actual close"
          testId="predicted-chart"
        />
      </div>
      <div className="grid-2">
        <div>
          <h3>Error over time</h3>
          <UplotChart options={errorOptions} data={errors} height={220} label="Forecast error over time" />
        </div>
        <div>
          <h3>Interval coverage</h3>
          <UplotChart
            options={coverageOptions}
            data={coverage}
            height={220}
            label="Rolling interval coverage"
          />
        </div>
      </div>
    </div>
  );
}

function MetricsBesideNaive(props: { detail: ModelDetailResponse }) {
  const { model, naiveMetrics } = props.detail;
  const extra = [
    {
      key: 'directionalAccuracyLower95',
      label: 'Direction 95% CI low',
      format: (value: number) => formatPercent(value),
    },
    {
      key: 'directionalAccuracyUpper95',
      label: 'Direction 95% CI high',
      format: (value: number) => formatPercent(value),
    },
    { key: 'meanWidth80', label: 'Mean width 80%', format: formatPrice },
    { key: 'meanWidth95', label: 'Mean width 95%', format: formatPrice },
    {
      key: 'strategyTotalReturn',
      label: 'Long/flat return (after fees)',
      format: (value: number) => formatPercent(value, 2),
    },
    {
      key: 'buyAndHoldReturn',
      label: 'Buy and hold return',
      format: (value: number) => formatPercent(value, 2),
    },
    { key: 'count', label: 'Forecasts evaluated', format: (value: number) => value.toLocaleString('en-US') },
  ];
  const rows = [
    ...METRIC_COLUMNS.map((column) => ({ key: column.key, label: column.label, format: column.format })),
    ...extra,
  ];
  const show = (value: number | null | undefined, format: (value: number) => string) =>
    value === null || value === undefined || !Number.isFinite(value) ? '—' : format(value);
  return (
    <div className="table-wrap">
      <table data-testid="model-metrics">
        <thead>
          <tr>
            <th>Metric</th>
            <th className="num">{model.modelType}</th>
            <th className="num">naive, same origins</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.key}>
              <td>{row.label}</td>
              <td className="num">{show(model.metrics[row.key], row.format)}</td>
              <td className="num muted">{show(naiveMetrics?.[row.key], row.format)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ModelDetail(props: { versionId: number }) {
  const { formatTime } = useTimeFormat();
  const api = useApi();
  const detail = useQuery({
    queryKey: ['model', props.versionId],
    queryFn: ({ signal }) =>
      api.request(`/api/v1/models/${props.versionId}`, { schema: modelDetailResponseSchema, signal }),
  });
  return (
    <section className="panel" aria-label="Model version" data-testid="model-detail">
      <QueryView query={detail}>
        {(data) => {
          const forecasts = readEvaluationForecasts(data.model.evaluation);
          return (
            <div className="stack">
              <div className="panel-header">
                <div>
                  <h2>
                    {data.model.modelType} v{data.model.id}{' '}
                    <span className={`badge ${data.model.stage}`}>{data.model.stage}</span>
                  </h2>
                  <p className="muted small">
                    {data.model.series} · {formatHorizon(data.model.horizonMinutes)} ahead · trained on{' '}
                    {data.model.trainingCandles.toLocaleString('en-US')} candles{' '}
                    {formatTime(data.model.trainingStartMs)} → {formatTime(data.model.trainingEndMs)} ·{' '}
                    {data.model.featureNames.length} features
                  </p>
                  <p className="small" data-testid="naive-gate">
                    {data.naiveGate.beatsNaive ? 'May be production: ' : 'Cannot be production: '}
                    {data.naiveGate.reason}
                  </p>
                </div>
              </div>
              <div className="grid-2">
                <MetricsBesideNaive detail={data} />
                <div className="stack">
                  <h3>Live accuracy (forecast ledger)</h3>
                  {data.accuracy === null || data.accuracy.scored === 0 ? (
                    <p className="muted small">None of its forecasts has been scored yet.</p>
                  ) : (
                    <dl className="kv small">
                      <dt>Scored forecasts</dt>
                      <dd className="num">{data.accuracy.scored}</dd>
                      <dt>MAE / naive MAE</dt>
                      <dd className="num">
                        {formatPrice(data.accuracy.mae)} / {formatPrice(data.accuracy.naiveMae)}
                      </dd>
                      <dt>Relative MAE</dt>
                      <dd className="num">{data.accuracy.relativeMae?.toFixed(3) ?? '—'}</dd>
                      <dt>Coverage 80% / 95%</dt>
                      <dd className="num">
                        {formatPercent(data.accuracy.coverage80)} / {formatPercent(data.accuracy.coverage95)}
                      </dd>
                      <dt>Interval score 80% / 95%</dt>
                      <dd className="num">
                        {formatPrice(data.accuracy.intervalScore80)} /{' '}
                        {formatPrice(data.accuracy.intervalScore95)}
                      </dd>
                      <dt>Direction</dt>
                      <dd className="num">{formatPercent(data.accuracy.directionalAccuracy)}</dd>
                    </dl>
                  )}
                  <h3>Live coverage against nominal</h3>
                  <p className="muted small">
                    Bands are issued at the coverage adaptive conformal inference has reached on the scored
                    forecasts, so that live coverage tracks the nominal level when the market changes.
                  </p>
                  <AdaptiveBandsTable bands={data.adaptiveBands} />
                  <h3>Training loss</h3>
                  <LossChart points={data.training.lossHistory} />
                  {data.promotions.length > 0 ? (
                    <>
                      <h3>Stage history</h3>
                      <ul className="small">
                        {data.promotions.map((entry) => (
                          <li key={entry.id}>
                            {formatTime(entry.atMs)}: {entry.action} to v{entry.versionId}
                            {entry.previousVersionId ? ` (replacing v${entry.previousVersionId})` : ''}
                            {entry.reason ? ` — ${entry.reason}` : ''}
                          </li>
                        ))}
                      </ul>
                    </>
                  ) : null}
                </div>
              </div>
              {data.featureImportance === null ? null : (
                <div className="stack">
                  <h3>Feature importance (permutation, validation window)</h3>
                  <FeatureImportanceBars importance={data.featureImportance} />
                </div>
              )}
              {forecasts === null ? (
                <p className="muted small">This version kept no evaluation forecasts to chart.</p>
              ) : (
                <EvaluationCharts forecasts={forecasts} />
              )}
              {data.evidence === null ? null : (
                <div className="stack">
                  <h3>Evidence over the whole walk-forward</h3>
                  <EvidenceCharts
                    evidence={data.evidence}
                    metrics={data.model.metrics}
                    modelLabel={data.model.modelType}
                  />
                </div>
              )}
            </div>
          );
        }}
      </QueryView>
    </section>
  );
}

export default function ModelsPage() {
  const api = useApi();
  const queryClient = useQueryClient();
  const session = useSession();
  const isAdmin = session?.user.role === 'admin';
  const [searchParams, setSearchParams] = useSearchParams();
  const [metric, setMetric] = useState<(typeof registryMetrics)[number]>('mase');
  const [sortBy, setSortBy] = useState<string>('mase');
  const models = useQuery({
    queryKey: ['models'],
    queryFn: ({ signal }) =>
      api.request('/api/v1/models', { query: { limit: 2000 }, schema: modelListResponseSchema, signal }),
  });
  const boards = useMemo(() => {
    const keys = new Map<string, { series: string; horizonMinutes: number }>();
    for (const model of models.data?.models ?? []) {
      keys.set(`${model.series}@${model.horizonMinutes}`, {
        series: model.series,
        horizonMinutes: model.horizonMinutes,
      });
    }
    return [...keys.entries()].sort(([a], [b]) => a.localeCompare(b));
  }, [models.data]);
  const boardKey = searchParams.get('board') ?? boards[0]?.[0] ?? null;
  const board = boards.find(([key]) => key === boardKey)?.[1] ?? null;
  const selectedVersion = searchParams.get('version') === null ? null : Number(searchParams.get('version'));

  const leaderboard = useQuery({
    queryKey: ['leaderboard', board?.series, board?.horizonMinutes, metric],
    queryFn: ({ signal }) =>
      api.request('/api/v1/models/leaderboard', {
        query: { series: board!.series, horizon: board!.horizonMinutes, metric },
        schema: leaderboardResponseSchema,
        signal,
      }),
    enabled: board !== null,
  });
  const promote = useMutation({
    mutationFn: (versionId: number) =>
      api.request(`/api/v1/models/${versionId}/promote`, {
        method: 'POST',
        body: {},
        schema: stageChangeResponseSchema,
      }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['leaderboard'] });
      void queryClient.invalidateQueries({ queryKey: ['models'] });
      void queryClient.invalidateQueries({ queryKey: ['model'] });
    },
  });
  const entries = withNaiveBaseline(leaderboard.data?.entries ?? []);
  // Versions the registry will not make production (a point model that did not beat naive).
  const refused = new Map(
    (leaderboard.data?.entries ?? [])
      .filter((entry) => !entry.naiveGate.beatsNaive)
      .map((entry) => [entry.model.id, entry.naiveGate.reason]),
  );
  const update = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(searchParams);
    for (const [name, value] of Object.entries(changes)) {
      if (value === null) next.delete(name);
      else next.set(name, value);
    }
    setSearchParams(next, { replace: true });
  };

  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Models</h1>
          <p>
            The registry as a leaderboard per series and horizon. Every model is measured walk-forward against
            naive on the same forecast origins; it beats naive only when its errors are smaller and the
            Diebold-Mariano test agrees.
          </p>
        </div>
      </div>
      <QueryView
        query={models}
        isEmpty={(data) => data.models.length === 0}
        empty="No model versions yet. Train one on the Training page, or wait for the first production models of the tracked markets."
      >
        {() => (
          <>
            <section className="panel" aria-label="Leaderboard">
              <div className="panel-header">
                <div className="row">
                  <label className="field">
                    Series and horizon
                    <select
                      value={boardKey ?? ''}
                      onChange={(event) => update({ board: event.target.value, version: null })}
                      data-testid="board-select"
                    >
                      {boards.map(([key, value]) => (
                        <option key={key} value={key}>
                          {value.series} · {formatHorizon(value.horizonMinutes)}
                        </option>
                      ))}
                    </select>
                  </label>
                  <label className="field">
                    Ranked by
                    <select
                      value={metric}
                      onChange={(event) => {
                        const next = event.target.value as (typeof registryMetrics)[number];
                        setMetric(next);
                        setSortBy(next);
                      }}
                    >
                      {registryMetrics.map((name) => (
                        <option key={name} value={name}>
                          {METRIC_COLUMNS.find((column) => column.key === name)?.label ?? name}
                        </option>
                      ))}
                    </select>
                  </label>
                </div>
                <span className="muted small">Click a row for its evaluation.</span>
              </div>
              {leaderboard.data?.notice ? (
                <p className="muted" role="status" data-testid="naive-notice">
                  {leaderboard.data.notice}
                </p>
              ) : null}
              <QueryView query={leaderboard} compact>
                {() => (
                  <LeaderboardTable
                    entries={entries}
                    sortBy={sortBy}
                    onSortBy={setSortBy}
                    selectedId={selectedVersion}
                    onSelect={(entry) => (entry.id > 0 ? update({ version: String(entry.id) }) : undefined)}
                    actions={
                      isAdmin
                        ? (entry) =>
                            entry.id < 0 ? null : entry.stage === 'production' ? (
                              <span className="muted small">in production</span>
                            ) : refused.has(entry.id) ? (
                              <span className="muted small" title={refused.get(entry.id)}>
                                does not beat naive
                              </span>
                            ) : (
                              <button
                                type="button"
                                className="small"
                                disabled={promote.isPending}
                                onClick={(event) => {
                                  event.stopPropagation();
                                  if (
                                    window.confirm(
                                      `Make ${entry.modelType} v${entry.id} the production model?`,
                                    )
                                  ) {
                                    promote.mutate(entry.id);
                                  }
                                }}
                              >
                                Promote
                              </button>
                            )
                        : undefined
                    }
                  />
                )}
              </QueryView>
              <InlineError error={promote.error} />
            </section>
            {selectedVersion !== null && Number.isSafeInteger(selectedVersion) ? (
              <ModelDetail key={selectedVersion} versionId={selectedVersion} />
            ) : null}
          </>
        )}
      </QueryView>
    </div>
  );
}
