import { z } from 'zod';
import type { SummarySentence } from './extractive-summary.ts';

/** An OpenAI-compatible chat completions API (OpenAI, a local Ollama, vLLM, llama.cpp's server…). */
export interface ChatEndpoint {
  /** The API's base address, ending before `/chat/completions` (e.g. `http://127.0.0.1:11434/v1`). */
  url: string;
  apiKey: string | null;
  model: string;
}

/** How long one summary may take before the extractive one is served instead. */
export const CHAT_TIMEOUT_MS = 30_000;
/** A longer answer is not a summary of a few sentences; it is refused. */
const MAX_SUMMARY_CHARACTERS = 2_000;

const chatCompletionSchema = z.object({
  model: z.string().optional(),
  choices: z.array(z.object({ message: z.object({ content: z.string().nullable() }) })).min(1),
});

/** Why an abstractive summary was not made; the extractive one is served with this reason. */
export class AbstractiveSummaryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AbstractiveSummaryError';
  }
}

const SYSTEM_PROMPT =
  'You summarise what a crypto community or news channel said. Use only the numbered sentences ' +
  'you are given; add no facts, numbers or advice of your own. Answer with at most three plain ' +
  'sentences of English prose, without lists, headings or sentence numbers.';

/**
 * Writes a short summary in its own words from the sentences an extractive summary chose, with a
 * chat model. The extractive sentences stay the summary's sources: the model is given nothing
 * else, so it can only say what they say. Every failure (no answer in time, an error status, an
 * answer that is not a chat completion, an empty or overlong one) throws an
 * `AbstractiveSummaryError` naming the reason.
 */
export class ChatSummariser {
  constructor(
    private readonly endpoint: ChatEndpoint,
    private readonly fetchImplementation: typeof fetch = (...parameters) => fetch(...parameters),
    private readonly timeoutMs = CHAT_TIMEOUT_MS,
  ) {}

  get model(): string {
    return this.endpoint.model;
  }

  async summarise(
    subject: string,
    sentences: readonly SummarySentence[],
  ): Promise<{ text: string; model: string }> {
    if (sentences.length === 0) throw new AbstractiveSummaryError('no sentences to summarise');
    const numbered = sentences.map((sentence, index) => `${index + 1}. ${sentence.text}`).join('\n');
    const url = `${this.endpoint.url.replace(/\/+$/, '')}/chat/completions`;
    let response: Response;
    try {
      response = await this.fetchImplementation(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.endpoint.apiKey === null ? {} : { authorization: `Bearer ${this.endpoint.apiKey}` }),
        },
        body: JSON.stringify({
          model: this.endpoint.model,
          temperature: 0,
          stream: false,
          messages: [
            { role: 'system', content: SYSTEM_PROMPT },
            { role: 'user', content: `What ${subject} said:\n${numbered}` },
          ],
        }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
        throw new AbstractiveSummaryError(
          `the chat endpoint gave no answer within ${this.timeoutMs / 1000} s`,
        );
      }
      throw new AbstractiveSummaryError(
        `the chat endpoint cannot be reached (${error instanceof Error ? error.message : String(error)})`,
      );
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new AbstractiveSummaryError(`the chat endpoint answered ${response.status}`);
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw new AbstractiveSummaryError('the chat endpoint answered something other than JSON');
    }
    const parsed = chatCompletionSchema.safeParse(body);
    if (!parsed.success)
      throw new AbstractiveSummaryError('the chat endpoint answered something other than a chat completion');
    const text = parsed.data.choices[0]?.message.content?.trim() ?? '';
    if (text === '') throw new AbstractiveSummaryError('the chat model answered with no text');
    if (text.length > MAX_SUMMARY_CHARACTERS) {
      throw new AbstractiveSummaryError(
        `the chat model answered with more than ${MAX_SUMMARY_CHARACTERS} characters`,
      );
    }
    return { text, model: parsed.data.model ?? this.endpoint.model };
  }
}
