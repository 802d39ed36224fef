import { createHash } from 'node:crypto';
import {
  type CommunitySummary,
  communityMessagesQuerySchema,
  communityMessagesResponseSchema,
  communitySummariesQuerySchema,
  communitySummariesResponseSchema,
  communitySentimentQuerySchema,
  communitySentimentResponseSchema,
  encodeCommunityCursor,
} from '@runecast/contracts';
import { ValidationError } from '@runecast/market';
import { AbstractiveSummaryError, ChatSummariser } from '../../signals/abstractive-summary.ts';
import { CommunitySummaryService, type WindowSummary } from '../../signals/community-summary.service.ts';
import { DISCORD_SOURCE_ID, discordChannelsFor } from '../../sources/discord/discord-sources.ts';
import { NEWS_SOURCE_ID, newsFeedsFor } from '../../sources/news/news-sources.ts';
import type { ApiContext, RouteModule } from '../api-context.ts';
import { textItemFilters } from './text-item-filters.ts';

const tags = ['community'];
const DEFAULT_LIMIT = 50;
const EXCERPT_CHARACTERS = 280;
const HOUR_MS = 3_600_000;
const DEFAULT_WINDOW_HOURS = 24;
const DEFAULT_SENTENCES = 5;
const DAY_MS = 86_400_000;
const DEFAULT_SERIES_DAYS = 7;
const MAX_SERIES_DAYS = 90;

/** The channels Runecast is set up to read, by source, with their names. */
function configuredChannels(context: ApiContext): Map<string, Map<string, string>> {
  const modes = { emulatorUrl: context.dataMode.emulatorUrl, replay: context.dataMode.mode === 'replay' };
  return new Map([
    [
      DISCORD_SOURCE_ID,
      new Map(
        discordChannelsFor({ configured: context.config.discordChannels, ...modes }).map((channel) => [
          channel.id,
          channel.name,
        ]),
      ),
    ],
    [
      NEWS_SOURCE_ID,
      new Map(
        newsFeedsFor({ configured: context.config.newsFeeds, ...modes }).map((feed) => [feed.id, feed.name]),
      ),
    ],
  ]);
}

/**
 * Authors are stored hashed unless the admin chose to keep Discord ids; the API hands out the
 * hash either way (the same one the collector would have stored).
 */
function hashedAuthor(author: string | null): string | null {
  if (author === null || author.startsWith('sha256:')) return author;
  return `sha256:${createHash('sha256').update(`discord:${author}`).digest('hex').slice(0, 16)}`;
}

type SummaryScope = Pick<CommunitySummary, 'kind' | 'source' | 'channel' | 'channelName' | 'about'>;

function extractiveAnswer(
  summary: WindowSummary,
  scope: SummaryScope,
  fallbackReason: string | null,
): CommunitySummary {
  return {
    ...scope,
    windowStartMs: summary.window.startMs,
    windowEndMs: summary.window.endMs,
    itemsInWindow: summary.itemsInWindow,
    itemsRead: summary.itemsRead,
    method: 'extractive',
    ranker: summary.ranker,
    text: null,
    model: null,
    fallbackReason,
    sentences: summary.sentences,
  };
}

