import { type ChatEndpoint, ChatEndpointError, completeChat } from './chat-client.ts';
import type { SummarySentence } from './extractive-summary.ts';

export type { ChatEndpoint } from './chat-client.ts';

/** How long one summary may take before the extractive one is served instead. */
export const CHAT_TIMEOUT_MS = 30_000;
/** A longer answer is not a summary of a few sentences; it is refused. */
const MAX_SUMMARY_CHARACTERS = 2_000;

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
    let answer: { text: string; model: string };
    try {
      answer = await completeChat(
        this.endpoint,
        [
          { role: 'system', content: SYSTEM_PROMPT },
          { role: 'user', content: `What ${subject} said:\n${numbered}` },
        ],
        { fetchImplementation: this.fetchImplementation, timeoutMs: this.timeoutMs },
      );
    } catch (error) {
      if (error instanceof ChatEndpointError) throw new AbstractiveSummaryError(error.message);
      throw error;
    }
    if (answer.text.length > MAX_SUMMARY_CHARACTERS) {
      throw new AbstractiveSummaryError(
        `the chat model answered with more than ${MAX_SUMMARY_CHARACTERS} characters`,
      );
    }
    return answer;
  }
}
