export * from './common.schema.ts';
export * from './auth.schema.ts';
export * from './markets.schema.ts';
export * from './candles.schema.ts';
export * from './stream.schema.ts';
export * from './forecasting.schema.ts';
export * from './logs.schema.ts';
export * from './health.schema.ts';
