/** @jsxRuntime automatic */

/** Points of a polyline through `values`, scaled into width × height (y grows downwards). */
export function sparklinePoints(
  values: readonly number[],
  width: number,
  height: number,
  padding = 2,
): string {
  const finite = values.filter((value) => Number.isFinite(value));
  if (finite.length < 2) return '';
  const minimum = Math.min(...finite);
  const maximum = Math.max(...finite);
  const range = maximum - minimum || 1;
  const step = (width - padding * 2) / (values.length - 1);
  const points: string[] = [];
  values.forEach((value, index) => {
    if (!Number.isFinite(value)) return;
    const x = padding + index * step;
    const y = padding + (1 - (value - minimum) / range) * (height - padding * 2);
    points.push(`${x.toFixed(1)},${y.toFixed(1)}`);
  });
  return points.join(' ');
}

/** A small line of recent closes, green when up over the span and red when down. */
export function Sparkline(props: {
  values: readonly number[];
  width?: number;
  height?: number;
  label?: string;
}) {
  const width = props.width ?? 120;
  const height = props.height ?? 32;
  const points = sparklinePoints(props.values, width, height);
  if (points === '') return <span className="muted small">—</span>;
  const first = props.values[0] ?? 0;
  const last = props.values.at(-1) ?? 0;
  const color = last >= first ? 'var(--up)' : 'var(--down)';
  return (
    <svg
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={props.label ?? 'recent prices'}
      data-testid="sparkline"
    >
      <polyline points={points} fill="none" stroke={color} strokeWidth={1.5} strokeLinejoin="round" />
    </svg>
  );
}
