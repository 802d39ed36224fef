import {
  defaultHorizonsMinutes,
  horizonChoicesMinutes,
  MODEL_TYPES,
  type Timeframe,
  TIMEFRAME_MS,
  TIMEFRAMES,
} from '@runecast/market';
/** @jsxRuntime automatic */
import { apiJobSchema, backtestResultResponseSchema } from '@runecast/contracts';
import { BacktestEvidence } from '../models/evidence-charts.tsx';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { InlineError, QueryView } from '../../components/query-state.tsx';
import { formatHorizon } from '../../lib/format.ts';
import { useApi } from '../../lib/services.tsx';
import { JobView } from '../jobs/job-view.tsx';
import { useFollowJob } from '../jobs/use-job.ts';
import { bucketStartMs } from '../markets/candle-chart-data.ts';
import { fetchLatestCandle, seriesKey, useTrackedMarkets } from '../markets/market-queries.ts';
import { LeaderboardTable } from '../models/leaderboard-table.tsx';
import { checkTrainingSamples, DEFAULT_TRAINING_DAYS } from './training-requirements.ts';

type JobKind = 'train' | 'backtest' | 'tune';
const KINDS: { kind: JobKind; label: string; help: string }[] = [
  {
    kind: 'train',
    label: 'Train',
    help: 'Walk-forward evaluation beside naive, a fit on the whole range, a new registered version.',
  },
  {
    kind: 'backtest',
    label: 'Backtest',
    help: 'Walk-forward of several models on the same origins; naive is always included.',
  },
  {
    kind: 'tune',
    label: 'Tune',
    help: 'Random search over the model’s parameter space, each trial scored walk-forward.',
  },
];
const FIRST_BACKTEST_MODELS = new Set(['naive', 'drift', 'ridge']);

/** `{"maxEpochs": 5}` typed by the user, checked before it is sent. */
export function parseParams(text: string): { value: Record<string, unknown> } | { error: string } {
  if (text.trim() === '') return { value: {} };
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      return { error: 'parameters must be a JSON object, e.g. {"maxEpochs": 5}' };
    }
    return { value: parsed as Record<string, unknown> };
  } catch (error) {
    return { error: `parameters are not valid JSON: ${(error as Error).message}` };
  }
}

function BacktestResults(props: { jobId: string }) {
  const api = useApi();
  const [sortBy, setSortBy] = useState('mase');
  const result = useQuery({
    queryKey: ['backtest', props.jobId],
    queryFn: ({ signal }) =>
      api.request(`/api/v1/models/backtests/${props.jobId}`, {
        schema: backtestResultResponseSchema,
        signal,
      }),
  });
  return (
    <QueryView query={result} compact>
      {(data) =>
        data.result === null ? (
          <p className="muted small">The backtest has no result.</p>
        ) : (
          <div className="stack" data-testid="backtest-results">
            <h3>
              Results: {data.result.origins} forecast origins of {data.result.series},{' '}
              {formatHorizon(data.result.horizonMinutes)} ahead
            </h3>
            <LeaderboardTable
              entries={data.result.results.map((row, index) => ({
                id: index + 1,
                modelType: row.model,
                stage: 'backtest',
                createdAtMs: 0,
                metrics: row.metrics,
              }))}
              sortBy={sortBy}
              onSortBy={setSortBy}
            />
            <BacktestEvidence results={data.result.results} />
          </div>
        )
      }
    </QueryView>
  );
}

function FollowTraining(props: { jobId: string }) {
  const followed = useFollowJob(props.jobId);
  const job = followed.job;
  const result = job?.state === 'succeeded' ? (job.result as Record<string, unknown> | null) : null;
  return (
    <section className="panel" aria-label="Training progress">
      <div className="panel-header">
        <h2>Progress</h2>
        <Link to={`/jobs/${props.jobId}`} className="small">
          job details
        </Link>
      </div>
      <JobView followed={followed} showLoss={job?.kind === 'train'}>
        {job?.state === 'succeeded' && job.kind === 'backtest' ? <BacktestResults jobId={job.id} /> : null}
        {job?.state === 'succeeded' && job.kind === 'train' && typeof result?.modelVersionId === 'number' ? (
          <div className="notice success" data-testid="training-result">
            Registered {String(result.modelType)} v{result.modelVersionId}
            {result.promoted ? ' and promoted it to production' : ''}.{' '}
            <Link
              to={`/models?board=${encodeURIComponent(`${String(result.series)}@${String(result.horizonMinutes)}`)}&version=${result.modelVersionId}`}
            >
              See its evaluation
            </Link>
          </div>
        ) : null}
        {job?.state === 'succeeded' && job.kind === 'tune' ? (
          <details open>
            <summary className="small muted">Tuning result</summary>
            <pre className="small" style={{ whiteSpace: 'pre-wrap' }}>
              {JSON.stringify(job.result, null, 2)}
            </pre>
          </details>
        ) : null}
      </JobView>
    </section>
  );
}

