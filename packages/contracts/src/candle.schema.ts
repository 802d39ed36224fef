import { z } from 'zod';
import {
  dataSourceSchema,
  epochMsSchema,
  exchangeIdSchema,
  nonNegativeNumberSchema,
  positiveNumberSchema,
  symbolSchema,
  timeframeDurationsMs,
  timeframeSchema,
} from './common.schema.ts';

/** Largest batch one bus message may carry, so it stays well under a NATS payload limit. */
export const maxCandlesPerBatch = 5000;

/** One OHLCV candle inside a batch; the series (exchange, symbol, timeframe) is the batch's. */
export const candleSchema = z
  .object({
    openTimeMs: epochMsSchema,
    open: positiveNumberSchema,
    high: positiveNumberSchema,
    low: positiveNumberSchema,
    close: positiveNumberSchema,
    volume: nonNegativeNumberSchema,
    quoteVolume: nonNegativeNumberSchema.nullable(),
    tradeCount: z.int().min(0).nullable(),
    /** false while the exchange still updates this candle. */
    closed: z.boolean(),
  })
  .superRefine((candle, context) => {
    if (candle.high < candle.low) {
      context.addIssue({ code: 'custom', message: 'high is below low', path: ['high'] });
    } else if (
      candle.high < Math.max(candle.open, candle.close) ||
      candle.low > Math.min(candle.open, candle.close)
    ) {
      context.addIssue({
        code: 'custom',
        message: 'open or close lies outside the high-low range',
        path: ['open'],
      });
    }
  });
export type CandleMessageItem = z.infer<typeof candleSchema>;

/** Candles of one series, oldest first, on topic `data.candles.<exchange>.<BASE-QUOTE>.<timeframe>`. */
export const candleBatchMessageSchema = z
  .object({
    exchange: exchangeIdSchema,
    symbol: symbolSchema,
    timeframe: timeframeSchema,
    candles: z.array(candleSchema).min(1, 'a candle batch holds at least one candle').max(maxCandlesPerBatch),
    source: dataSourceSchema,
  })
  .superRefine((batch, context) => {
    const stepMs = timeframeDurationsMs[batch.timeframe];
    let previousOpenTimeMs = -1;
    batch.candles.forEach((candle, index) => {
      if (candle.openTimeMs % stepMs !== 0) {
        context.addIssue({
          code: 'custom',
          message: `open time ${candle.openTimeMs} is not on the ${batch.timeframe} grid`,
          path: ['candles', index, 'openTimeMs'],
        });
      }
      if (candle.openTimeMs <= previousOpenTimeMs) {
        context.addIssue({
          code: 'custom',
          message: 'open times must be strictly increasing within a batch',
          path: ['candles', index, 'openTimeMs'],
        });
      }
      previousOpenTimeMs = candle.openTimeMs;
    });
  });
export type CandleBatchMessage = z.infer<typeof candleBatchMessageSchema>;
