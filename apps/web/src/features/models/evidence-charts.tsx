/** @jsxRuntime automatic */
import { useState } from 'react';
import type { ForecastEvidence } from '@runecast/contracts';
import { formatChange, formatDateUtc, formatPercent, formatPrice } from '../../lib/format.ts';
import {
  bandPath,
  CHART_HEIGHT,
  CHART_PADDING,
  CHART_WIDTH,
  linearScale,
  linePath,
  pitShares,
} from './evidence-charts-model.ts';

type Metrics = Record<string, number | null | undefined>;

interface Line {
  label: string;
  values: readonly number[];
  color: string;
  dash?: string;
}

interface Band {
  label: string;
  lower: readonly number[];
  upper: readonly number[];
  color: string;
  opacity: number;
}

const plotLeft = CHART_PADDING.left;
const plotRight = CHART_WIDTH - CHART_PADDING.right;
const plotTop = CHART_PADDING.top;
const plotBottom = CHART_HEIGHT - CHART_PADDING.bottom;

function Legend(props: { items: { label: string; color: string; dash?: string }[] }) {
  return (
    <ul
      className="small muted"
      style={{ display: 'flex', gap: '1rem', listStyle: 'none', padding: 0, margin: 0 }}
    >
      {props.items.map((item) => (
        <li key={item.label}>
          <svg width="18" height="8" aria-hidden="true" style={{ marginRight: '0.3rem' }}>
            <line
              x1="0"
              y1="4"
              x2="18"
              y2="4"
              stroke={item.color}
              strokeWidth="2"
              strokeDasharray={item.dash}
            />
          </svg>
          {item.label}
        </li>
      ))}
    </ul>
  );
}

function Axes(props: { yLabels: [string, string]; xLabels: [string, string] }) {
  return (
    <g fontSize="10" fill="var(--text-muted, #888)">
      <line x1={plotLeft} y1={plotBottom} x2={plotRight} y2={plotBottom} stroke="var(--border, #ccc)" />
      <line x1={plotLeft} y1={plotTop} x2={plotLeft} y2={plotBottom} stroke="var(--border, #ccc)" />
      <text x={plotLeft - 4} y={plotTop + 8} textAnchor="end">
        {props.yLabels[1]}
      </text>
      <text x={plotLeft - 4} y={plotBottom} textAnchor="end">
        {props.yLabels[0]}
      </text>
      <text x={plotLeft} y={CHART_HEIGHT - 6}>
        {props.xLabels[0]}
      </text>
      <text x={plotRight} y={CHART_HEIGHT - 6} textAnchor="end">
        {props.xLabels[1]}
      </text>
    </g>
  );
}

/** Lines (and shaded bands) over time, in plain SVG. */
function TimeChart(props: {
  title: string;
  testId: string;
  times: readonly number[];
  lines: Line[];
  bands?: Band[];
  formatValue: (value: number) => string;
}) {
  const bands = props.bands ?? [];
  const x = linearScale(props.times, plotLeft, plotRight);
  const y = linearScale(
    [
      ...props.lines.flatMap((line) => line.values),
      ...bands.flatMap((band) => [...band.lower, ...band.upper]),
    ],
    plotBottom,
    plotTop,
  );
  const [timeFrom, timeTo] = x.domain;
  const [low, high] = y.domain;
  return (
    <figure className="stack" style={{ margin: 0 }} data-testid={props.testId}>
      <svg viewBox={`0 0 ${CHART_WIDTH} ${CHART_HEIGHT}`} role="img" aria-label={props.title} width="100%">
        <title>{props.title}</title>
        <Axes
          yLabels={[props.formatValue(low), props.formatValue(high)]}
          xLabels={[formatDateUtc(timeFrom), formatDateUtc(timeTo)]}
        />
        {bands.map((band) => (
          <path
            key={band.label}
            data-band={band.label}
            d={bandPath(props.times, band.lower, band.upper, x, y)}
            fill={band.color}
            fillOpacity={band.opacity}
            stroke="none"
          />
        ))}
        {props.lines.map((line) => (
          <path
            key={line.label}
            data-line={line.label}
            d={linePath(props.times, line.values, x, y)}
            fill="none"
            stroke={line.color}
            strokeWidth="1.5"
            strokeDasharray={line.dash}
          />
        ))}
      </svg>
      <Legend items={[...props.lines, ...bands.map((band) => ({ label: band.label, color: band.color }))]} />
    </figure>
  );
}

