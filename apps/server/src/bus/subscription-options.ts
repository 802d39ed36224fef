import { createHash } from 'node:crypto';
import { ValidationError } from '@runecast/market';
import type { SubscribeOptions } from './bus.port.ts';
import { assertValidPattern, topicPatternsOverlap } from './topics.ts';

const NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Topic shapes of every known family; a pattern that can match none of them is a mistake. */
const KNOWN_TOPIC_SHAPES = [
  'data.candles.*.*.*',
  'data.metrics.*.*.*',
  'data.trades.*.*',
  'data.book.*.*',
  'ingest.progress.*.*.*',
  'ingest.faults.*',
  'source.state.*',
  'jobs.progress.*',
  'forecasts.made.*.*.*',
  'alerts.fired.*',
  'forecasts.scored.*.*.*',
  'health.changed.*',
];

/**
 * Checks a subscription and names the consumer it attaches to: the durable name, else one
 * derived from the queue group and pattern (members of a group on the same pattern share it),
 * else undefined for a private, short-lived consumer.
 */
export function resolveSubscription(pattern: string, options: SubscribeOptions = {}): string | undefined {
  assertValidPattern(pattern);
  if (!KNOWN_TOPIC_SHAPES.some((shape) => topicPatternsOverlap(pattern, shape))) {
    throw new ValidationError(
      `topic pattern "${pattern}" can match no known topic (families: data.candles, data.metrics, data.trades, data.book, ingest.progress, ingest.faults, source.state, jobs.progress, forecasts.made, forecasts.scored, alerts.fired, health.changed)`,
    );
  }
  for (const key of ['durableName', 'queueGroup'] as const) {
    const value = options[key];
    if (value !== undefined && !NAME_PATTERN.test(value)) {
      throw new ValidationError(`${key} "${value}" must be 1-64 letters, digits, "-" or "_"`);
    }
  }
  if (options.durableName !== undefined) return options.durableName;
  if (options.queueGroup !== undefined) {
    const patternHash = createHash('sha256').update(pattern).digest('hex').slice(0, 12);
    return `${options.queueGroup}_${patternHash}`;
  }
  return undefined;
}
