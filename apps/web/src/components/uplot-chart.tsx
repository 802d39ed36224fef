/** @jsxRuntime automatic */
import { useEffect, useRef } from 'react';
import uPlot, { type AlignedData, type Options } from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { chartPalette, useTheme, type ChartPalette } from '../lib/theme.ts';

/** Builds the chart options for the current theme and width. */
export type UplotOptionsBuilder = (palette: ChartPalette, width: number) => Omit<Options, 'width'>;

/** Axis styling shared by every plot, in the theme's colours. */
export function themedAxis(palette: ChartPalette, extra: uPlot.Axis = {}): uPlot.Axis {
  return {
    stroke: palette.text,
    grid: { stroke: palette.grid, width: 1 },
    ticks: { stroke: palette.grid, width: 1 },
    ...extra,
  };
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

/**
 * Tick labels for a time axis in UTC and 24-hour time: dates for day-sized steps or more,
 * `MM-DD HH:mm` below.
 */
export function utcTimeAxisValues(
  _plot: uPlot,
  splits: number[],
  _axisIndex: number,
  _space: number,
  increment: number,
): string[] {
  return splits.map((seconds) => {
    const date = new Date(seconds * 1000);
    const day = `${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
    if (increment >= 86_400) return day;
    return `${day} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}`;
  });
}

/**
 * A uPlot chart that fills its box, follows the theme, and is rebuilt when `options` change
 * (data alone is pushed with setData, which keeps the zoom).
 */
export function UplotChart(props: {
  options: UplotOptionsBuilder;
  data: AlignedData;
  height?: number;
  testId?: string;
  label: string;
}) {
  const boxRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  const theme = useTheme();
  const height = props.height ?? 260;
  const { options, data } = props;

  useEffect(() => {
    const box = boxRef.current;
    if (box === null) return;
    const width = Math.max(200, box.clientWidth);
    const plot = new uPlot({ ...options(chartPalette(), width), width, height }, data, box);
    plotRef.current = plot;
    const observer = new ResizeObserver(() => {
      const nextWidth = Math.max(200, box.clientWidth);
      if (nextWidth !== plot.width) plot.setSize({ width: nextWidth, height });
    });
    observer.observe(box);
    return () => {
      observer.disconnect();
      plot.destroy();
      plotRef.current = null;
    };
    // Rebuilt for new options, a new height or a theme change; data has its own effect.
  }, [options, height, theme]);

  useEffect(() => {
    plotRef.current?.setData(data);
  }, [data]);

  return (
    <div ref={boxRef} className="uplot-box" data-testid={props.testId} role="img" aria-label={props.label} />
  );
}
