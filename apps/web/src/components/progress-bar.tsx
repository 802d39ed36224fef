/** @jsxRuntime automatic */

/** A progress bar; without a percent it shows that work is under way without saying how much. */
export function ProgressBar(props: { percent: number | null; label: string }) {
  const percent = props.percent === null ? null : Math.max(0, Math.min(100, props.percent));
  return (
    <div
      className={`progress${percent === null ? ' indeterminate' : ''}`}
      role="progressbar"
      aria-label={props.label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent === null ? undefined : Math.round(percent)}
      data-testid="progress-bar"
    >
      <div className="bar" style={percent === null ? undefined : { width: `${percent}%` }} />
    </div>
  );
}
