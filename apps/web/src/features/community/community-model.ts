import type { CandleHistoryResponse, ReadyResponse } from '@runecast/contracts';

type Component = ReadyResponse['components'][number];

/** The text sources whose health the community page and the news panels show. */
export const TEXT_SOURCES = ['news', 'discord'] as const;

/** The scorer's neutral band (docs/signals.md): within ±0.05 a text has no clear tone. */
const NEUTRAL_BAND = 0.05;

/** A sentiment in words and the class that colours it. */
export function sentimentTone(sentiment: number | null): { word: string; className: string } {
  if (sentiment === null) return { word: 'unscored', className: 'muted' };
  if (sentiment > NEUTRAL_BAND) return { word: 'positive', className: 'up' };
  if (sentiment < -NEUTRAL_BAND) return { word: 'negative', className: 'down' };
  return { word: 'neutral', className: 'muted' };
}

/** `+0.42`, `−0.10`, `0.00`. */
export function formatSentiment(sentiment: number | null): string {
  if (sentiment === null) return '—';
  const text = Math.abs(sentiment).toFixed(2);
  return sentiment > 0 ? `+${text}` : sentiment < 0 ? `−${text}` : text;
}

/** The health checks of the text sources (`source:news`, `source:discord`). */
export function textSourceHealth(components: readonly Component[]): Component[] {
  const wanted = new Set(TEXT_SOURCES.map((source) => `source:${source}`));
  return components.filter((component) => wanted.has(component.name));
}

/**
 * Sentiment points and candle closes on one time axis (seconds), for a chart with both: every
 * time of either series, the other one's value null where it has none. A candle's close is the
 * price at its end (open time + `timeframeMs`), the time a sentiment point of the same hour has.
 */
export function alignSentimentAndPrice(
  sentiment: readonly { timeMs: number; value: number }[],
  candles: Pick<CandleHistoryResponse, 'times' | 'close'> | null,
  timeframeMs: number,
): [number[], (number | null)[], (number | null)[]] {
  const byTime = new Map<number, { sentiment: number | null; price: number | null }>();
  for (const point of sentiment) byTime.set(point.timeMs, { sentiment: point.value, price: null });
  candles?.times.forEach((openTimeMs, index) => {
    const timeMs = openTimeMs + timeframeMs;
    const close = candles.close[index] ?? null;
    const entry = byTime.get(timeMs);
    if (entry) entry.price = close;
    else byTime.set(timeMs, { sentiment: null, price: close });
  });
  const times = [...byTime.keys()].sort((a, b) => a - b);
  return [
    times.map((timeMs) => timeMs / 1000),
    times.map((timeMs) => byTime.get(timeMs)!.sentiment),
    times.map((timeMs) => byTime.get(timeMs)!.price),
  ];
}
