/** @jsxRuntime automatic */
import type { RuneDetail } from '@runecast/contracts';
import { useMemo } from 'react';
import type uPlot from 'uplot';
import { QueryView } from '../../components/query-state.tsx';
import { withinRange } from '../../components/range-picker.tsx';
import {
  themedAxis,
  UplotChart,
  utcTimeAxisValues,
  type UplotOptionsBuilder,
} from '../../components/uplot-chart.tsx';
import { formatNumber, formatTimeUtc } from '../../lib/format.ts';
import { metricLabel, metricSource } from './rune-page-model.ts';
import { useRuneMetric } from './runes-queries.ts';

const utc = (seconds: number) => new Date(seconds * 1000);

function metricOptions(label: string): UplotOptionsBuilder {
  return (palette) => ({
    height: 220,
    tzDate: utc,
    scales: { x: { time: true } },
    axes: [themedAxis(palette, { values: utcTimeAxisValues, space: 70 }), themedAxis(palette, { size: 80 })],
    series: [
      { label: 'time (UTC)', value: (_plot, value) => (value === null ? '—' : formatTimeUtc(value * 1000)) },
      {
        label,
        stroke: palette.accent,
        width: 1.5,
        points: { show: true, size: 4 },
        value: (_plot, value) => formatNumber(value),
      },
    ],
  });
}

/** One metric series of a rune (last 7 days) from the provider that reports it. */
export function RuneMetricChart(props: {
  detail: RuneDetail;
  metric: string;
  title: string;
  /** The page's range: the last this many seconds of the series (null: all 7 days). */
  rangeSeconds?: number | null;
}) {
  const { detail, metric } = props;
  const rangeSeconds = props.rangeSeconds ?? null;
  const source = metricSource(detail, metric);
  const series = useRuneMetric(detail.name, metric, source);
  const label = metricLabel(metric);
  const options = useMemo(() => metricOptions(label), [label]);
  const shown = useMemo(
    () => withinRange(series.data?.points ?? [], (point) => point.timeMs / 1000, rangeSeconds),
    [series.data, rangeSeconds],
  );
  const data = useMemo(
    () => [shown.map((point) => point.timeMs / 1000), shown.map((point) => point.value)] as uPlot.AlignedData,
    [shown],
  );
  return (
    <section className="panel" aria-label={props.title}>
      <div className="panel-header">
        <div>
          <h2>{props.title}</h2>
          <p className="muted small">
            {source === null ? 'not reported' : `${label} from ${source}, last 7 days, one point per poll`}
          </p>
        </div>
      </div>
      {source === null ? (
        <p className="muted" data-testid="metric-unavailable" data-metric={metric}>
          None of this rune's providers ({detail.sources.map((entry) => entry.source).join(', ')}) reports{' '}
          {label}.
        </p>
      ) : (
        <QueryView
          query={series}
          compact
          isEmpty={(answer) => answer.points.length === 0}
          empty={`${source} reported no ${label} in the last 7 days.`}
        >
          {(answer) =>
            answer.points.length === 1 ? (
              // One point makes no line, and a time axis around it no sense: say what it is.
              <p className="muted" data-testid="metric-single-point" data-metric={metric}>
                One poll so far: {formatNumber(answer.points[0]!.value)} at{' '}
                {formatTimeUtc(answer.points[0]!.timeMs)}. The chart starts with the next poll.
              </p>
            ) : (
              <div data-testid="metric-chart" data-metric={metric} data-points={shown.length}>
                <UplotChart
                  options={options}
                  data={data}
                  height={220}
                  label={`${label} of ${detail.name} from ${source}`}
                />
              </div>
            )
          }
        </QueryView>
      )}
    </section>
  );
}
