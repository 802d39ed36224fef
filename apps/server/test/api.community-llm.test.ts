import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { CommunitySummariesResponse } from '@runecast/contracts';
import type { AnalysedTextItem } from '@runecast/market';
import { AbstractiveSummaryError, ChatSummariser } from '../src/signals/abstractive-summary.ts';
import { type ApiHarness, createApiHarness } from './support/http/api-harness.ts';

// Abstractive summaries against a small chat-completions server started here, standing in for
// an OpenAI-compatible endpoint (a hosted API or a local Ollama) that is not on this machine.

const BASE_MS = Date.UTC(2025, 9, 10, 12);
const CHANNEL = '1100000000000000001';
const API_KEY = 'test-key-0123456789';

type Behaviour = 'answer' | 'error' | 'garbage' | 'empty' | 'slow';

interface ChatRequest {
  model: string;
  temperature: number;
  messages: { role: string; content: string }[];
}

const readBody = async (request: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

// Messages written for this test.
const message = (id: string, minutes: number, body: string): AnalysedTextItem => ({
  source: 'discord',
  channel: CHANNEL,
  id,
  publishedAtMs: BASE_MS + minutes * 60_000,
  seenAtMs: BASE_MS + minutes * 60_000,
  title: null,
  body,
  url: `https://discord.com/channels/1/${CHANNEL}/${id}`,
  author: null,
  sentiment: 0,
  scorer: 'lexicon-v1',
  mentions: ['BTC'],
});

describe('abstractive community summaries through a chat-completions endpoint', () => {
  let chatServer: Server;
  let chatUrl = '';
  let behaviour: Behaviour = 'answer';
  const received: { path: string; authorization: string | undefined; body: ChatRequest }[] = [];
  let harness: ApiHarness;
  let token = '';

  before(async () => {
    chatServer = createServer((request, response) => {
      void readBody(request).then((text) => {
        received.push({
          path: request.url ?? '',
          authorization: request.headers.authorization,
          body: JSON.parse(text) as ChatRequest,
        });
        const json = (status: number, body: unknown) => {
          response.writeHead(status, { 'content-type': 'application/json' });
          response.end(JSON.stringify(body));
        };
        if (behaviour === 'error') return json(503, { error: { message: 'model is loading' } });
        if (behaviour === 'garbage') return json(200, { result: 'not a completion' });
        if (behaviour === 'empty')
          return json(200, { choices: [{ message: { role: 'assistant', content: '  ' } }] });
        if (behaviour === 'slow') return setTimeout(() => json(200, {}), 2_000);
        json(200, {
          id: 'chatcmpl-1',
          object: 'chat.completion',
          model: 'tiny-summariser:1b',
          choices: [
            {
              index: 0,
              message: {
                role: 'assistant',
                content: 'Miners sold coins after the halving and expect higher fees.',
              },
              finish_reason: 'stop',
            },
          ],
        });
      });
    });
    await new Promise<void>((resolve) => chatServer.listen(0, '127.0.0.1', resolve));
    chatUrl = `http://127.0.0.1:${(chatServer.address() as AddressInfo).port}/v1`;
    harness = await createApiHarness({
      environment: {
        RUNECAST_LLM_URL: chatUrl,
        RUNECAST_LLM_MODEL: 'tiny-summariser',
        RUNECAST_LLM_API_KEY: API_KEY,
      },
    });
    token = (await harness.createUser()).token;
    await harness.store.textItems.upsertItems([
      message('9001', 0, 'Bitcoin miners sold coins after the halving.'),
      message('9002', 10, 'Bitcoin miners expect fees to rise after the halving.'),
    ]);
  });

  after(async () => {
    await harness?.close();
    await new Promise((resolve) => chatServer?.close(resolve));
  });

  const summaries = async (query: string, atMs = BASE_MS + 3_600_000) => {
    const response = await harness.app.inject({
      method: 'GET',
      url: `/api/v1/community/summaries?channel=${CHANNEL}&at=${atMs}${query}`,
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(response.statusCode, 200, response.body);
    return response.json<CommunitySummariesResponse>().summaries;
  };

  test('a configured model writes the summary from the extractive sentences, and says so', async () => {
    behaviour = 'answer';
    received.length = 0;
    const [summary] = await summaries('');
    assert.equal(summary?.method, 'abstractive');
    assert.equal(summary?.text, 'Miners sold coins after the halving and expect higher fees.');
    assert.equal(summary?.model, 'tiny-summariser:1b');
    assert.equal(summary?.fallbackReason, null);
    assert.equal(summary?.sentences.length, 2, 'the sources stay with the summary');
    assert.equal(received.length, 1);
    const [call] = received;
    assert.equal(call?.path, '/v1/chat/completions');
    assert.equal(call?.authorization, `Bearer ${API_KEY}`);
    assert.equal(call?.body.model, 'tiny-summariser');
    assert.equal(call?.body.temperature, 0);
    const prompt = call?.body.messages.at(-1)?.content ?? '';
    assert.match(prompt, /1\. Bitcoin miners (sold coins|expect fees)/);
    assert.match(prompt, /2\. Bitcoin miners (sold coins|expect fees)/);
  });

  test('method=extractive never calls the model', async () => {
    received.length = 0;
    const [summary] = await summaries('&method=extractive');
    assert.deepEqual([summary?.method, summary?.text, summary?.fallbackReason], ['extractive', null, null]);
    assert.equal(received.length, 0);
  });

  test('a failing model leaves the extractive summary with the reason', async () => {
    for (const [failure, reason] of [
      ['error', /answered 503/],
      ['garbage', /other than a chat completion/],
      ['empty', /no text/],
    ] as const) {
      behaviour = failure;
      const [summary] = await summaries('');
      assert.equal(summary?.method, 'extractive', failure);
      assert.equal(summary?.text, null);
      assert.match(summary?.fallbackReason ?? '', reason, failure);
      assert.equal(summary?.sentences.length, 2);
    }
    // Nothing to summarise: no call, and the reason says why.
    received.length = 0;
    behaviour = 'answer';
    const [empty] = await summaries('', BASE_MS - 3_600_000);
    assert.deepEqual([empty?.method, empty?.fallbackReason], ['extractive', 'no sentences to summarise']);
    assert.equal(received.length, 0);
  });

  test('no answer in time and no server at all are failures with their reason', async () => {
    behaviour = 'slow';
    const sentence = {
      text: 'Bitcoin miners sold coins after the halving.',
      score: 0.1,
      source: 'discord',
      channel: CHANNEL,
      itemId: '9001',
      url: null,
      publishedAtMs: BASE_MS,
      seenAtMs: BASE_MS,
      knownAtMs: BASE_MS,
    };
    const slow = new ChatSummariser({ url: chatUrl, apiKey: null, model: 'tiny' }, undefined, 200);
    await assert.rejects(slow.summarise('a channel', [sentence]), (error: Error) => {
      assert.ok(error instanceof AbstractiveSummaryError);
      assert.match(error.message, /no answer within 0.2 s/);
      return true;
    });
    const closedPort = new ChatSummariser({ url: 'http://127.0.0.1:9/v1', apiKey: null, model: 'tiny' });
    await assert.rejects(closedPort.summarise('a channel', [sentence]), /cannot be reached/);
    behaviour = 'answer';
  });

  test('the model must be named with the endpoint', async () => {
    await assert.rejects(
      createApiHarness({ environment: { RUNECAST_LLM_URL: chatUrl } }),
      /RUNECAST_LLM_MODEL/,
    );
  });
});
