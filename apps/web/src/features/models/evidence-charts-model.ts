/** Drawing area of every evidence chart, in SVG user units. */
export const CHART_WIDTH = 640;
export const CHART_HEIGHT = 200;
export const CHART_PADDING = { left: 56, right: 12, top: 10, bottom: 22 };

export interface LinearScale {
  (value: number): number;
  domain: [number, number];
}

/** Maps [min, max] of the values onto [from, to]; a flat domain is widened so it still draws. */
export function linearScale(values: readonly number[], from: number, to: number): LinearScale {
  let min = Infinity;
  let max = -Infinity;
  for (const value of values) {
    if (!Number.isFinite(value)) continue;
    if (value < min) min = value;
    if (value > max) max = value;
  }
  if (min === Infinity) {
    min = 0;
    max = 1;
  }
  if (max === min) {
    const spread = Math.abs(min) * 0.01 || 1;
    min -= spread;
    max += spread;
  }
  const scale = ((value: number) => from + ((value - min) / (max - min)) * (to - from)) as LinearScale;
  scale.domain = [min, max];
  return scale;
}

const round = (value: number): string => value.toFixed(1);

/** An SVG path through the points, in order. */
export function linePath(
  xs: readonly number[],
  ys: readonly number[],
  x: LinearScale,
  y: LinearScale,
): string {
  return xs
    .map((value, index) => `${index === 0 ? 'M' : 'L'}${round(x(value))},${round(y(ys[index]!))}`)
    .join('');
}

/** A closed SVG path around the band: along the upper bound, back along the lower one. */
export function bandPath(
  xs: readonly number[],
  lower: readonly number[],
  upper: readonly number[],
  x: LinearScale,
  y: LinearScale,
): string {
  if (xs.length === 0) return '';
  const top = xs.map(
    (value, index) => `${index === 0 ? 'M' : 'L'}${round(x(value))},${round(y(upper[index]!))}`,
  );
  const bottom = xs.map((value, index) => `L${round(x(value))},${round(y(lower[index]!))}`).reverse();
  return `${top.join('')}${bottom.join('')}Z`;
}

/** PIT bars as shares of all forecasts, and the share each bin holds when calibrated. */
export function pitShares(counts: readonly number[]): { shares: number[]; expected: number } {
  const total = counts.reduce((sum, count) => sum + count, 0);
  return {
    shares: counts.map((count) => (total === 0 ? 0 : count / total)),
    expected: counts.length === 0 ? 0 : 1 / counts.length,
  };
}