/** Observed against nominal coverage of the central bands, with the table's 80% and 95% coverage. */
function CalibrationPlot(props: { calibration: ForecastEvidence['calibration']; metrics: Metrics }) {
  const size = CHART_HEIGHT;
  const pad = 28;
  const scale = (value: number): number => pad + value * (size - 2 * pad);
  const flip = (value: number): number => size - scale(value);
  const table = (['80', '95'] as const).flatMap((level) => {
    const observed = props.metrics[`coverage${level}`];
    return typeof observed === 'number' ? [{ level, nominal: Number(level) / 100, observed }] : [];
  });
  return (
    <figure className="stack" style={{ margin: 0 }} data-testid="calibration-plot">
      <svg
        viewBox={`0 0 ${size} ${size}`}
        role="img"
        aria-label="Calibration: observed against nominal coverage"
        width="100%"
        style={{ maxWidth: '18rem' }}
      >
        <title>Calibration: observed against nominal coverage</title>
        <rect
          x={pad}
          y={pad}
          width={size - 2 * pad}
          height={size - 2 * pad}
          fill="none"
          stroke="var(--border, #ccc)"
        />
        <line
          x1={scale(0)}
          y1={flip(0)}
          x2={scale(1)}
          y2={flip(1)}
          stroke="var(--text-muted, #888)"
          strokeDasharray="3 4"
        />
        <g fontSize="10" fill="var(--text-muted, #888)">
          <text x={pad} y={size - 10}>
            0%
          </text>
          <text x={size - pad} y={size - 10} textAnchor="end">
            nominal 100%
          </text>
          <text x={pad - 4} y={pad + 4} textAnchor="end">
            100%
          </text>
        </g>
        <path
          d={props.calibration.nominal
            .map(
              (nominal, index) =>
                `${index === 0 ? 'M' : 'L'}${scale(nominal).toFixed(1)},${flip(props.calibration.observed[index]!).toFixed(1)}`,
            )
            .join('')}
          fill="none"
          stroke="var(--accent, #4c8dff)"
          strokeWidth="1.5"
        />
        {props.calibration.nominal.map((nominal, index) => (
          <circle
            key={nominal}
            data-nominal={nominal}
            cx={scale(nominal)}
            cy={flip(props.calibration.observed[index]!)}
            r="3"
            fill="var(--accent, #4c8dff)"
          >
            <title>
              {formatPercent(nominal, 0)} band: {formatPercent(props.calibration.observed[index], 1)} observed
            </title>
          </circle>
        ))}
        {table.map((point) => (
          <rect
            key={point.level}
            data-table-level={point.level}
            x={scale(point.nominal) - 4}
            y={flip(point.observed) - 4}
            width="8"
            height="8"
            fill="var(--forecast, #f5b942)"
          >
            <title>
              {point.level}% band (table): {formatPercent(point.observed, 1)} observed
            </title>
          </rect>
        ))}
      </svg>
      <figcaption className="small muted">
        Circles: central bands of the forecast quantiles; squares: the 80% and 95% bands of the table (
        {table.map((point) => `${point.level}%: ${formatPercent(point.observed, 1)}`).join(', ')}). On the
        diagonal is calibrated.
      </figcaption>
    </figure>
  );
}

/** Probability integral transform: flat bars are calibrated, a U too narrow, a hump too wide. */
function PitHistogram(props: { counts: readonly number[] }) {
  const { shares, expected } = pitShares(props.counts);
  const tallest = Math.max(expected, ...shares) * 1.1;
  const size = CHART_HEIGHT;
  const pad = 24;
  const width = (size * 1.5 - 2 * pad) / Math.max(1, shares.length);
  const height = (share: number): number => (share / tallest) * (size - 2 * pad);
  return (
    <figure className="stack" style={{ margin: 0 }} data-testid="pit-histogram">
      <svg
        viewBox={`0 0 ${size * 1.5} ${size}`}
        role="img"
        aria-label="PIT histogram"
        width="100%"
        style={{ maxWidth: '24rem' }}
      >
        <title>PIT histogram</title>
        {shares.map((share, index) => (
          <rect
            key={index}
            data-bin={index}
            x={pad + index * width + 1}
            y={size - pad - height(share)}
            width={width - 2}
            height={height(share)}
            fill="var(--accent, #4c8dff)"
          >
            <title>
              PIT {(index / shares.length).toFixed(1)}–{((index + 1) / shares.length).toFixed(1)}:{' '}
              {props.counts[index]} forecasts ({formatPercent(share, 1)})
            </title>
          </rect>
        ))}
        <line
          x1={pad}
          x2={pad + width * shares.length}
          y1={size - pad - height(expected)}
          y2={size - pad - height(expected)}
          stroke="var(--forecast, #f5b942)"
          strokeDasharray="4 3"
        />
        <g fontSize="10" fill="var(--text-muted, #888)">
          <text x={pad} y={size - 8}>
            0
          </text>
          <text x={pad + width * shares.length} y={size - 8} textAnchor="end">
            1
          </text>
        </g>
      </svg>
      <figcaption className="small muted">
        Where each actual fell in its forecast distribution; the dashed line is the{' '}
        {formatPercent(expected, 0)} per bin of a calibrated forecast.
      </figcaption>
    </figure>
  );
}

/**
 * The walk-forward's evidence: forecast against actual with both bands, rolling interval score
 * beside naive's, calibration and PIT, and the long/flat strategy beside buy-and-hold. Every figure
 * comes from the same forecasts as the metrics in the table beside it.
 */
