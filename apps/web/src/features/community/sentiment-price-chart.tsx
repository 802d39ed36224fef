/** @jsxRuntime automatic */
import { TIMEFRAME_MS } from '@runecast/market';
import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import type uPlot from 'uplot';
import { QueryView } from '../../components/query-state.tsx';
import {
  themedAxis,
  UplotChart,
  utcTimeAxisValues,
  type UplotOptionsBuilder,
} from '../../components/uplot-chart.tsx';
import { formatPrice, formatTimeUtc } from '../../lib/format.ts';
import { useApi } from '../../lib/services.tsx';
import { fetchCandleHistory } from '../markets/market-queries.ts';
import { alignSentimentAndPrice, formatSentiment } from './community-model.ts';
import { useSentimentSeries } from './community-queries.ts';

const HOUR_MS = TIMEFRAME_MS['1h'];
const DAYS = 7;
const utc = (seconds: number) => new Date(seconds * 1000);

function chartOptions(sourceLabel: string, symbol: string): UplotOptionsBuilder {
  return (palette) => ({
    height: 260,
    tzDate: utc,
    scales: { x: { time: true }, sentiment: { range: [-1, 1] }, price: { auto: true } },
    axes: [
      themedAxis(palette, { values: utcTimeAxisValues, space: 70 }),
      themedAxis(palette, { scale: 'sentiment', size: 50 }),
      themedAxis(palette, { scale: 'price', side: 1, size: 80, grid: { show: false } }),
    ],
    series: [
      { label: 'time (UTC)', value: (_plot, value) => (value === null ? '—' : formatTimeUtc(value * 1000)) },
      {
        label: `${sourceLabel} sentiment (24 h mean)`,
        scale: 'sentiment',
        stroke: palette.accent,
        width: 1.5,
        spanGaps: false,
        points: { show: true, size: 4 },
        value: (_plot, value) => (value === null ? '—' : formatSentiment(value)),
      },
      {
        label: `${symbol} price`,
        scale: 'price',
        stroke: palette.text,
        width: 1,
        spanGaps: true,
        value: (_plot, value) => (value === null ? '—' : formatPrice(value)),
      },
    ],
  });
}

/**
 * A market's hourly sentiment (the 24 h mean the collectors write) beside its hourly price, the
 * last 7 days, on one time axis: sentiment on the left scale (−1 to 1), price on the right.
 */
export function SentimentPriceChart(props: { exchange: string; symbol: string; source: 'discord' | 'news' }) {
  const { exchange, symbol, source } = props;
  const api = useApi();
  const sentiment = useSentimentSeries(symbol, source, 'sentiment_mean_24h');
  const series = `${exchange}:${symbol}:1h`;
  const toMs = Math.ceil(Date.now() / HOUR_MS) * HOUR_MS;
  const price = useQuery({
    queryKey: ['candles', series, 'community', toMs],
    queryFn: ({ signal }) =>
      fetchCandleHistory(api, { series, toMs, fromMs: toMs - DAYS * 86_400_000, limit: DAYS * 24 }, signal),
    staleTime: 60_000,
  });
  const sourceLabel = source === 'discord' ? 'Discord' : 'News';
  const options = useMemo(() => chartOptions(sourceLabel, symbol), [sourceLabel, symbol]);
  const data = useMemo(
    () =>
      alignSentimentAndPrice(sentiment.data?.points ?? [], price.data ?? null, HOUR_MS) as uPlot.AlignedData,
    [sentiment.data, price.data],
  );
  return (
    <QueryView query={sentiment} compact>
      {(answer) => (
        <div
          data-testid="sentiment-chart"
          data-points={answer.points.length}
          data-prices={price.data?.times.length ?? 0}
        >
          {answer.points.length === 0 ? (
            <p className="muted small" data-testid="no-sentiment">
              No {sourceLabel} sentiment points for {symbol} in the last {DAYS} days yet: the collector writes
              one each full hour after its first poll.
            </p>
          ) : null}
          {price.isError ? (
            <p className="muted small" role="alert">
              The price could not be loaded: {price.error.message}
            </p>
          ) : null}
          <UplotChart
            options={options}
            data={data}
            height={260}
            label={`${sourceLabel} sentiment and price of ${symbol}, last ${DAYS} days`}
          />
        </div>
      )}
    </QueryView>
  );
}
