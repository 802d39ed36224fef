import { isValidMetricName } from '@runecast/market';
import { z } from 'zod';
import {
  epochMsSchema,
  exchangeIdSchema,
  seriesKeySchema,
  symbolSchema,
  timeframeSchema,
} from './common.schema.ts';

/** Progress of one backfill, on topic `ingest.progress.<exchange>.<BASE-QUOTE>.<timeframe>`. */
export const backfillProgressMessageSchema = z
  .object({
    /** Series key text, e.g. `binance:BTC/USDT:1m`. */
    series: seriesKeySchema,
    fromMs: epochMsSchema,
    toMs: epochMsSchema,
    /** Everything before this time is fetched and written. */
    doneMs: epochMsSchema,
    candlesWritten: z.int().min(0),
    percent: z.number().min(0).max(100),
    state: z.enum(['running', 'done', 'failed']),
    message: z.string().max(2000).nullable(),
    atMs: epochMsSchema,
  })
  .superRefine((progress, context) => {
    if (progress.fromMs > progress.toMs) {
      context.addIssue({ code: 'custom', message: 'fromMs is after toMs', path: ['fromMs'] });
    } else if (progress.doneMs < progress.fromMs || progress.doneMs > progress.toMs) {
      context.addIssue({
        code: 'custom',
        message: 'doneMs must lie between fromMs and toMs',
        path: ['doneMs'],
      });
    }
  });
export type BackfillProgressMessage = z.infer<typeof backfillProgressMessageSchema>;

/**
 * Faults an ingest path met and survived or gave up on (rate limits, malformed messages,
 * disconnects, rejected candles…), on topic `ingest.faults.<exchange>`.
 */
export const ingestFaultMessageSchema = z.object({
  exchange: exchangeIdSchema,
  /** Which part saw it, e.g. `backfill`, `live:candles`, `import`. */
  source: z.string().min(1).max(100),
  /** Stable snake_case kind, e.g. `rate_limited`, `malformed_message`, `invalid_candle`. */
  kind: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'fault kind must be snake_case, e.g. "rate_limited"'),
  message: z.string().min(1).max(2000),
  /** How many occurrences this event stands for (faults may be reported in bulk). */
  count: z.int().min(1),
  /** The series concerned, when there is one. */
  series: seriesKeySchema.nullable(),
  atMs: epochMsSchema,
});
export type IngestFaultMessage = z.infer<typeof ingestFaultMessageSchema>;

export const sourceConnectionStates = ['connected', 'reconnecting', 'down'] as const;

/** Connection state of an exchange source, on topic `source.state.<exchange>`. */
export const sourceStateMessageSchema = z.object({
  exchange: exchangeIdSchema,
  state: z.enum(sourceConnectionStates),
  /** Reconnect attempt in the current outage; 0 when connected. */
  attempt: z.int().min(0),
  reason: z.string().max(2000).nullable(),
  atMs: epochMsSchema,
});
export type SourceStateMessage = z.infer<typeof sourceStateMessageSchema>;

export const componentHealthStates = ['ok', 'degraded', 'down'] as const;

/**
 * A component of a process whose health changed (its state, or first seen), on topic
 * `health.changed.<process>`. Component names are the health registry's (`store`, `bus`,
 * `source:binance`, …).
 */
export const componentHealthMessageSchema = z.object({
  /** The process that checked it (letters, digits, "-" and "_"). */
  process: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'process must be 1-64 letters, digits, "-" or "_"'),
  component: z.string().min(1).max(200),
  state: z.enum(componentHealthStates),
  /** The state before this change; null the first time the process reports the component. */
  previousState: z.enum(componentHealthStates).nullable(),
  reason: z.string().max(2000).nullable(),
  atMs: epochMsSchema,
});
export type ComponentHealthMessage = z.infer<typeof componentHealthMessageSchema>;

/**
 * The stats of one instrument from one poll of a snapshot source (a rune's `holders`, its volume,
 * …), announced once stored as metric points, on
 * `data.metrics.<source>.<BASE-QUOTE>.<timeframe>` (the source's poll timeframe).
 */
export const metricSnapshotMessageSchema = z.strictObject({
  exchange: exchangeIdSchema,
  symbol: symbolSchema,
  timeframe: timeframeSchema,
  observedAtMs: epochMsSchema,
  metrics: z
    .record(
      z.string().max(40).refine(isValidMetricName, 'must be a metric name such as holders or volume_1d_btc'),
      z.number(),
    )
    .refine((metrics) => Object.keys(metrics).length > 0, 'must hold at least one metric'),
});
export type MetricSnapshotMessage = z.infer<typeof metricSnapshotMessageSchema>;
