/** @jsxRuntime automatic */
import { nodeFetch } from '../../test-support/node-fetch.ts';
import '../../test-support/dom-environment.ts';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { sessionResponseSchema, type CommunitySummary } from '@runecast/contracts';
import type { AnalysedTextItem } from '@runecast/market';
import { QueryClient } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { createApiHarness, type ApiHarness } from '../../../../server/test/support/http/api-harness.ts';
import { ApiClient } from '../../lib/api-client.ts';
import { ServicesProvider, type AppServices } from '../../lib/services.tsx';
import { SessionStore } from '../../lib/session.store.ts';
import {
  alignSentimentAndPrice,
  formatSentiment,
  sentimentTone,
  textSourceHealth,
} from './community-model.ts';
import { NewsPanel, SummaryCard } from './community-panels.tsx';
import { ChannelSummariesSection, LatestMessagesSection } from './community-sections.tsx';

// The page's sections (all but the uPlot chart, which needs a browser's canvas and is covered by
// the browser test) against the real API on a fresh store.

// Answers come from a real server on their own schedule, as in a browser, not inside act().
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = false;

const HOUR_MS = 3_600_000;
const NOW_MS = Date.now();
const MINERS = '1100000000000000001';
const DOGS = '1100000000000000002';

// Messages and articles written for this test, all known within the last hours.
const item = (
  source: string,
  channel: string,
  id: string,
  hoursAgo: number,
  body: string,
  sentiment: number,
  mentions: string[],
  title: string | null = null,
): AnalysedTextItem => ({
  source,
  channel,
  id,
  publishedAtMs: NOW_MS - hoursAgo * HOUR_MS,
  seenAtMs: NOW_MS - hoursAgo * HOUR_MS,
  title,
  body,
  url: source === 'news' ? `https://desk.test/${id}` : `https://discord.com/channels/1/${channel}/${id}`,
  author: null,
  sentiment,
  scorer: 'lexicon-v1',
  mentions,
});

const ITEMS = [
  item('discord', MINERS, '9001', 3, 'Bitcoin miners sold coins after the halving.', 0.1, ['BTC']),
  item('discord', MINERS, '9002', 2, 'Bitcoin miners expect fees to rise after the halving.', 0.3, ['BTC']),
  item('discord', DOGS, '9101', 1, 'Dog holders cheered as the rune volume doubled today.', 0.7, [
    'DOG•GO•TO•THE•MOON',
  ]),
  item(
    'news',
    'desk',
    'n1',
    4,
    'Miners moved coins to exchanges.',
    -0.4,
    ['BTC'],
    'Bitcoin miners move coins',
  ),
  item('news', 'desk', 'n2', 5, 'Ether staking grows again.', 0.4, ['ETH'], 'Ether staking grows'),
];

describe('community sections against the real API', { timeout: 120_000 }, () => {
  let harness: ApiHarness;
  let services: AppServices;

  before(async () => {
    harness = await createApiHarness();
    await harness.app.listen({ host: '127.0.0.1', port: 0 });
    const baseUrl = `http://127.0.0.1:${(harness.app.server.address() as AddressInfo).port}`;
    await harness.store.textItems.upsertItems(ITEMS);
    const user = await harness.createUser();
    const sessions = new SessionStore(null);
    const client = new ApiClient(sessions, baseUrl, nodeFetch);
    client.startSession(
      await client.request('/api/v1/auth/login', {
        method: 'POST',
        body: { email: user.email, password: user.password },
        schema: sessionResponseSchema,
        authenticated: false,
      }),
    );
    services = {
      sessions,
      api: client,
      queryClient: new QueryClient({
        defaultOptions: { queries: { retry: false, gcTime: Infinity }, mutations: { gcTime: Infinity } },
      }),
    };
  });

  after(async () => {
    cleanup();
    services?.queryClient.clear();
    await harness?.close();
  });

  const show = (element: React.ReactNode) =>
    render(
      <ServicesProvider services={services}>
        <MemoryRouter initialEntries={['/community']}>{element}</MemoryRouter>
      </ServicesProvider>,
    );

  test('shows a summary per channel with links back, and the latest messages', async () => {
    show(
      <>
        <ChannelSummariesSection windowHours={24} />
        <LatestMessagesSection windowHours={24} />
      </>,
    );
    const summaries = await screen.findAllByTestId('community-summary');
    const miners = summaries.find((element) => element.dataset.channel === MINERS)!;
    assert.ok(miners, 'a summary of the miners channel');
    await waitFor(() => assert.equal(miners.dataset.sentences, '2'));
    const link = within(miners).getAllByRole('link')[0] as HTMLAnchorElement;
    assert.match(link.href, new RegExp(`/channels/1/${MINERS}/900[12]$`));
    assert.match(miners.textContent ?? '', /Bitcoin miners (sold coins|expect fees)/);

    const messages = await screen.findAllByTestId('community-message');
    assert.deepEqual(
      messages.map((element) => element.querySelector('.message-text')?.textContent),
      [
        'Dog holders cheered as the rune volume doubled today.',
        'Bitcoin miners expect fees to rise after the halving.',
        'Bitcoin miners sold coins after the halving.',
      ],
    );
    assert.match(messages[0]!.textContent ?? '', /\+0\.70/);

    // One channel's messages only.
    fireEvent.change(screen.getByLabelText('Channel'), { target: { value: DOGS } });
    await waitFor(() => assert.equal(screen.getAllByTestId('community-message').length, 1));

    // The news feeds' summaries on request: the configured feeds (none has items here), then `desk`.
    fireEvent.click(within(screen.getByRole('group', { name: 'Summary source' })).getByText('News'));
    const desk = await waitFor(() => {
      const found = screen
        .getAllByTestId('community-summary')
        .find((element) => element.dataset.channel === 'desk');
      assert.ok(found);
      return found;
    });
    assert.equal((within(desk).getAllByRole('link')[0] as HTMLAnchorElement).href, 'https://desk.test/n1');
    cleanup();
  });

  test('the news panel lists the articles naming one market, linking to them', async () => {
    show(<NewsPanel about="binance:BTC/USDT" label="BTC/USDT" />);
    const items = await screen.findAllByTestId('news-item');
    assert.equal(items.length, 1);
    const link = within(items[0]!).getByRole('link') as HTMLAnchorElement;
    assert.equal(link.textContent, 'Bitcoin miners move coins');
    assert.equal(link.href, 'https://desk.test/n1');
    assert.match(items[0]!.textContent ?? '', /−0\.40/);
    cleanup();
    show(<NewsPanel about="SOL" label="SOL" />);
    assert.match((await screen.findByTestId('empty-state')).textContent ?? '', /No stored article names SOL/);
    cleanup();
  });
});

