/** @jsxRuntime automatic */
import { useState } from 'react';
import { QueryView } from '../../components/query-state.tsx';
import { useTrackedMarkets } from '../markets/market-queries.ts';
import { SummaryCard, TextSourceHealthPanel } from './community-panels.tsx';
import { useMarketSummary } from './community-queries.ts';
import {
  ChannelSummariesSection,
  LatestMessagesSection,
  Segmented,
  SOURCES,
  type TextSource,
} from './community-sections.tsx';
import { SentimentPriceChart } from './sentiment-price-chart.tsx';

const WINDOWS = [
  { label: '6H', hours: 6 },
  { label: '24H', hours: 24 },
  { label: '7D', hours: 168 },
] as const;

/** What a market's community said: its summary and sentiment beside the price. */
function MarketPanel(props: { windowHours: number }) {
  const markets = useTrackedMarkets();
  const [chosen, setChosen] = useState<string | null>(null);
  const [source, setSource] = useState<TextSource>('discord');
  const list = markets.data ?? [];
  const market = list.find((entry) => `${entry.exchange}:${entry.symbol}` === chosen) ?? list[0] ?? null;
  const about = market === null ? null : `${market.exchange}:${market.symbol}`;
  const summary = useMarketSummary(about, props.windowHours);
  return (
    <section className="panel" aria-label="Market sentiment">
      <div className="panel-header">
        <div>
          <h2>Sentiment and price</h2>
          <p className="muted small">
            The hourly 24 h mean sentiment of what names the market's asset, beside its price.
          </p>
        </div>
        <div className="row community-controls" style={{ gap: 8, flexWrap: 'wrap' }}>
          <label className="field small">
            Market
            <select
              value={about ?? ''}
              onChange={(event) => setChosen(event.target.value)}
              aria-label="Market"
              disabled={list.length === 0}
            >
              {list.map((entry) => (
                <option key={`${entry.exchange}:${entry.symbol}`} value={`${entry.exchange}:${entry.symbol}`}>
                  {entry.symbol} · {entry.exchange}
                </option>
              ))}
            </select>
          </label>
          <Segmented
            label="Sentiment source"
            options={SOURCES.map((entry) => ({ value: entry.id, label: entry.label }))}
            selected={source}
            onChoose={setSource}
          />
        </div>
      </div>
      <QueryView
        query={markets}
        compact
        isEmpty={(data) => data.length === 0}
        empty="No tracked markets: add one on the overview."
      >
        {() =>
          market === null ? null : (
            <div className="stack">
              <SentimentPriceChart exchange={market.exchange} symbol={market.symbol} source={source} />
              <QueryView query={summary} compact>
                {(answer) =>
                  answer === null ? null : (
                    <SummaryCard summary={answer} title={`What was said of ${answer.about}`} />
                  )
                }
              </QueryView>
            </div>
          )
        }
      </QueryView>
    </section>
  );
}

/**
 * The community page: health of the news and Discord sources, a market's sentiment beside its
 * price, extractive summaries of every channel, and the latest messages with links back.
 */
export default function CommunityPage() {
  const [windowHours, setWindowHours] = useState<number>(24);
  return (
    <div className="page">
      <div className="page-header">
        <div>
          <h1>Community</h1>
          <p className="muted">
            What the Discord channels and news feeds said: summaries made of their own sentences, sentiment
            and the latest messages. Only what Runecast had read by each summary's end is used.
          </p>
        </div>
        <Segmented
          label="Window"
          options={WINDOWS.map((entry) => ({ value: entry.hours, label: entry.label }))}
          selected={windowHours}
          onChoose={setWindowHours}
        />
      </div>

      <TextSourceHealthPanel />

      <MarketPanel windowHours={windowHours} />

      <ChannelSummariesSection windowHours={windowHours} />

      <LatestMessagesSection windowHours={windowHours} />
    </div>
  );
}
