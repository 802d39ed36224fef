export * from './common.schema.ts';
export * from './candle.schema.ts';
export * from './market-data.schema.ts';
export * from './ingest-events.schema.ts';
export * from './jobs.schema.ts';
export * from './alert-events.schema.ts';
export * from './bus-messages.ts';
export * from './api/index.ts';
