import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { LlmSentimentError, LlmSentimentScorer } from '../src/signals/llm-sentiment.scorer.ts';

// The LLM sentiment scorer against a small chat-completions server started here, standing in for
// an OpenAI-compatible endpoint (a hosted API or a local Ollama) that is not on this machine.

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

/** What the server answers for the texts of one request (numbered lines after the first). */
type Answer = (texts: string[]) => { status: number; content?: string; body?: unknown; delayMs?: number };

/** Scores made up for the tests: "up" texts +0.8, "down" texts -0.6, others 0. */
const fairScores = (texts: string[]) =>
  texts.map((text) => (text.includes('up') ? 0.8 : text.includes('down') ? -0.6 : 0));

describe('LLM sentiment scorer through a chat-completions endpoint', () => {
  let server: Server;
  let url = '';
  let answer: Answer = (texts) => ({ status: 200, content: JSON.stringify(fairScores(texts)) });
  const received: { authorization: string | undefined; body: ChatRequest }[] = [];

  before(async () => {
    server = createServer((request, response) => {
      void readBody(request).then((text) => {
        const body = JSON.parse(text) as ChatRequest;
        received.push({ authorization: request.headers.authorization, body });
        const user = body.messages.find((message) => message.role === 'user')?.content ?? '';
        const texts = user
          .split('\n')
          .slice(1)
          .map((line) => line.replace(/^\d+\. /, ''));
        const reply = answer(texts);
        const send = () => {
          response.writeHead(reply.status, { 'content-type': 'application/json' });
          response.end(
            JSON.stringify(
              reply.body ?? {
                object: 'chat.completion',
                model: body.model,
                choices: [{ index: 0, message: { role: 'assistant', content: reply.content ?? '' } }],
              },
            ),
          );
        };
        if (reply.delayMs === undefined) send();
        else setTimeout(send, reply.delayMs);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeEach(() => {
    received.length = 0;
    answer = (texts) => ({ status: 200, content: JSON.stringify(fairScores(texts)) });
  });

  const scorer = (timeoutMs?: number) =>
    new LlmSentimentScorer({ url, apiKey: 'key-123', model: 'tiny-rater:1b' }, undefined, timeoutMs);

  test('scores each text with the model and names the scorer llm:<model>', async () => {
    const scores = await scorer().scoreBatch(['runes going up', 'fees down again', 'block 900000']);
    assert.deepEqual(scores, [
      { sentiment: 0.8, scorer: 'llm:tiny-rater:1b' },
      { sentiment: -0.6, scorer: 'llm:tiny-rater:1b' },
      { sentiment: 0, scorer: 'llm:tiny-rater:1b' },
    ]);
    assert.equal(received.length, 1);
    assert.equal(received[0]?.authorization, 'Bearer key-123');
    assert.equal(received[0]?.body.model, 'tiny-rater:1b');
    assert.equal(received[0]?.body.temperature, 0);
  });

  test('sends at most 20 texts a request and keeps the order across requests', async () => {
    const texts = Array.from({ length: 45 }, (_, index) =>
      index % 2 === 0 ? `up ${index}` : `down ${index}`,
    );
    const scores = await scorer().scoreBatch(texts);
    assert.equal(received.length, 3);
    assert.deepEqual(
      scores.map((score) => score.sentiment),
      texts.map((text) => (text.startsWith('up') ? 0.8 : -0.6)),
    );
  });

  test('accepts an array inside a Markdown code fence', async () => {
    answer = () => ({ status: 200, content: '```json\n[0.5, -1]\n```' });
    const scores = await scorer().scoreBatch(['a', 'b']);
    assert.deepEqual(
      scores.map((score) => score.sentiment),
      [0.5, -1],
    );
  });

  const refusals: [string, Answer, RegExp][] = [
    [
      'prose instead of JSON',
      () => ({ status: 200, content: 'Mostly positive.' }),
      /other than a JSON array/,
    ],
    ['a wrong count', () => ({ status: 200, content: '[0.1]' }), /answered 1 scores for 2 texts/],
    ['a score outside [-1, 1]', () => ({ status: 200, content: '[0.1, 3]' }), /numbers from -1 to 1/],
    [
      'strings instead of numbers',
      () => ({ status: 200, content: '["0.1", "0.2"]' }),
      /numbers from -1 to 1/,
    ],
    ['an error status', () => ({ status: 500, body: { error: 'boom' } }), /answered 500/],
    ['no chat completion', () => ({ status: 200, body: { result: 'x' } }), /other than a chat completion/],
    ['an empty answer', () => ({ status: 200, content: '  ' }), /no text/],
  ];
  for (const [name, reply, reason] of refusals) {
    test(`refuses ${name}`, async () => {
      answer = reply;
      await assert.rejects(scorer().scoreBatch(['one', 'two']), (error: unknown) => {
        assert.ok(error instanceof LlmSentimentError);
        assert.match(error.message, reason);
        return true;
      });
    });
  }

  test('gives up after its timeout', async () => {
    answer = (texts) => ({ status: 200, content: JSON.stringify(fairScores(texts)), delayMs: 1_000 });
    await assert.rejects(scorer(100).scoreBatch(['one']), /no answer within 0.1 s/);
  });

  test('says when the endpoint cannot be reached', async () => {
    const unreachable = new LlmSentimentScorer({ url: 'http://127.0.0.1:9/v1', apiKey: null, model: 'x' });
    await assert.rejects(unreachable.scoreBatch(['one']), /cannot be reached/);
  });
});
