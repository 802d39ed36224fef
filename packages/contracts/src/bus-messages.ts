import type { z } from 'zod';
import { alertFiredMessageSchema, type AlertFiredMessage } from './alert-events.schema.ts';
import { candleBatchMessageSchema, type CandleBatchMessage } from './candle.schema.ts';
import {
  backfillProgressMessageSchema,
  componentHealthMessageSchema,
  type ComponentHealthMessage,
  ingestFaultMessageSchema,
  metricSnapshotMessageSchema,
  type MetricSnapshotMessage,
  sourceStateMessageSchema,
  type BackfillProgressMessage,
  type IngestFaultMessage,
  type SourceStateMessage,
} from './ingest-events.schema.ts';
import {
  forecastMadeMessageSchema,
  forecastScoredMessageSchema,
  jobProgressMessageSchema,
  type ForecastMadeMessage,
  type ForecastScoredMessage,
  type JobProgressMessage,
} from './jobs.schema.ts';
import {
  topOfBookMessageSchema,
  tradeBatchMessageSchema,
  type TopOfBookMessage,
  type TradeBatchMessage,
} from './market-data.schema.ts';

/**
 * Bus topic families. A topic is its family prefix followed by dot-separated segments, e.g.
 * `data.candles.binance.BTC-USDT.1m`.
 */
export const busTopicPrefixes = {
  candles: 'data.candles',
  metrics: 'data.metrics',
  trades: 'data.trades',
  book: 'data.book',
  backfillProgress: 'ingest.progress',
  ingestFaults: 'ingest.faults',
  sourceState: 'source.state',
  jobProgress: 'jobs.progress',
  forecasts: 'forecasts.made',
  forecastsScored: 'forecasts.scored',
  alertsFired: 'alerts.fired',
  healthChanged: 'health.changed',
} as const;
export type BusTopicPrefix = (typeof busTopicPrefixes)[keyof typeof busTopicPrefixes];

/** The payload schema of every topic family, keyed by topic prefix. */
export const topicSchemas = {
  'data.candles': candleBatchMessageSchema,
  'data.metrics': metricSnapshotMessageSchema,
  'data.trades': tradeBatchMessageSchema,
  'data.book': topOfBookMessageSchema,
  'ingest.progress': backfillProgressMessageSchema,
  'ingest.faults': ingestFaultMessageSchema,
  'source.state': sourceStateMessageSchema,
  'jobs.progress': jobProgressMessageSchema,
  'forecasts.made': forecastMadeMessageSchema,
  'forecasts.scored': forecastScoredMessageSchema,
  'alerts.fired': alertFiredMessageSchema,
  'health.changed': componentHealthMessageSchema,
} as const satisfies Record<BusTopicPrefix, z.ZodType>;

/** Payload type per topic prefix. */
export interface BusPayloads {
  'data.candles': CandleBatchMessage;
  'data.metrics': MetricSnapshotMessage;
  'data.trades': TradeBatchMessage;
  'data.book': TopOfBookMessage;
  'ingest.progress': BackfillProgressMessage;
  'ingest.faults': IngestFaultMessage;
  'source.state': SourceStateMessage;
  'jobs.progress': JobProgressMessage;
  'forecasts.made': ForecastMadeMessage;
  'forecasts.scored': ForecastScoredMessage;
  'alerts.fired': AlertFiredMessage;
  'health.changed': ComponentHealthMessage;
}
export type BusPayload = BusPayloads[BusTopicPrefix];

const prefixes = Object.keys(topicSchemas) as BusTopicPrefix[];

/** The prefix of the family `topic` belongs to, or undefined for a topic of no known family. */
export function topicPrefixOf(topic: string): BusTopicPrefix | undefined {
  return prefixes.find((prefix) => topic.startsWith(`${prefix}.`));
}

/** The payload schema for a concrete topic, or undefined when no family matches it. */
export function schemaForTopic(topic: string): z.ZodType<BusPayload> | undefined {
  const prefix = topicPrefixOf(topic);
  return prefix === undefined ? undefined : topicSchemas[prefix];
}
