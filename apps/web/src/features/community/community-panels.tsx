/** @jsxRuntime automatic */
import type { CommunityMessage, CommunitySummary, NewsItem } from '@runecast/contracts';
import { QueryView } from '../../components/query-state.tsx';
import { formatRelative, formatTimeUtc } from '../../lib/format.ts';
import { HealthLights } from '../health/health-lights.tsx';
import { healthLightModels } from '../health/health-model.ts';
import { useLastSeenOk, useReadiness } from '../health/use-health.ts';
import { formatSentiment, sentimentTone, textSourceHealth } from './community-model.ts';
import { useNewsAbout } from './community-queries.ts';

/** A link back to a message or article, opened beside the dashboard; plain text without an address. */
function SourceLink(props: { url: string | null; children: string }) {
  if (props.url === null) return <span>{props.children}</span>;
  return (
    <a href={props.url} target="_blank" rel="noreferrer noopener">
      {props.children}
    </a>
  );
}

function Sentiment(props: { value: number | null }) {
  const tone = sentimentTone(props.value);
  return (
    <span className={`num ${tone.className}`} title={`sentiment ${tone.word}`}>
      {formatSentiment(props.value)}
    </span>
  );
}

/** One summary: its top sentences, each linking back to where it was said. */
export function SummaryCard(props: { summary: CommunitySummary; title: string }) {
  const { summary } = props;
  return (
    <article
      className="panel-inset summary-card"
      data-testid="community-summary"
      data-channel={summary.channel ?? ''}
      data-sentences={summary.sentences.length}
    >
      <h3>{props.title}</h3>
      <p className="muted small">
        {summary.itemsInWindow.toLocaleString('en-US')} {summary.itemsInWindow === 1 ? 'item' : 'items'} known
        from {formatTimeUtc(summary.windowStartMs)} to {formatTimeUtc(summary.windowEndMs)}
        {summary.itemsRead < summary.itemsInWindow ? ` (the newest ${summary.itemsRead} read)` : ''} ·{' '}
        {summary.method} ({summary.ranker})
      </p>
      {summary.text !== null ? (
        <p data-testid="abstractive-summary">
          {summary.text}{' '}
          <span className="muted small">(written by {summary.model} from the sentences below)</span>
        </p>
      ) : null}
      {summary.fallbackReason !== null && summary.sentences.length > 0 ? (
        <p className="muted small" data-testid="summary-fallback">
          The chat model wrote no summary ({summary.fallbackReason}); these are the top sentences.
        </p>
      ) : null}
      {summary.sentences.length === 0 ? (
        <p className="muted">Nothing to summarise in this window.</p>
      ) : (
        <ol className="summary-sentences">
          {summary.sentences.map((sentence) => (
            <li key={`${sentence.source}:${sentence.channel}:${sentence.itemId}:${sentence.text}`}>
              <span>{sentence.text}</span>{' '}
              <span className="muted small">
                <SourceLink url={sentence.url}>{formatTimeUtc(sentence.publishedAtMs)}</SourceLink>
              </span>
            </li>
          ))}
        </ol>
      )}
    </article>
  );
}

/** Newest messages first, each with its channel, time, sentiment and a link back. */
export function MessageList(props: { messages: readonly CommunityMessage[] }) {
  return (
    <ul className="message-list" aria-label="Latest messages">
      {props.messages.map((message) => (
        <li key={`${message.channel}:${message.id}`} data-testid="community-message">
          <div className="row small muted" style={{ gap: 8 }}>
            <span>{message.channelName ?? message.channel}</span>
            <SourceLink url={message.url}>{formatTimeUtc(message.publishedAtMs)}</SourceLink>
            <Sentiment value={message.sentiment} />
            {message.mentions.length > 0 ? <span>{message.mentions.join(', ')}</span> : null}
          </div>
          <p className="message-text">
            {message.excerpt === '' ? '(text removed after retention)' : message.excerpt}
          </p>
        </li>
      ))}
    </ul>
  );
}

/** News articles: title linking to the article, feed, time and sentiment. */
export function NewsList(props: { items: readonly NewsItem[]; nowMs?: number }) {
  return (
    <ul className="message-list" aria-label="News">
      {props.items.map((item) => (
        <li key={`${item.channel}:${item.id}`} data-testid="news-item">
          <SourceLink url={item.url}>{item.title ?? item.excerpt.slice(0, 120)}</SourceLink>
          <div className="row small muted" style={{ gap: 8 }}>
            <span>{item.channel}</span>
            <span title={formatTimeUtc(item.publishedAtMs)}>
              {formatRelative(item.publishedAtMs, props.nowMs)}
            </span>
            <Sentiment value={item.sentiment} />
          </div>
        </li>
      ))}
    </ul>
  );
}

/** The news feed of one market or rune, for its page. */
export function NewsPanel(props: { about: string; label: string }) {
  const news = useNewsAbout(props.about, 10);
  return (
    <section className="panel" aria-label="News">
      <div className="panel-header">
        <div>
          <h2>News</h2>
          <p className="muted small">
            The newest articles naming {props.label}, with their sentiment (−1 to 1).
          </p>
        </div>
      </div>
      <QueryView
        query={news}
        compact
        isEmpty={(items) => items.length === 0}
        empty={`No stored article names ${props.label}.`}
      >
        {(items) => <NewsList items={items} />}
      </QueryView>
    </section>
  );
}

/** Health lights of the news and Discord sources. */
export function TextSourceHealthPanel() {
  const readiness = useReadiness();
  const lastSeenOk = useLastSeenOk(readiness.data);
  return (
    <section className="panel" aria-label="Text source health">
      <div className="panel-header">
        <div>
          <h2>Source health</h2>
          <p className="muted small">The server's checks of the news feeds and the Discord channels.</p>
        </div>
      </div>
      <QueryView query={readiness} compact>
        {(data) => {
          const checks = textSourceHealth(data.components);
          if (checks.length === 0) {
            return (
              <p className="muted" data-testid="no-text-source-health">
                This server reads no news feeds or Discord channels (or another process does).
              </p>
            );
          }
          return <HealthLights lights={healthLightModels(checks, lastSeenOk, Date.now())} />;
        }}
      </QueryView>
    </section>
  );
}
