import { z } from 'zod';
import {
  dataSourceSchema,
  epochMsSchema,
  exchangeIdSchema,
  nonNegativeNumberSchema,
  positiveNumberSchema,
  symbolSchema,
} from './common.schema.ts';

export const maxTradesPerBatch = 5000;

export const tradeSchema = z.object({
  tradeId: z.string().min(1).max(100),
  timestampMs: epochMsSchema,
  price: positiveNumberSchema,
  amount: positiveNumberSchema,
  side: z.enum(['buy', 'sell']).nullable(),
});
export type TradeMessageItem = z.infer<typeof tradeSchema>;

/** Trades of one market, oldest first, on topic `data.trades.<exchange>.<BASE-QUOTE>`. */
export const tradeBatchMessageSchema = z
  .object({
    exchange: exchangeIdSchema,
    symbol: symbolSchema,
    trades: z.array(tradeSchema).min(1, 'a trade batch holds at least one trade').max(maxTradesPerBatch),
    source: dataSourceSchema,
  })
  .superRefine((batch, context) => {
    batch.trades.forEach((trade, index) => {
      const previous = batch.trades[index - 1];
      if (previous && trade.timestampMs < previous.timestampMs) {
        context.addIssue({
          code: 'custom',
          message: 'trades must be ordered by time within a batch',
          path: ['trades', index, 'timestampMs'],
        });
      }
    });
  });
export type TradeBatchMessage = z.infer<typeof tradeBatchMessageSchema>;

/** Best bid and ask of one market at one instant, on topic `data.book.<exchange>.<BASE-QUOTE>`. */
export const topOfBookMessageSchema = z
  .object({
    exchange: exchangeIdSchema,
    symbol: symbolSchema,
    timestampMs: epochMsSchema,
    bidPrice: positiveNumberSchema,
    bidSize: nonNegativeNumberSchema,
    askPrice: positiveNumberSchema,
    askSize: nonNegativeNumberSchema,
    source: dataSourceSchema,
  })
  .superRefine((book, context) => {
    if (book.bidPrice > book.askPrice) {
      context.addIssue({
        code: 'custom',
        message: `crossed book: bid ${book.bidPrice} is above ask ${book.askPrice}`,
        path: ['bidPrice'],
      });
    }
  });
export type TopOfBookMessage = z.infer<typeof topOfBookMessageSchema>;
