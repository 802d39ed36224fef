import { ATR, BollingerBands, EMA, MACD, RSI } from 'trading-signals';
import type { CandleGrid } from './candle-grid.ts';

/** Window lengths of the price indicators, in candles of the series. */
export interface PriceIndicatorSettings {
  rsiPeriod: number;
  macdFastPeriod: number;
  macdSlowPeriod: number;
  macdSignalPeriod: number;
  bollingerPeriod: number;
  bollingerDeviations: number;
  atrPeriod: number;
}

/**
 * Classic price indicators in their chart units, one value per candle of the grid; NaN while an
 * indicator's window is still filling. The feature matrix scales these into model features, and
 * the chart API serves them as they are, so what a user sees is what the models are fed.
 */
export interface PriceIndicatorSeries {
  /** Relative strength index, 0–100. */
  rsi: Float64Array;
  /** MACD line, signal and histogram, in the quote currency. */
  macdLine: Float64Array;
  macdSignal: Float64Array;
  macdHistogram: Float64Array;
  bollingerUpper: Float64Array;
  bollingerMiddle: Float64Array;
  bollingerLower: Float64Array;
  /** Where the close sits in the Bollinger bands: 0 at the lower band, 1 at the upper (0.5 when flat). */
  bollingerPercentB: Float64Array;
  /** Average true range, in the quote currency. */
  atr: Float64Array;
}

function nanColumn(length: number): Float64Array {
  return new Float64Array(length).fill(Number.NaN);
}

/** Computes every price indicator over the grid, candle by candle: row i uses candles up to i only. */
export function computePriceIndicators(
  grid: CandleGrid,
  settings: PriceIndicatorSettings,
): PriceIndicatorSeries {
  const length = grid.close.length;
  const rsi = new RSI(settings.rsiPeriod);
  const macd = new MACD(
    new EMA(settings.macdFastPeriod),
    new EMA(settings.macdSlowPeriod),
    new EMA(settings.macdSignalPeriod),
  );
  const bollinger = new BollingerBands(settings.bollingerPeriod, settings.bollingerDeviations);
  const atr = new ATR(settings.atrPeriod);
  const series: PriceIndicatorSeries = {
    rsi: nanColumn(length),
    macdLine: nanColumn(length),
    macdSignal: nanColumn(length),
    macdHistogram: nanColumn(length),
    bollingerUpper: nanColumn(length),
    bollingerMiddle: nanColumn(length),
    bollingerLower: nanColumn(length),
    bollingerPercentB: nanColumn(length),
    atr: nanColumn(length),
  };
  for (let index = 0; index < length; index += 1) {
    const close = grid.close[index]!;
    // Each indicator sees candles in order and is read right after candle `index`: no look-ahead.
    const rsiValue = rsi.add(close);
    if (rsiValue !== null) series.rsi[index] = rsiValue;
    const macdValue = macd.add(close);
    if (macdValue !== null) {
      series.macdLine[index] = macdValue.macd;
      series.macdSignal[index] = macdValue.signal;
      series.macdHistogram[index] = macdValue.histogram;
    }
    const bands = bollinger.add(close);
    if (bands !== null) {
      series.bollingerUpper[index] = bands.upper;
      series.bollingerMiddle[index] = bands.middle;
      series.bollingerLower[index] = bands.lower;
      const range = bands.upper - bands.lower;
      // The %B of trading-signals' PercentB: a flat window puts the close in the middle.
      series.bollingerPercentB[index] = range === 0 ? 0.5 : (close - bands.lower) / range;
    }
    const atrValue = atr.add({ high: grid.high[index]!, low: grid.low[index]!, close });
    if (atrValue !== null) series.atr[index] = atrValue;
  }
  return series;
}
