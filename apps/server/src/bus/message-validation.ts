import { schemaForTopic, type BusPayload } from '@runecast/contracts';
import type { z } from 'zod';
import { ValidationError } from '@runecast/market';
import { parseTopic, type ParsedTopic } from './topics.ts';

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 5)
    .map((issue) =>
      issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ${issue.message}` : issue.message,
    )
    .join('; ')
    .concat(issues.length > 5 ? `; and ${issues.length - 5} more` : '');
}

/** Topic segments and payload fields that name the same thing must agree. */
function topicMismatch(topic: ParsedTopic, payload: BusPayload): string | undefined {
  const fields = payload as {
    exchange?: unknown;
    symbol?: unknown;
    timeframe?: unknown;
    series?: unknown;
    jobId?: unknown;
    ownerUserId?: unknown;
    process?: unknown;
  };
  const expected: [string, unknown, string][] = [];
  switch (topic.family) {
    case 'candles':
    case 'metrics':
      expected.push(['exchange', fields.exchange, topic.exchange], ['symbol', fields.symbol, topic.symbol]);
      expected.push(['timeframe', fields.timeframe, topic.timeframe]);
      break;
    case 'trades':
    case 'book':
      expected.push(['exchange', fields.exchange, topic.exchange], ['symbol', fields.symbol, topic.symbol]);
      break;
    case 'backfillProgress':
    case 'forecasts':
    case 'forecastsScored':
      expected.push(['series', fields.series, `${topic.exchange}:${topic.symbol}:${topic.timeframe}`]);
      break;
    case 'ingestFaults':
    case 'sourceState':
      expected.push(['exchange', fields.exchange, topic.exchange]);
      break;
    case 'jobProgress':
      expected.push(['jobId', fields.jobId, topic.jobId]);
      break;
    case 'alertsFired':
      // A firing announced on another user's topic would reach that user's streams.
      expected.push(['ownerUserId', fields.ownerUserId, topic.ownerUserId]);
      break;
    case 'healthChanged':
      expected.push(['process', fields.process, topic.process]);
      break;
  }
  for (const [name, actual, wanted] of expected) {
    if (actual !== wanted) return `${name} "${String(actual)}" does not match the topic's "${wanted}"`;
  }
  return undefined;
}

export type BusMessageCheck = { ok: true; data: BusPayload } | { ok: false; reason: string };

/**
 * Checks `data` against the contracts schema of `topic`'s family and against the topic itself
 * (a `data.candles.binance.BTC-USDT.1m` message must carry binance BTC/USDT 1m candles).
 * On success `data` is a fresh copy, so no two receivers share one object.
 */
export function checkBusMessage(topic: string, data: unknown): BusMessageCheck {
  let parsedTopic: ParsedTopic;
  try {
    parsedTopic = parseTopic(topic);
  } catch (error) {
    return { ok: false, reason: (error as Error).message };
  }
  const schema = schemaForTopic(topic);
  if (schema === undefined) return { ok: false, reason: `no message schema for topic "${topic}"` };
  const result = schema.safeParse(data);
  if (!result.success) {
    return { ok: false, reason: `message on "${topic}" is invalid: ${describeIssues(result.error.issues)}` };
  }
  const mismatch = topicMismatch(parsedTopic, result.data);
  if (mismatch !== undefined) return { ok: false, reason: `message on "${topic}": ${mismatch}` };
  return { ok: true, data: result.data };
}

/** Like `checkBusMessage`, throwing a ValidationError with the reason. */
export function validateBusMessage(topic: string, data: unknown): BusPayload {
  const check = checkBusMessage(topic, data);
  if (!check.ok) throw new ValidationError(check.reason, { topic });
  return check.data;
}