export function EvidenceCharts(props: { evidence: ForecastEvidence; metrics: Metrics; modelLabel: string }) {
  const { evidence, metrics, modelLabel } = props;
  const { series } = evidence;
  const strategyReturn = series.strategyEquity.at(-1)! - 1;
  const buyAndHoldReturn = series.buyAndHoldEquity.at(-1)! - 1;
  return (
    <div className="stack" data-testid="evidence-charts">
      <p className="muted small">
        {evidence.origins.toLocaleString('en-US')} walk-forward forecasts
        {evidence.stride > 1 ? `, every ${evidence.stride}th drawn` : ''}.
      </p>
      <div>
        <h3>Forecast against actual, 80% and 95% bands</h3>
        <TimeChart
          title={`${modelLabel}: forecast against actual close with 80% and 95% bands`}
          testId="evidence-forecast-chart"
          times={series.targetTimeMs}
          formatValue={(value) => formatPrice(value)}
          bands={[
            {
              label: '95% band',
              lower: series.lower95,
              upper: series.upper95,
              color: 'var(--forecast, #f5b942)',
              opacity: 0.18,
            },
            {
              label: '80% band',
              lower: series.lower80,
              upper: series.upper80,
              color: 'var(--forecast, #f5b942)',
              opacity: 0.32,
            },
          ]}
          lines={[
            { label: 'actual', values: series.actualClose, color: 'var(--text, #ddd)' },
            { label: 'forecast', values: series.point, color: 'var(--forecast, #f5b942)', dash: '4 3' },
          ]}
        />
        <p className="small muted">
          Coverage over all forecasts: {formatPercent(metrics.coverage80)} (80%),{' '}
          {formatPercent(metrics.coverage95)} (95%).
        </p>
      </div>
      <div>
        <h3>Rolling 80% interval score against naive</h3>
        <TimeChart
          title={`${modelLabel}: rolling 80% interval score against naive's`}
          testId="evidence-interval-score-chart"
          times={series.targetTimeMs}
          formatValue={(value) => formatPrice(value)}
          lines={[
            { label: modelLabel, values: series.intervalScore80, color: 'var(--accent, #4c8dff)' },
            {
              label: 'naive (plain bands)',
              values: series.naiveIntervalScore80,
              color: 'var(--text-muted, #888)',
              dash: '4 3',
            },
          ]}
        />
        <p className="small muted">
          Mean of the last {evidence.rollingWindow.toLocaleString('en-US')} forecasts; lower is better. Over
          all: {formatPrice(metrics.intervalScore80)} against naive, skill{' '}
          {formatChange(metrics.intervalSkill80)}, DM p{' '}
          {typeof metrics.dmIntervalPValue80 === 'number' ? metrics.dmIntervalPValue80.toPrecision(2) : '—'}.
        </p>
      </div>
      <div className="grid-2">
        <div>
          <h3>Calibration</h3>
          <CalibrationPlot calibration={evidence.calibration} metrics={metrics} />
        </div>
        <div>
          <h3>PIT histogram</h3>
          <PitHistogram counts={evidence.pitHistogram} />
        </div>
      </div>
      <div>
        <h3>Long/flat strategy against buy-and-hold</h3>
        <TimeChart
          title={`${modelLabel}: equity of the long/flat strategy after fees against buy-and-hold`}
          testId="evidence-equity-chart"
          times={series.targetTimeMs}
          formatValue={(value) => value.toFixed(2)}
          lines={[
            { label: 'long/flat after fees', values: series.strategyEquity, color: 'var(--accent, #4c8dff)' },
            {
              label: 'buy and hold',
              values: series.buyAndHoldEquity,
              color: 'var(--text-muted, #888)',
              dash: '4 3',
            },
          ]}
        />
        <p className="small muted" data-testid="evidence-equity-summary">
          Long/flat {formatChange(strategyReturn)}, buy and hold {formatChange(buyAndHoldReturn)}. A secondary
          figure: skill is the DM test above.
        </p>
      </div>
    </div>
  );
}

interface BacktestRow {
  model: string;
  metrics: Metrics;
  evidence?: ForecastEvidence | undefined;
}

/** The evidence of one model of a backtest at a time, chosen from its rows (the first model beside naive by default). */
export function BacktestEvidence(props: { results: readonly BacktestRow[] }) {
  const charted = props.results.filter((row) => row.evidence !== undefined);
  const [chosen, setChosen] = useState<string | null>(null);
  if (charted.length === 0) {
    return <p className="muted small">This backtest was run before its evidence charts were kept.</p>;
  }
  const fallback = charted.find((row) => row.model !== 'naive') ?? charted[0]!;
  const row = charted.find((entry) => entry.model === chosen) ?? fallback;
  return (
    <div className="stack" data-testid="backtest-evidence">
      <label className="small">
        Evidence of{' '}
        <select
          value={row.model}
          onChange={(event) => setChosen(event.target.value)}
          aria-label="Model to chart"
        >
          {charted.map((entry) => (
            <option key={entry.model} value={entry.model}>
              {entry.model}
            </option>
          ))}
        </select>
      </label>
      <EvidenceCharts evidence={row.evidence!} metrics={row.metrics} modelLabel={row.model} />
    </div>
  );
}
