/** @jsxRuntime automatic */

/** A span of time to show, ending at the newest data; null seconds: everything loaded. */
export interface TimeRange {
  label: string;
  seconds: number | null;
}

export const MARKET_RANGES: readonly TimeRange[] = [
  { label: '6H', seconds: 6 * 3600 },
  { label: '1D', seconds: 86_400 },
  { label: '1W', seconds: 7 * 86_400 },
  { label: '1M', seconds: 30 * 86_400 },
  { label: '1Y', seconds: 365 * 86_400 },
  { label: 'All', seconds: null },
];

/**
 * One range control for every chart of a page: the page keeps the chosen range and hands it to
 * each chart, so they all show the same stretch of time.
 */
export function RangePicker(props: {
  ranges: readonly TimeRange[];
  /** Label of the chosen range; null when none was chosen (each chart's default). */
  selected: string | null;
  onChoose: (range: TimeRange) => void;
  disabled?: boolean;
}) {
  return (
    <div className="segmented" role="group" aria-label="Range" data-testid="range-picker">
      {props.ranges.map((choice) => (
        <button
          key={choice.label}
          type="button"
          aria-pressed={props.selected === choice.label}
          disabled={props.disabled}
          onClick={() => props.onChoose(choice)}
        >
          {choice.label}
        </button>
      ))}
    </div>
  );
}

/** Points of a series within `seconds` of its newest point (all of them for null). */
export function withinRange<T>(
  items: readonly T[],
  timeSeconds: (item: T) => number,
  seconds: number | null,
): T[] {
  if (seconds === null || items.length === 0) return [...items];
  const newest = timeSeconds(items[items.length - 1]!);
  return items.filter((item) => timeSeconds(item) >= newest - seconds);
}
