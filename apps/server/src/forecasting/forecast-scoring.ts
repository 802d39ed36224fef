import { formatSeriesKey, type SeriesKey, timeframeMs } from '@runecast/market';
import type { ForecastRecord, ForecastRepository } from '../store/forecast.port.ts';
import type { CandleRepository } from '../store/store.port.ts';
import { adaptiveConformalStep } from './adaptive-bands.ts';
import { loadSeriesCandles } from './forecasting-data.ts';

export interface ScoringSweepResult {
  /** Forecasts scored in this sweep. */
  scored: ForecastRecord[];
  /** Due forecasts whose target candle is not stored (or not closed) yet. */
  waiting: number;
}

/**
 * Scores every forecast whose target time has passed and whose target candle is known: the
 * actual close, the model's error, naive's error on the same point (the last close the forecast
 * knew) and whether each band held the actual. Forecasts still waiting for their candle are
 * left for the next sweep. Each scored forecast also moves its version's adaptive conformal
 * state (see adaptive-bands.ts), in the same transaction, so an outcome counts exactly once.
 */
export async function scoreDueForecasts(
  dependencies: { candles: CandleRepository; forecasts: ForecastRepository },
  options: { nowMs: number; limit?: number },
): Promise<ScoringSweepResult> {
  const due = await dependencies.forecasts.listDueForScoring(options.nowMs, options.limit ?? 5000);
  const bySeries = new Map<string, { series: SeriesKey; forecasts: ForecastRecord[] }>();
  for (const forecast of due) {
    const key = formatSeriesKey(forecast.seriesKey);
    let group = bySeries.get(key);
    if (!group) {
      group = { series: forecast.seriesKey, forecasts: [] };
      bySeries.set(key, group);
    }
    group.forecasts.push(forecast);
  }
  const scores: { forecastId: number; actualClose: number }[] = [];
  for (const { series, forecasts } of bySeries.values()) {
    const stepMs = timeframeMs(series.timeframe);
    // The target close is the close of the candle that closes at the target time.
    const openTimes = forecasts.map((forecast) => forecast.targetTimeMs - stepMs);
    const startMs = Math.min(...openTimes);
    const endMs = Math.max(...openTimes) + stepMs;
    const candles = await loadSeriesCandles(dependencies.candles, series, { startMs, endMs });
    const closeByOpenTime = new Map(candles.map((candle) => [candle.openTimeMs, candle.close]));
    for (const forecast of forecasts) {
      const actualClose = closeByOpenTime.get(forecast.targetTimeMs - stepMs);
      if (actualClose !== undefined) scores.push({ forecastId: forecast.id, actualClose });
    }
  }
  const scored = await dependencies.forecasts.scoreForecasts(scores, options.nowMs, adaptiveConformalStep());
  return { scored, waiting: due.length - scores.length };
}
