import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startEmulator, type RunningEmulator } from '@runecast/exchange-emulator';
import type { Clock } from '@runecast/market';
import { TextCollector } from '../src/ingest/text-collector.ts';
import { createLogger } from '../src/observability/logger.ts';
import { LexiconSentimentScorer } from '../src/signals/lexicon.scorer.ts';
import { LlmSentimentScorer } from '../src/signals/llm-sentiment.scorer.ts';
import { TextAnalyser } from '../src/signals/text-analysis.ts';
import { NewsFeedSource } from '../src/sources/news/news-feed.source.ts';
import { newsFeedsFor } from '../src/sources/news/news-sources.ts';
import { openStore } from '../src/store/store.ts';
import { REPLAY_DIR, replayDataSkip } from './support/replay-data.ts';

// News articles from the emulator scored by a chat model: a small chat-completions server started
// here stands in for an OpenAI-compatible endpoint (a hosted API or a local Ollama).

const FIRST_CYCLE_MS = Date.UTC(2026, 0, 5, 10, 50);
const MODEL = 'tiny-rater:1b';
/** A score no lexicon gives every article: seen in the store, it came from the model. */
const MODEL_SCORE = 0.321;

type Behaviour = 'answer' | 'prose' | 'short' | 'slow' | 'error';

const readBody = async (request: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

describe(
  'news collection scored by a chat model, with lexicon-v1 when it fails',
  { skip: replayDataSkip },
  () => {
    let emulator: RunningEmulator;
    let chatServer: Server;
    let chatUrl = '';
    let behaviour: Behaviour = 'answer';
    let requests = 0;

    before(async () => {
      emulator = await startEmulator({ paused: true, replayDir: REPLAY_DIR ?? '' });
      chatServer = createServer((request, response) => {
        void readBody(request).then((text) => {
          requests += 1;
          const body = JSON.parse(text) as { messages: { role: string; content: string }[] };
          const user = body.messages.find((message) => message.role === 'user')?.content ?? '';
          const count = Number(/^(\d+) texts:/.exec(user)?.[1] ?? 0);
          const scores = Array.from({ length: behaviour === 'short' ? count - 1 : count }, () => MODEL_SCORE);
          const content = behaviour === 'prose' ? 'These look fairly positive.' : JSON.stringify(scores);
          const send = () => {
            response.writeHead(behaviour === 'error' ? 500 : 200, { 'content-type': 'application/json' });
            response.end(
              JSON.stringify({ model: MODEL, choices: [{ message: { role: 'assistant', content } }] }),
            );
          };
          if (behaviour === 'slow') setTimeout(send, 1_000);
          else send();
        });
      });
      await new Promise<void>((resolve) => chatServer.listen(0, '127.0.0.1', resolve));
      chatUrl = `http://127.0.0.1:${(chatServer.address() as AddressInfo).port}/v1`;
    });

    after(async () => {
      chatServer?.closeAllConnections();
      await new Promise<void>((resolve) => chatServer?.close(() => resolve()));
      await emulator?.close();
    });

    /** One cycle into a fresh store; the stored items and the collector's health details. */
    const collect = async (later?: Behaviour) => {
      const clock: Clock = { now: () => FIRST_CYCLE_MS };
      const store = await openStore();
      try {
        const [feed] = newsFeedsFor({ configured: null, emulatorUrl: emulator.url, replay: true });
        if (!feed) throw new Error('no emulated news feed');
        const source = new NewsFeedSource({ feeds: [feed], pageLimit: 10, now: () => clock.now() });
        const analyser = new TextAnalyser(new LexiconSentimentScorer(), () => ['BTC', 'ETH']);
        const collector = new TextCollector({
          source,
          store,
          clock,
          logger: createLogger('silent'),
          analyse: (item, channel) => analyser.analyse(item, channel.about),
          batchScorer: new LlmSentimentScorer({ url: chatUrl, apiKey: null, model: MODEL }, undefined, 300),
        });
        requests = 0;
        const written = await collector.pollOnce();
        if (later !== undefined) {
          // A news feed is read whole every cycle: the same articles come again.
          behaviour = later;
          requests = 0;
          assert.equal(await collector.pollOnce(), 0);
        }
        const items = await store.textItems.queryItems({ source: 'news', limit: 1_000 });
        const health = await collector.healthCheck().check();
        return { written, items, health, stats: collector.stats() };
      } finally {
        await store.close();
      }
    };

    test('stores the model’s scores with the scorer llm:<model>', async () => {
      behaviour = 'answer';
      const { written, items, health, stats } = await collect();
      assert.ok(written >= 10);
      assert.equal(items.length, written);
      for (const item of items) {
        assert.equal(item.scorer, `llm:${MODEL}`);
        assert.equal(item.sentiment, MODEL_SCORE);
      }
      assert.ok(requests >= Math.ceil(written / 20));
      assert.equal(stats.batchScoring?.fallbacks, 0);
      assert.ok((stats.batchScoring?.batchesScored ?? 0) >= 1);
      assert.equal(health.state, 'ok');
      assert.deepEqual((health.details as { batchScoring: unknown }).batchScoring, stats.batchScoring);
    });

    test('articles read again in a later cycle are not sent again and keep the model’s scores', async () => {
      behaviour = 'answer';
      const { items, stats } = await collect('error');
      assert.equal(requests, 0);
      assert.ok(items.length >= 10);
      for (const item of items) {
        assert.equal(item.scorer, `llm:${MODEL}`);
        assert.equal(item.sentiment, MODEL_SCORE);
      }
      assert.equal(stats.batchScoring?.fallbacks, 0);
    });

    const failures: [Behaviour, RegExp][] = [
      ['prose', /other than a JSON array/],
      ['short', /scores for \d+ texts/],
      ['slow', /no answer within 0.3 s/],
      ['error', /answered 500/],
    ];
    for (const [failure, reason] of failures) {
      test(`a model answering ${failure} leaves every item scored by lexicon-v1, counted in health`, async () => {
        behaviour = failure;
        const { written, items, health, stats } = await collect();
        assert.ok(written >= 10, 'no item is lost');
        assert.equal(items.length, written);
        for (const item of items) assert.equal(item.scorer, 'lexicon-v1');
        assert.ok(items.some((item) => item.sentiment !== MODEL_SCORE));
        // The model is asked once a cycle after it failed; the other pages are not delayed by it.
        assert.equal(requests, 1);
        assert.ok((stats.batchScoring?.fallbacks ?? 0) >= 1);
        assert.equal(stats.batchScoring?.batchesScored, 0);
        assert.match(stats.batchScoring?.lastError ?? '', reason);
        assert.equal(health.state, 'ok', 'the cycle itself succeeded');
        assert.deepEqual((health.details as { batchScoring: unknown }).batchScoring, stats.batchScoring);
      });
    }
  },
);