/** Discord channel messages and summaries of what channels and markets' communities said. */
export const communityRoutes: RouteModule = {
  name: 'community',
  register(app, context) {
    const summaries = new CommunitySummaryService(context.store.textItems);
    const chat = context.config.llm === null ? null : new ChatSummariser(context.config.llm);

    /**
     * The extractive summary, or with a chat model configured (and not declined) the model's
     * summary of its sentences; a failing model leaves the extractive one with the reason.
     */
    const answer = async (
      summary: WindowSummary,
      scope: SummaryScope,
      useChat: boolean,
    ): Promise<CommunitySummary> => {
      if (chat === null || !useChat) return extractiveAnswer(summary, scope, null);
      if (summary.sentences.length === 0)
        return extractiveAnswer(summary, scope, 'no sentences to summarise');
      const subject =
        scope.kind === 'market'
          ? `Discord and news naming ${scope.about ?? ''}`
          : `the ${scope.source ?? ''} channel ${scope.channelName ?? scope.channel ?? ''}`;
      try {
        const written = await chat.summarise(subject, summary.sentences);
        return {
          ...extractiveAnswer(summary, scope, null),
          method: 'abstractive',
          text: written.text,
          model: written.model,
        };
      } catch (error) {
        if (!(error instanceof AbstractiveSummaryError)) throw error;
        context.logger.warn(
          { reason: error.message, model: chat.model },
          'abstractive summary failed; serving the extractive one',
        );
        return extractiveAnswer(summary, scope, error.message);
      }
    };

    app.get(
      '/community/messages',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary:
            'Discord channel messages, newest first, each with an excerpt, link back, sentiment (-1 to 1), the assets it names and a hashed author; filter by channel, asset, market or rune, time and sentiment; page with cursor',
          querystring: communityMessagesQuerySchema,
          response: { 200: communityMessagesResponseSchema },
        },
      },
      async (request) => {
        const { channel, limit, cursor } = request.query;
        const filters = textItemFilters(request.query);
        const pageSize = limit ?? DEFAULT_LIMIT;
        // One more than asked tells whether an older page follows.
        const items = await context.store.textItems.queryItems({
          source: DISCORD_SOURCE_ID,
          ...(channel === undefined ? {} : { channel }),
          ...filters,
          ...(cursor === undefined ? {} : { after: cursor }),
          limit: pageSize + 1,
          bodyCharacters: EXCERPT_CHARACTERS,
        });
        const page = items.slice(0, pageSize);
        const last = page.at(-1);
        const names = configuredChannels(context).get(DISCORD_SOURCE_ID);
        return {
          items: page.map((item) => ({
            id: item.id,
            channel: item.channel,
            channelName: names?.get(item.channel) ?? null,
            excerpt: item.body,
            url: item.url,
            publishedAtMs: item.publishedAtMs,
            seenAtMs: item.seenAtMs,
            knownAtMs: Math.max(item.publishedAtMs, item.seenAtMs),
            sentiment: item.sentiment,
            scorer: item.scorer,
            mentions: item.mentions,
            author: hashedAuthor(item.author),
          })),
          nextCursor:
            items.length > pageSize && last
              ? encodeCommunityCursor({
                  publishedAtMs: last.publishedAtMs,
                  id: last.id,
                  channel: last.channel,
                })
              : null,
        };
      },
    );

    app.get(
      '/community/summaries',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary:
            'Extractive summaries of the window ending at `at` (default the last 24 hours): one per channel of a source, or one of everything said about an asset, market or rune; each sentence links back to its message or article; only items known by the end of the window are read',
          querystring: communitySummariesQuerySchema,
          response: { 200: communitySummariesResponseSchema },
        },
      },
      async (request) => {
        const { source, channel, about, windowHours, at, sentences, method } = request.query;
        const useChat = method !== 'extractive';
        const endMs = at ?? context.now();
        const window = {
          startMs: Math.max(0, endMs - (windowHours ?? DEFAULT_WINDOW_HOURS) * HOUR_MS),
          endMs,
        };
        const count = sentences ?? DEFAULT_SENTENCES;
        if (about !== undefined) {
          if (channel !== undefined) {
            throw new ValidationError('give either channel or about, not both', { field: 'channel' });
          }
          const summary = await summaries.summarise(
            { sources: [DISCORD_SOURCE_ID, NEWS_SOURCE_ID], mention: about },
            window,
            count,
          );
          return {
            summaries: [
              await answer(
                summary,
                { kind: 'market', source: null, channel: null, channelName: null, about },
                useChat,
              ),
            ],
          };
        }
        const chosenSource = source ?? DISCORD_SOURCE_ID;
        const names = configuredChannels(context).get(chosenSource) ?? new Map<string, string>();
        const channels =
          channel === undefined
            ? [...new Set([...names.keys(), ...(await summaries.channelsWithItems(chosenSource, window))])]
            : [channel];
        const answers: CommunitySummary[] = [];
        for (const id of channels) {
          const summary = await summaries.summarise({ sources: [chosenSource], channel: id }, window, count);
          answers.push(
            await answer(
              summary,
              {
                kind: 'channel',
                source: chosenSource,
                channel: id,
                channelName: names.get(id) ?? null,
                about: null,
              },
              useChat,
            ),
          );
        }
        return { summaries: answers };
      },
    );

    app.get(
      '/community/sentiment',
      {
        config: { access: 'user' },
        schema: {
          tags,
          summary:
            "A market's hourly text metric series from Discord or news (sentiment_mean_24h by default, counts, dispersion, shares positive and negative): the points the collectors wrote, 7 days by default, at most 90",
          querystring: communitySentimentQuerySchema,
          response: { 200: communitySentimentResponseSchema },
        },
      },
      async (request) => {
        const { symbol } = request.query;
        const source = request.query.source ?? DISCORD_SOURCE_ID;
        const metric = request.query.metric ?? 'sentiment_mean_24h';
        const toMs = request.query.to ?? context.now();
        const fromMs = request.query.from ?? Math.max(0, toMs - DEFAULT_SERIES_DAYS * DAY_MS);
        if (fromMs > toMs) throw new ValidationError('from must not be after to', { field: 'from' });
        if (toMs - fromMs > MAX_SERIES_DAYS * DAY_MS) {
          throw new ValidationError('ask for at most 90 days of points at once', { field: 'from' });
        }
        const points = await context.store.metricPoints.listPoints(source, symbol, metric, {
          startMs: fromMs,
          endMs: toMs,
        });
        return {
          source,
          symbol,
          metric,
          points: points.map((point) => ({ timeMs: point.timeMs, value: point.value })),
        };
      },
    );
  },
};
