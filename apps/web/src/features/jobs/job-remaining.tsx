/** @jsxRuntime automatic */
import { formatDuration } from '../../lib/format.ts';
import { describeRemaining, estimateRemaining, type ProgressSample } from './job-progress.ts';

/** A running job's time left from its measured progress rate, or "estimating…" until there is enough. */
export function JobRemaining(props: { samples: readonly ProgressSample[]; nowMs: number; prefix?: string }) {
  const estimate = estimateRemaining(props.samples, props.nowMs);
  return (
    <span data-testid="job-remaining" data-state={estimate.state}>
      {props.prefix ?? ''}
      {describeRemaining(estimate, formatDuration)}
    </span>
  );
}
