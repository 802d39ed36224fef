/** @jsxRuntime automatic */
import type { LossPoint } from '@runecast/contracts';
import { useMemo } from 'react';
import type uPlot from 'uplot';
import { themedAxis, UplotChart, type UplotOptionsBuilder } from '../../components/uplot-chart.tsx';

const lossOptions: UplotOptionsBuilder = (palette) => ({
  height: 240,
  scales: { x: { time: false } },
  axes: [themedAxis(palette, { label: 'epoch' }), themedAxis(palette, { label: 'loss', size: 70 })],
  series: [
    { label: 'epoch' },
    { label: 'training loss', stroke: palette.accent, width: 2, points: { show: true, size: 5 } },
    { label: 'validation loss', stroke: palette.forecast, width: 2, points: { show: true, size: 5 } },
  ],
});

/** Training and validation loss per epoch; points appear as the job reports them. */
export function LossChart(props: { points: readonly LossPoint[] }) {
  const data = useMemo(
    () =>
      [
        props.points.map((point) => point.epoch),
        props.points.map((point) => point.trainLoss),
        props.points.map((point) => point.validationLoss),
      ] as uPlot.AlignedData,
    [props.points],
  );
  if (props.points.length === 0) return <p className="muted small">No epochs reported yet.</p>;
  return (
    <div data-testid="loss-chart" data-points={props.points.length}>
      <UplotChart options={lossOptions} data={data} label="Training and validation loss per epoch" />
    </div>
  );
}
