/** @jsxRuntime automatic */
import type { CommunitySummary } from '@runecast/contracts';
import { useState } from 'react';
import { QueryView } from '../../components/query-state.tsx';
import { MessageList, SummaryCard } from './community-panels.tsx';
import { useChannelSummaries, useLatestMessages } from './community-queries.ts';

export const SOURCES = [
  { id: 'discord', label: 'Discord' },
  { id: 'news', label: 'News' },
] as const;

export type TextSource = (typeof SOURCES)[number]['id'];

export function Segmented<Value extends string | number>(props: {
  label: string;
  options: readonly { value: Value; label: string }[];
  selected: Value;
  onChoose: (value: Value) => void;
}) {
  return (
    <div className="segmented" role="group" aria-label={props.label}>
      {props.options.map((option) => (
        <button
          key={option.value}
          type="button"
          aria-pressed={option.value === props.selected}
          onClick={() => props.onChoose(option.value)}
        >
          {option.label}
        </button>
      ))}
    </div>
  );
}

export const summaryTitle = (summary: CommunitySummary) =>
  summary.channelName ?? summary.channel ?? summary.about ?? 'summary';

/** One extractive summary per channel of the chosen source, with a source switch. */
export function ChannelSummariesSection(props: { windowHours: number }) {
  const [source, setSource] = useState<TextSource>('discord');
  const summaries = useChannelSummaries(source, props.windowHours);
  return (
    <section className="panel" aria-label="Channel summaries">
      <div className="panel-header">
        <div>
          <h2>Channel summaries</h2>
          <p className="muted small">
            The sentences that say most of what each channel talked about; each links back to its message or
            article.
          </p>
        </div>
        <Segmented
          label="Summary source"
          options={SOURCES.map((entry) => ({ value: entry.id, label: entry.label }))}
          selected={source}
          onChoose={setSource}
        />
      </div>
      <QueryView
        query={summaries}
        compact
        isEmpty={(data) => data.length === 0}
        empty={source === 'discord' ? 'No Discord channels are read.' : 'No news feeds are read.'}
      >
        {(data) => (
          <div className="summary-grid">
            {data.map((summary) => (
              <SummaryCard key={summary.channel} summary={summary} title={summaryTitle(summary)} />
            ))}
          </div>
        )}
      </QueryView>
    </section>
  );
}

/** The latest Discord messages, of all channels or one, with links back. */
export function LatestMessagesSection(props: { windowHours: number }) {
  const [channel, setChannel] = useState<string | null>(null);
  const messages = useLatestMessages(channel, 30);
  const discordChannels = useChannelSummaries('discord', props.windowHours);
  return (
    <section className="panel" aria-label="Latest messages">
      <div className="panel-header">
        <div>
          <h2>Latest messages</h2>
          <p className="muted small">Discord messages, newest first, with their sentiment (−1 to 1).</p>
        </div>
        <label className="field small community-controls">
          Channel
          <select
            value={channel ?? ''}
            onChange={(event) => setChannel(event.target.value === '' ? null : event.target.value)}
            aria-label="Channel"
          >
            <option value="">all channels</option>
            {(discordChannels.data ?? []).map((summary) => (
              <option key={summary.channel} value={summary.channel ?? ''}>
                {summaryTitle(summary)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <QueryView
        query={messages}
        compact
        isEmpty={(data) => data.items.length === 0}
        empty="No Discord messages stored yet."
      >
        {(data) => <MessageList messages={data.items} />}
      </QueryView>
    </section>
  );
}
