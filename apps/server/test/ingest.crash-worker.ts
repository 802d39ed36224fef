// A process the crash test starts and kills: it backfills or streams one market into the
// database it is given, the way `runecast` would, until it is done or killed.
import { BackfillService } from '../src/ingest/backfill.service.ts';
import { LiveIngestionService } from '../src/ingest/live.service.ts';
import { CcxtSource } from '../src/sources/ccxt/ccxt.source.ts';
import { openStore } from '../src/store/store.ts';

interface WorkerConfig {
  mode: 'backfill' | 'live';
  databaseUrl: string;
  emulatorUrl: string;
  symbol: string;
  sinceMs: number;
  untilMs?: number;
  pageLimit?: number;
}

const config = JSON.parse(process.argv[2] ?? '{}') as WorkerConfig;
const store = await openStore({ url: config.databaseUrl });
const source = new CcxtSource({
  exchange: 'binance',
  emulatorUrl: config.emulatorUrl,
  enableRateLimit: false,
});
const say = (event: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify(event)}\n`);
};
const controller = new AbortController();
process.on('SIGTERM', () => controller.abort());
say({ event: 'ready' });

if (config.mode === 'backfill') {
  const backfill = new BackfillService({
    source,
    store,
    pageLimit: config.pageLimit ?? 100,
    progressIntervalMs: 0,
  });
  const result = await backfill.backfill({
    series: { exchange: 'binance', symbol: config.symbol, timeframe: '1m' },
    sinceMs: config.sinceMs,
    ...(config.untilMs === undefined ? {} : { untilMs: config.untilMs }),
    signal: controller.signal,
    onProgress: (progress) => say({ event: 'progress', pages: progress.pages, doneMs: progress.doneMs }),
  });
  say({ event: 'done', pages: result.pages, missing: result.missingRanges.length });
} else {
  const live = new LiveIngestionService({
    source,
    store,
    markets: [{ symbol: config.symbol, timeframe: '1m', sinceMs: config.sinceMs }],
    streams: { candles: true, trades: false, book: false },
    reconnectBackoff: { initialDelayMs: 20, maxDelayMs: 200, multiplier: 2, jitterRatio: 0.5 },
    onEvent: (event) => {
      if (event.type === 'trusted') say({ event: 'trusted', fromMs: event.fromMs });
      if (event.type === 'candles-written') say({ event: 'candles', count: event.candles.length });
    },
  });
  await live.run(controller.signal);
  say({ event: 'stopped', stats: live.stats() });
}
await source.close();
await store.close();
