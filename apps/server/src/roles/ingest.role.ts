import { Collectors } from '../ingest/collectors.ts';
import { IngestionSupervisor } from '../ingest/ingestion-supervisor.ts';
import { FaultReporter } from '../ingest/fault-reporter.ts';
import { recordIngestMetrics } from '../ingest/ingest-metrics.ts';
import { IMPORTED_SOURCES, importReplayRuneHistory } from '../ingest/rune-daily-import.ts';
import { WorkShare } from '../ingest/work-share.ts';
import type { TrackedMarket } from '../markets/tracked-markets.service.ts';
import { DISCORD_SOURCE_ID } from '../sources/discord/discord-sources.ts';
import { NEWS_SOURCE_ID } from '../sources/news/news-sources.ts';
import type { Role } from './role.ts';

/** Retention in milliseconds of each text source with one; 0 days keeps its texts for ever. */
export function textRetentionMsOf(days: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(days)
      .filter(([, count]) => count > 0)
      .map(([source, count]) => [source, count * 86_400_000]),
  );
}

/**
 * Collects data from every source: backfills and streams candles, trades and top of book of
 * every tracked exchange market, repairs gaps, keeps the coverage ledger, starts or stops markets
 * added or removed through the API, and runs one collector per snapshot source (instrument
 * stats polled on an interval) and per text source.
 *
 * Any number of ingest processes share that work through leases in the store: each market and
 * each collected source is done by exactly one of them, and a dead process's share is taken over
 * once its leases expire (the new owner re-fetches the gap, so the ledger shows no hole).
 */
export const ingestRole: Role = {
  name: 'ingest',
  pausesWhileReadOnly: true,
  async start(context) {
    const { config, dataMode, metrics } = context;
    const logger = context.logger.child({ component: 'ingest' });
    const faults = new FaultReporter({
      logger,
      metrics: { faults: metrics.ingest.faults, retries: metrics.ingest.retries },
    });
    const supervisor = new IngestionSupervisor({
      store: context.store,
      bus: context.bus,
      source: (exchange) => context.sources.get(exchange),
      timeframe: config.timeframe,
      backfillDays: config.backfillDays,
      dataLabel: (exchange) => (dataMode.emulatorUrl ? `emulator:${dataMode.mode}` : `ccxt:${exchange}`),
      // Replayed or simulated data is measured against the emulator's own clock instead.
      wallClock: dataMode.emulatorUrl === null,
      clock: context.clock,
      logger,
      onPublishError: () => metrics.runtime.backgroundErrors.inc({ task: 'bus-publish' }),
      staleness: {
        timeframes: config.staleAfterTimeframes,
        graceMs: config.staleGraceSeconds * 1000,
      },
      faults,
    });
    const tracked = context.trackedMarkets;
    const collectors = new Collectors({
      sources: context.sources,
      store: context.store,
      bus: context.bus,
      clock: context.clock,
      logger,
      trackedMarkets: () => tracked.list(),
      topInstruments: config.snapshotTopInstruments,
      textRetentionMs: textRetentionMsOf({
        [DISCORD_SOURCE_ID]: config.discordRetentionDays,
        [NEWS_SOURCE_ID]: config.newsRetentionDays,
      }),
      ...(config.llmSentiment && config.llm !== null ? { llmSentiment: config.llm } : {}),
      onPublishError: () => metrics.runtime.backgroundErrors.inc({ task: 'bus-publish' }),
      faults,
    });
    // Offline on real data, the daily rune history in the replay folder is imported and tracked.
    if (dataMode.mode === 'replay' && config.replayDir !== null) {
      try {
        const imported = await importReplayRuneHistory(context.store, config.replayDir, context.clock);
        if (imported) {
          logger.info({ series: imported.series, days: imported.days }, 'imported the daily rune history');
          await tracked.refresh();
        }
      } catch (error) {
        metrics.runtime.backgroundErrors.inc({ task: 'rune-history-import' });
        logger.warn({ err: error }, 'could not import the daily rune history of the replay folder');
      }
    }
    // Markets of snapshot and text sources are their collectors' business, and imported series
    // have no live source: neither is the candle supervisor's.
    const collected = collectors.sourceIds();
    const candleMarkets = (markets: readonly TrackedMarket[]) =>
      markets.filter((market) => !collected.has(market.exchange) && !IMPORTED_SOURCES.has(market.exchange));
    await supervisor.prepareConfigured(candleMarkets(tracked.list()).filter((market) => !market.added));
    // Work keys: `market:<exchange>:<symbol>` for candle markets, `source:<id>` for collectors.
    const marketKey = (market: TrackedMarket) => `market:${market.exchange}:${market.symbol}`;
    const share = new WorkShare({
      leases: context.store.leases,
      group: 'ingest',
      ttlMs: config.ingestLeaseTtlMs,
      intervalMs: Math.max(500, Math.floor(config.ingestLeaseTtlMs / 3)),
      keys: () => [
        ...candleMarkets(tracked.list()).map(marketKey),
        ...[...collected].map((id) => `source:${id}`),
      ],
      apply: async (owned) => {
        await supervisor.sync(candleMarkets(tracked.list()).filter((market) => owned.has(marketKey(market))));
        await collectors.sync(new Set([...collected].filter((id) => owned.has(`source:${id}`))));
      },
      // The embedded store is one process's alone: leases left there are an earlier run's.
      exclusive: context.store.engine === 'pglite',
      clock: context.clock,
      logger,
      onError: () => metrics.runtime.backgroundErrors.inc({ task: 'ingest-leases' }),
    });
    const unregister = [...supervisor.healthChecks(), ...collectors.healthChecks(), share.healthCheck()].map(
      (check) => context.health.register(check),
    );
    await share.start();
    const unsubscribe = tracked.subscribe(() => share.sync());
    const stopMetrics = recordIngestMetrics({
      metrics,
      store: context.store,
      ingestions: () => supervisor.stats(),
      series: () => supervisor.series(),
      windowMs: config.backfillDays * 86_400_000,
      nowFor: (exchange) => supervisor.nowFor(exchange),
      onError: (error) => {
        metrics.runtime.backgroundErrors.inc({ task: 'ingest-metrics' });
        logger.warn({ err: error }, 'could not update ingest metrics');
      },
    });
    return {
      stop: async () => {
        unsubscribe();
        stopMetrics();
        await share.stop();
        await supervisor.stop();
        await collectors.stop();
        for (const remove of unregister) remove();
      },
    };
  },
};
