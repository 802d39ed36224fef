import { z } from 'zod';

/** An OpenAI-compatible chat completions API (OpenAI, a local Ollama, vLLM, llama.cpp's server…). */
export interface ChatEndpoint {
  /** The API's base address, ending before `/chat/completions` (e.g. `http://127.0.0.1:11434/v1`). */
  url: string;
  apiKey: string | null;
  model: string;
}

export interface ChatMessage {
  role: 'system' | 'user';
  content: string;
}

const chatCompletionSchema = z.object({
  model: z.string().optional(),
  choices: z.array(z.object({ message: z.object({ content: z.string().nullable() }) })).min(1),
});

/** Why a chat completion was not had: no answer in time, an error status, or no completion. */
export class ChatEndpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChatEndpointError';
  }
}

/**
 * Sends one non-streaming chat request (temperature 0) and returns the answer's trimmed text and
 * the model that made it. Every failure throws a `ChatEndpointError` naming the reason; an empty
 * answer is one too. Hand-written over `fetch` rather than an SDK: it is one POST and one
 * validated reply, shared by the summariser and the sentiment scorer.
 */
export async function completeChat(
  endpoint: ChatEndpoint,
  messages: readonly ChatMessage[],
  options: { fetchImplementation?: typeof fetch; timeoutMs: number },
): Promise<{ text: string; model: string }> {
  const fetchImplementation = options.fetchImplementation ?? ((...parameters) => fetch(...parameters));
  const url = `${endpoint.url.replace(/\/+$/, '')}/chat/completions`;
  let response: Response;
  try {
    response = await fetchImplementation(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(endpoint.apiKey === null ? {} : { authorization: `Bearer ${endpoint.apiKey}` }),
      },
      body: JSON.stringify({ model: endpoint.model, temperature: 0, stream: false, messages }),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
      throw new ChatEndpointError(`the chat endpoint gave no answer within ${options.timeoutMs / 1000} s`);
    }
    throw new ChatEndpointError(
      `the chat endpoint cannot be reached (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new ChatEndpointError(`the chat endpoint answered ${response.status}`);
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch (error) {
    if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
      throw new ChatEndpointError(`the chat endpoint gave no answer within ${options.timeoutMs / 1000} s`);
    }
    throw new ChatEndpointError('the chat endpoint answered something other than JSON');
  }
  const parsed = chatCompletionSchema.safeParse(body);
  if (!parsed.success)
    throw new ChatEndpointError('the chat endpoint answered something other than a chat completion');
  const text = parsed.data.choices[0]?.message.content?.trim() ?? '';
  if (text === '') throw new ChatEndpointError('the chat model answered with no text');
  return { text, model: parsed.data.model ?? endpoint.model };
}