export default function TrainingPage() {
  const api = useApi();
  const markets = useTrackedMarkets();
  const [searchParams, setSearchParams] = useSearchParams();
  const jobId = searchParams.get('job');
  const [kind, setKind] = useState<JobKind>('train');
  const [market, setMarket] = useState('');
  const [timeframe, setTimeframe] = useState<Timeframe>('1m');
  const [horizonMinutes, setHorizonMinutes] = useState(defaultHorizonsMinutes('1m')[0]!);
  const [modelType, setModelType] = useState('ridge');
  const [backtestModels, setBacktestModels] = useState<ReadonlySet<string>>(FIRST_BACKTEST_MODELS);
  const [days, setDays] = useState(DEFAULT_TRAINING_DAYS['1m']);
  const [evaluationFraction, setEvaluationFraction] = useState(0.25);
  const [trials, setTrials] = useState(10);
  const [promote, setPromote] = useState<'never' | 'if-better' | 'always'>('never');
  const [paramsText, setParamsText] = useState('');
  const chosenMarket =
    market || (markets.data?.[0] ? `${markets.data[0].exchange}:${markets.data[0].symbol}` : '');

  const start = useMutation({
    mutationFn: async () => {
      const params = parseParams(paramsText);
      if ('error' in params) throw new Error(params.error);
      const [exchange, symbol] = [chosenMarket.split(':')[0]!, chosenMarket.split(':').slice(1).join(':')];
      const series = seriesKey(exchange, symbol, timeframe);
      // The range ends at the newest stored candle: replayed or simulated data need not be recent.
      const latest = await fetchLatestCandle(api, series);
      if (latest.candle === null) throw new Error(`no candles stored for ${series}`);
      const stepMs = TIMEFRAME_MS[timeframe];
      const toMs = bucketStartMs(latest.candle.openTimeMs, stepMs) + stepMs;
      const fromMs = toMs - Math.round(days * 86_400_000);
      const common = { series, horizonMinutes, fromMs, toMs };
      const [path, body] =
        kind === 'train'
          ? [
              '/api/v1/models/train',
              { ...common, modelType, params: params.value, evaluationFraction, promote },
            ]
          : kind === 'tune'
            ? ['/api/v1/models/tune', { ...common, modelType, trials, baseParams: params.value }]
            : [
                '/api/v1/models/backtest',
                { ...common, models: [...backtestModels].map((name) => ({ modelType: name })) },
              ];
      return api.request(path, { method: 'POST', body, schema: apiJobSchema });
    },
    onSuccess: (job) => setSearchParams({ job: job.id }),
  });
  const parsedParams = parseParams(paramsText);
  const samples = checkTrainingSamples({
    kind,
    modelType,
    timeframe,
    days,
    horizonMinutes,
    evaluationFraction,
    params: 'value' in parsedParams ? parsedParams.value : {},
  });
  const [checked, setChecked] = useState(false);
  const formProblem =
    'error' in parsedParams
      ? parsedParams.error
      : !Number.isFinite(days) || days <= 0
        ? 'Days of history must be a number above 0.'
        : samples.problem;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setChecked(true);
    if (formProblem !== null) return;
    start.mutate();
  };
  const horizons = horizonChoicesMinutes(timeframe);

  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Training</h1>
          <p>Train, backtest or tune models on stored candles and watch them learn.</p>
        </div>
        <Link to="/jobs">All jobs</Link>
      </div>
      <section className="panel" aria-label="Job settings">
        <form className="stack" onSubmit={submit} data-testid="training-form">
          <div className="segmented" role="group" aria-label="Job kind">
            {KINDS.map((item) => (
              <button
                key={item.kind}
                type="button"
                aria-pressed={kind === item.kind}
                onClick={() => setKind(item.kind)}
              >
                {item.label}
              </button>
            ))}
          </div>
          <p className="muted small">{KINDS.find((item) => item.kind === kind)?.help}</p>
          <div className="form-grid">
            <label className="field">
              Market
              <select name="market" value={chosenMarket} onChange={(event) => setMarket(event.target.value)}>
                {(markets.data ?? []).map((item) => (
                  <option key={`${item.exchange}:${item.symbol}`} value={`${item.exchange}:${item.symbol}`}>
                    {item.exchange}:{item.symbol}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              Timeframe
              <select
                name="timeframe"
                value={timeframe}
                onChange={(event) => {
                  const next = event.target.value as Timeframe;
                  setTimeframe(next);
                  setHorizonMinutes(defaultHorizonsMinutes(next)[0]!);
                  setDays(DEFAULT_TRAINING_DAYS[next]);
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
              Days of history up to the newest candle
              <input
                name="days"
                type="number"
                min={0.1}
                max={3650}
                step="any"
                value={Number.isFinite(days) ? days : ''}
                onChange={(event) =>
                  setDays(event.target.value === '' ? Number.NaN : Number(event.target.value))
                }
              />
              <span className="small muted" data-testid="sample-count">
                {Number.isFinite(samples.samples) ? samples.samples.toLocaleString('en-US') : '?'} candles; at
                least {samples.minimum.toLocaleString('en-US')} needed
              </span>
            </label>
            {kind !== 'backtest' ? (
              <label className="field">
                Model
                <select
                  name="modelType"
                  value={modelType}
                  onChange={(event) => setModelType(event.target.value)}
                >
                  {MODEL_TYPES.map((name) => (
                    <option key={name} value={name}>
                      {name}
                    </option>
                  ))}
                </select>
              </label>
            ) : null}
            {kind === 'train' ? (
              <>
                <label className="field">
                  Share evaluated walk-forward
                  <input
                    type="number"
                    min={0.05}
                    max={0.9}
                    step={0.05}
                    value={evaluationFraction}
                    onChange={(event) => setEvaluationFraction(Number(event.target.value) || 0.25)}
                  />
                </label>
                <label className="field">
                  Promote
                  <select
                    value={promote}
                    onChange={(event) => setPromote(event.target.value as typeof promote)}
                  >
                    <option value="never">never</option>
                    <option value="if-better">if no worse than production</option>
                    <option value="always">always</option>
                  </select>
                </label>
              </>
            ) : null}
            {kind === 'tune' ? (
              <label className="field">
                Trials
                <input
                  type="number"
                  min={1}
                  max={500}
                  value={trials}
                  onChange={(event) => setTrials(Number(event.target.value) || 10)}
                />
              </label>
            ) : null}
          </div>
          {kind === 'backtest' ? (
            <div className="row" role="group" aria-label="Models">
              {MODEL_TYPES.map((name) => (
                <label key={name} className="check badge">
                  <input
                    type="checkbox"
                    checked={name === 'naive' || backtestModels.has(name)}
                    disabled={name === 'naive'}
                    onChange={(event) => {
                      const next = new Set(backtestModels);
                      if (event.target.checked) next.add(name);
                      else next.delete(name);
                      setBacktestModels(next);
                    }}
                  />
                  {name}
                </label>
              ))}
            </div>
          ) : (
            <label className="field">
              Model parameters (JSON, optional)
              <textarea
                name="params"
                rows={2}
                value={paramsText}
                onChange={(event) => setParamsText(event.target.value)}
                placeholder='{"maxEpochs": 10, "units": 16}'
              />
            </label>
          )}
          {checked && formProblem !== null ? (
            <div className="notice error" role="alert" data-testid="training-form-problem">
              {formProblem}
            </div>
          ) : null}
          <InlineError error={start.error} />
          <div>
            <button type="submit" className="primary" disabled={start.isPending || chosenMarket === ''}>
              Start {kind}
            </button>
          </div>
        </form>
      </section>
      {jobId ? <FollowTraining key={jobId} jobId={jobId} /> : null}
    </div>
  );
}
