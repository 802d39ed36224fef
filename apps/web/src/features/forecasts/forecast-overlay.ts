/** The parts of a ledger forecast the chart draws. */
export interface ForecastPoint {
  horizonMinutes: number;
  /** Forecast origin: the close of the last candle the model saw. */
  issuedAtMs: number;
  targetTimeMs: number;
  lastClose: number;
  point: number;
  lower80: number;
  upper80: number;
  lower95: number;
  upper95: number;
}

export interface BandPoint {
  time: number;
  lower95: number;
  lower80: number;
  upper80: number;
  upper95: number;
}

export interface ForecastOverlayData {
  band: BandPoint[];
  line: { time: number; value: number }[];
  /** Seconds of the last point, so the view can include it. */
  endTime: number | null;
}

/** Most points drawn for one cone; beyond it the grid is thinned (still on the timeframe grid). */
const MAX_POINTS = 2_000;

interface Node {
  timeMs: number;
  point: number;
  lower80: number;
  upper80: number;
  lower95: number;
  upper95: number;
}

function interpolate(from: Node, to: Node, timeMs: number): Node {
  const share = to.timeMs === from.timeMs ? 1 : (timeMs - from.timeMs) / (to.timeMs - from.timeMs);
  const mix = (a: number, b: number) => a + (b - a) * share;
  return {
    timeMs,
    point: mix(from.point, to.point),
    lower80: mix(from.lower80, to.lower80),
    upper80: mix(from.upper80, to.upper80),
    lower95: mix(from.lower95, to.lower95),
    upper95: mix(from.upper95, to.upper95),
  };
}

/**
 * The forecast cone drawn ahead of the candles: from the last close at the forecast origin
 * (zero width) through each horizon's point and 80%/95% bounds, linear in between, on the
 * chart's timeframe grid so it lines up with the candles.
 */
export function buildForecastOverlay(
  forecasts: readonly ForecastPoint[],
  timeframeMs: number,
): ForecastOverlayData {
  if (forecasts.length === 0) return { band: [], line: [], endTime: null };
  const newest = forecasts.reduce((best, item) => (item.issuedAtMs > best.issuedAtMs ? item : best));
  const origin: Node = {
    timeMs: newest.issuedAtMs,
    point: newest.lastClose,
    lower80: newest.lastClose,
    upper80: newest.lastClose,
    lower95: newest.lastClose,
    upper95: newest.lastClose,
  };
  const nodes: Node[] = [origin];
  for (const forecast of [...forecasts].sort((a, b) => a.targetTimeMs - b.targetTimeMs)) {
    if (forecast.targetTimeMs <= origin.timeMs) continue;
    nodes.push({
      timeMs: forecast.targetTimeMs,
      point: forecast.point,
      lower80: forecast.lower80,
      upper80: forecast.upper80,
      lower95: forecast.lower95,
      upper95: forecast.upper95,
    });
  }
  if (nodes.length === 1) return { band: [], line: [], endTime: null };
  const firstMs = Math.floor(origin.timeMs / timeframeMs) * timeframeMs;
  const lastMs = Math.floor(nodes.at(-1)!.timeMs / timeframeMs) * timeframeMs;
  const steps = Math.max(1, Math.round((lastMs - firstMs) / timeframeMs));
  const stride = Math.max(1, Math.ceil(steps / MAX_POINTS));
  const band: BandPoint[] = [];
  const line: { time: number; value: number }[] = [];
  let segment = 0;
  for (let step = 0; step <= steps; step += stride) {
    const timeMs = firstMs + Math.min(step, steps) * timeframeMs;
    const pointAt = Math.min(Math.max(timeMs, origin.timeMs), nodes.at(-1)!.timeMs);
    while (segment < nodes.length - 2 && nodes[segment + 1]!.timeMs < pointAt) segment += 1;
    const value = interpolate(nodes[segment]!, nodes[segment + 1]!, pointAt);
    const time = timeMs / 1000;
    band.push({
      time,
      lower95: value.lower95,
      lower80: value.lower80,
      upper80: value.upper80,
      upper95: value.upper95,
    });
    line.push({ time, value: value.point });
    if (step < steps && step + stride > steps) step = steps - stride;
  }
  return { band, line, endTime: band.at(-1)?.time ?? null };
}

/** A past forecast at its target time, and whether the actual close fell inside its 80% band. */
export interface PastForecastPoint {
  time: number;
  value: number;
  hit: boolean | null;
}

/**
 * Past forecasts placed on the chart's grid at their target time; one per bar (the latest
 * issued wins), oldest first.
 */
export function pastForecastPoints(
  forecasts: readonly (Pick<ForecastPoint, 'targetTimeMs' | 'point' | 'issuedAtMs'> & {
    hit80: boolean | null;
  })[],
  timeframeMs: number,
): PastForecastPoint[] {
  const byTime = new Map<number, { issuedAtMs: number; point: PastForecastPoint }>();
  for (const forecast of forecasts) {
    const time = (Math.floor(forecast.targetTimeMs / timeframeMs) * timeframeMs) / 1000;
    const existing = byTime.get(time);
    if (existing !== undefined && existing.issuedAtMs >= forecast.issuedAtMs) continue;
    byTime.set(time, {
      issuedAtMs: forecast.issuedAtMs,
      point: { time, value: forecast.point, hit: forecast.hit80 },
    });
  }
  return [...byTime.values()].map((entry) => entry.point).sort((a, b) => a.time - b.time);
}
