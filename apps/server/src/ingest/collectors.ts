import type { Clock } from '@runecast/market';
import type { Bus } from '../bus/bus.port.ts';
import type { TrackedMarket } from '../markets/tracked-markets.service.ts';
import type { HealthCheck } from '../observability/health.ts';
import type { Logger } from '../observability/logger.ts';
import type { SourceRegistry } from '../sources/source-registry.ts';
import type { Store } from '../store/store.ts';
import type { ChatEndpoint } from '../signals/chat-client.ts';
import { LexiconSentimentScorer } from '../signals/lexicon.scorer.ts';
import { LlmSentimentScorer } from '../signals/llm-sentiment.scorer.ts';
import { subjectOf } from '../signals/market-mentions.ts';
import { TextAnalyser } from '../signals/text-analysis.ts';
import type { IngestFaultListener } from './fault-reporter.ts';
import { SnapshotCollector } from './snapshot-collector.ts';
import { TextCollector } from './text-collector.ts';
import { textMetricMarketOf, TextMetricsWriter } from './text-metrics-writer.ts';

export interface CollectorsOptions {
  sources: SourceRegistry;
  store: Store;
  bus: Bus;
  clock: Clock;
  logger: Logger;
  /** The tracked markets now; those of a snapshot source are polled by its collector. */
  trackedMarkets(): readonly TrackedMarket[];
  /** Instruments of each snapshot source polled besides the tracked ones, most important first. */
  topInstruments: number;
  /** How long each text source's texts are kept, by source id; for ever for a source not named. */
  textRetentionMs?: Readonly<Record<string, number>>;
  /** A chat endpoint that scores new text items (lexicon-v1 when it fails); lexicon-v1 alone when absent. */
  llmSentiment?: ChatEndpoint;
  onPublishError?: (error: unknown) => void;
  /** Told of every provider or feed fault of a collector and of its recovery. */
  faults?: IngestFaultListener;
}

/** How often a snapshot source's instrument list (and so its top instruments) is read again. */
const INSTRUMENT_LIST_REFRESH_MS = 60 * 60_000;

/**
 * One collector per registered snapshot source and per registered text source, each running
 * until stopped. Candle sources are not here: the ingestion supervisor runs those.
 */
export class Collectors {
  private readonly snapshotCollectors: SnapshotCollector[] = [];
  private readonly textCollectors: TextCollector[] = [];
  private readonly running = new Map<string, { controller: AbortController; run: Promise<void> }>();
  private created = false;

  constructor(private readonly options: CollectorsOptions) {}

  /** Starts every collector. */
  start(): void {
    this.create();
    this.runOnly(new Set(this.sourceIds()));
  }

  /**
   * Runs the collectors of these source ids and stops the others (when several ingest processes
   * share the sources, each runs those it holds the lease of).
   */
  async sync(sourceIds: ReadonlySet<string>): Promise<void> {
    this.create();
    const stopping = [...this.running.entries()].filter(([id]) => !sourceIds.has(id));
    for (const [id, running] of stopping) {
      running.controller.abort();
      this.running.delete(id);
    }
    await Promise.all(stopping.map(([, running]) => running.run));
    this.runOnly(sourceIds);
  }

  private runOnly(sourceIds: ReadonlySet<string>): void {
    const { logger } = this.options;
    const started: string[] = [];
    for (const collector of [...this.snapshotCollectors, ...this.textCollectors]) {
      const id = collector.sourceId;
      if (!sourceIds.has(id) || this.running.has(id)) continue;
      const controller = new AbortController();
      const run = collector.run(controller.signal).catch((error: unknown) => {
        logger.error({ err: error, source: id }, 'collector stopped');
      });
      this.running.set(id, { controller, run });
      started.push(id);
    }
    if (started.length > 0) logger.info({ sources: started }, 'collectors started');
  }

  private create(): void {
    if (this.created) return;
    this.created = true;
    const { sources, store, bus, clock, logger } = this.options;
    for (const id of sources.ids('snapshots')) {
      const source = sources.snapshots(id);
      let top: { symbols: string[]; readAtMs: number } | null = null;
      const listed = new Map<string, { id: string | null; name: string }>();
      const symbols = async (): Promise<string[]> => {
        if (
          this.options.topInstruments > 0 &&
          (top === null || clock.now() - top.readAtMs > INSTRUMENT_LIST_REFRESH_MS)
        ) {
          const instruments = await source.listInstruments({ limit: this.options.topInstruments });
          for (const instrument of instruments) {
            listed.set(instrument.symbol, { id: instrument.id, name: instrument.name });
          }
          top = { symbols: instruments.map((instrument) => instrument.symbol), readAtMs: clock.now() };
        }
        const tracked = this.options
          .trackedMarkets()
          .filter((market) => market.exchange === id)
          .map((market) => market.symbol);
        return [...new Set([...tracked, ...(top?.symbols ?? [])])];
      };
      this.snapshotCollectors.push(
        new SnapshotCollector({
          source,
          store,
          bus,
          clock,
          logger,
          symbols,
          instrumentOf: (symbol) => listed.get(symbol),
          ...(this.options.faults ? { faults: this.options.faults } : {}),
          ...(this.options.onPublishError ? { onPublishError: this.options.onPublishError } : {}),
        }),
      );
    }
    // Every text item is scored and tagged with the markets it names; each tracked market gets
    // text metrics of every text source.
    const trackedSubjects = () =>
      this.options
        .trackedMarkets()
        .map((market) => subjectOf(market.symbol))
        .filter((subject): subject is string => subject !== null);
    const analyser = new TextAnalyser(new LexiconSentimentScorer(), trackedSubjects);
    const batchScorer = this.options.llmSentiment ? new LlmSentimentScorer(this.options.llmSentiment) : null;
    for (const id of sources.ids('text')) {
      const source = sources.text(id);
      const retentionMs = this.options.textRetentionMs?.[id];
      this.textCollectors.push(
        new TextCollector({
          source,
          store,
          clock,
          logger,
          analyse: (item, channel) => analyser.analyse(item, [...channel.about, ...(item.about ?? [])]),
          ...(retentionMs === undefined ? {} : { retentionMs }),
          ...(batchScorer === null ? {} : { batchScorer }),
          ...(this.options.faults ? { faults: this.options.faults } : {}),
          metrics: new TextMetricsWriter({
            sourceId: id,
            store,
            markets: () => this.options.trackedMarkets().map((market) => textMetricMarketOf(market.symbol)),
            maxGapMs: 2 * source.capabilities.pollIntervalMs,
            bus,
            ...(this.options.onPublishError ? { onPublishError: this.options.onPublishError } : {}),
          }),
        }),
      );
    }
  }

  /** Ids of the sources these collectors serve; their tracked markets are not candle markets. */
  sourceIds(): Set<string> {
    this.create();
    return new Set(
      [...this.snapshotCollectors, ...this.textCollectors].map((collector) => collector.sourceId),
    );
  }

  /** One check per source; a source another ingest process collects is not this one's to judge. */
  healthChecks(): HealthCheck[] {
    this.create();
    return [...this.snapshotCollectors, ...this.textCollectors].map((collector) => {
      const check = collector.healthCheck();
      return {
        ...check,
        check: async () =>
          this.running.has(collector.sourceId)
            ? check.check()
            : { state: 'ok', reason: null, details: { collectedHere: false } },
      };
    });
  }

  async stop(): Promise<void> {
    await this.sync(new Set());
  }
}