describe('community model', () => {
  test('words and signs for sentiment, with the scorer’s neutral band', () => {
    assert.deepEqual(sentimentTone(0.3), { word: 'positive', className: 'up' });
    assert.deepEqual(sentimentTone(-0.06), { word: 'negative', className: 'down' });
    assert.deepEqual(sentimentTone(0.05), { word: 'neutral', className: 'muted' });
    assert.deepEqual(sentimentTone(null), { word: 'unscored', className: 'muted' });
    assert.deepEqual([0.456, -0.1, 0, null].map(formatSentiment), ['+0.46', '−0.10', '0.00', '—']);
  });

  test('keeps the health checks of the news and Discord sources only', () => {
    const check = (name: string) => ({ name, state: 'ok' as const, reason: null, checkedAtMs: 0 });
    assert.deepEqual(
      textSourceHealth([
        check('store'),
        check('source:news'),
        check('source:binance'),
        check('source:discord'),
      ]).map((component) => component.name),
      ['source:news', 'source:discord'],
    );
  });

  test('puts sentiment points and candle closes (at each candle’s end) on one time axis', () => {
    const sentiment = [
      { timeMs: 2 * HOUR_MS, value: 0.2 },
      { timeMs: 3 * HOUR_MS, value: -0.1 },
    ];
    // Candles opened at 1 h, 2 h and 3 h close at 2 h, 3 h and 4 h.
    const candles = { times: [HOUR_MS, 2 * HOUR_MS, 3 * HOUR_MS], close: [100, 101, 99] };
    assert.deepEqual(alignSentimentAndPrice(sentiment, candles, HOUR_MS), [
      [7_200, 10_800, 14_400],
      [0.2, -0.1, null],
      [100, 101, 99],
    ]);
    assert.deepEqual(alignSentimentAndPrice(sentiment, null, HOUR_MS), [
      [7_200, 10_800],
      [0.2, -0.1],
      [null, null],
    ]);
  });
});

describe('summary card', () => {
  const base: CommunitySummary = {
    kind: 'channel',
    source: 'discord',
    channel: MINERS,
    channelName: 'miners-chat',
    about: null,
    windowStartMs: Date.UTC(2025, 9, 10),
    windowEndMs: Date.UTC(2025, 9, 11),
    itemsInWindow: 2,
    itemsRead: 2,
    method: 'extractive',
    ranker: 'sumbasic-v1',
    text: null,
    model: null,
    fallbackReason: null,
    sentences: [
      {
        text: 'Bitcoin miners sold coins after the halving.',
        score: 0.1,
        source: 'discord',
        channel: MINERS,
        itemId: '9001',
        url: 'https://discord.com/channels/1/2/9001',
        publishedAtMs: Date.UTC(2025, 9, 10, 12),
        seenAtMs: Date.UTC(2025, 9, 10, 12),
        knownAtMs: Date.UTC(2025, 9, 10, 12),
      },
    ],
  };

  test('an abstractive summary shows the model’s text above its sources; a failed one says why', () => {
    render(
      <SummaryCard
        summary={{ ...base, method: 'abstractive', text: 'Miners sold after the halving.', model: 'tiny:1b' }}
        title="miners-chat"
      />,
    );
    assert.match(
      screen.getByTestId('abstractive-summary').textContent ?? '',
      /Miners sold after the halving\. .*tiny:1b/,
    );
    assert.equal(screen.queryByTestId('summary-fallback'), null);
    assert.equal(
      (screen.getByRole('link') as HTMLAnchorElement).href,
      'https://discord.com/channels/1/2/9001',
    );
    cleanup();
    render(
      <SummaryCard
        summary={{ ...base, fallbackReason: 'the chat endpoint answered 503' }}
        title="miners-chat"
      />,
    );
    assert.equal(screen.queryByTestId('abstractive-summary'), null);
    assert.match(screen.getByTestId('summary-fallback').textContent ?? '', /answered 503/);
    cleanup();
  });
});
