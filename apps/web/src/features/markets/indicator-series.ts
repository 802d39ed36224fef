import {
  candleIndicatorsResponseSchema,
  chartIndicatorNames,
  type CandleIndicatorsResponse,
  type ChartIndicatorName,
} from '@runecast/contracts';
import type { ApiClient } from '../../lib/api-client.ts';
import { toChartTime, type ChartTime } from './candle-chart-data.ts';

export interface IndicatorPoint {
  time: ChartTime;
  value: number;
}

/** The indicator lines to draw, and the pane (below the candles, from 1) each pane indicator goes in. */
export interface IndicatorView {
  bollinger: { upper: IndicatorPoint[]; middle: IndicatorPoint[]; lower: IndicatorPoint[] } | null;
  rsi: { pane: number; values: IndicatorPoint[] } | null;
  macd: {
    pane: number;
    line: IndicatorPoint[];
    signal: IndicatorPoint[];
    histogram: IndicatorPoint[];
  } | null;
  /** Window lengths, for the legend: `RSI 14`, `MACD 12 26 9`, `BB 20 2`. */
  labels: Partial<Record<ChartIndicatorName, string>>;
}

/** Indicators drawn from the indicator API; volume is drawn from the candles themselves. */
export const SERVED_INDICATORS = [
  'rsi',
  'macd',
  'bollinger',
] as const satisfies readonly ChartIndicatorName[];

/** `rsi,macd` from the page address → the known indicator names, in the usual order. */
export function parseIndicatorList(text: string | null): ChartIndicatorName[] {
  if (text === null) return [];
  const asked = new Set(text.split(',').map((part) => part.trim()));
  return chartIndicatorNames.filter((name) => asked.has(name));
}

function points(times: readonly number[], values: readonly (number | null)[] | undefined): IndicatorPoint[] {
  const out: IndicatorPoint[] = [];
  if (values === undefined) return out;
  for (let index = 0; index < times.length; index += 1) {
    const value = values[index];
    if (value !== null && value !== undefined) out.push({ time: toChartTime(times[index]!), value });
  }
  return out;
}

/** The API's columns → lines per indicator; RSI takes the first pane under the candles, MACD the next. */
export function indicatorView(
  response: CandleIndicatorsResponse,
  selected: readonly ChartIndicatorName[],
): IndicatorView {
  const { times, settings } = response;
  const wants = (name: ChartIndicatorName) => selected.includes(name);
  let nextPane = 1;
  const rsi = wants('rsi') && response.rsi ? { pane: nextPane++, values: points(times, response.rsi) } : null;
  const macd =
    wants('macd') && response.macd
      ? {
          pane: nextPane++,
          line: points(times, response.macd.line),
          signal: points(times, response.macd.signal),
          histogram: points(times, response.macd.histogram),
        }
      : null;
  const bollinger =
    wants('bollinger') && response.bollinger
      ? {
          upper: points(times, response.bollinger.upper),
          middle: points(times, response.bollinger.middle),
          lower: points(times, response.bollinger.lower),
        }
      : null;
  return {
    rsi,
    macd,
    bollinger,
    labels: {
      rsi: `RSI ${settings.rsiPeriod}`,
      macd: `MACD ${settings.macdFastPeriod} ${settings.macdSlowPeriod} ${settings.macdSignalPeriod}`,
      bollinger: `BB ${settings.bollingerPeriod} ${settings.bollingerDeviations}`,
      volume: 'Volume',
    },
  };
}

/** Appends in place (a spread of 50,000 arguments could overflow the stack). */
function append<T>(target: T[], source: readonly T[]): void {
  for (const item of source) target.push(item);
}

/** Most pages one indicator load follows, as for the candles. */
const MAX_PAGES = 10;

/** Indicator columns of a window, following `nextFromMs` pages; columns concatenated oldest first. */
export async function fetchIndicators(
  api: ApiClient,
  request: {
    series: string;
    indicators: readonly ChartIndicatorName[];
    fromMs: number;
    toMs: number;
    limit: number;
  },
  signal?: AbortSignal,
): Promise<CandleIndicatorsResponse> {
  const ask = (fromMs: number) =>
    api.request('/api/v1/candles/indicators', {
      query: {
        series: request.series,
        indicators: request.indicators.join(','),
        from: fromMs,
        to: request.toMs,
        limit: request.limit,
      },
      schema: candleIndicatorsResponseSchema,
      ...(signal ? { signal } : {}),
    });
  const first = await ask(request.fromMs);
  const merged: CandleIndicatorsResponse = structuredClone(first);
  let page = first;
  for (let count = 1; page.nextFromMs !== null && count < MAX_PAGES; count += 1) {
    page = await ask(page.nextFromMs);
    append(merged.times, page.times);
    if (merged.rsi && page.rsi) append(merged.rsi, page.rsi);
    if (merged.volume && page.volume) append(merged.volume, page.volume);
    if (merged.macd && page.macd) {
      append(merged.macd.line, page.macd.line);
      append(merged.macd.signal, page.macd.signal);
      append(merged.macd.histogram, page.macd.histogram);
    }
    if (merged.bollinger && page.bollinger) {
      append(merged.bollinger.upper, page.bollinger.upper);
      append(merged.bollinger.middle, page.bollinger.middle);
      append(merged.bollinger.lower, page.bollinger.lower);
    }
    merged.toMs = page.toMs;
    merged.nextFromMs = page.nextFromMs;
  }
  return merged;
}
