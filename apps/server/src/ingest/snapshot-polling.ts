import { type Clock, ValidationError } from '@runecast/market';
import type { Bus } from '../bus/bus.port.ts';
import type { SnapshotPolling } from '../forecasting/handlers/on-demand-forecast.handler.ts';
import type { Logger } from '../observability/logger.ts';
import type { SourceRegistry } from '../sources/source-registry.ts';
import type { Store } from '../store/store.ts';
import { SnapshotCollector } from './snapshot-collector.ts';

export interface SnapshotPollingOptions {
  sources: Pick<SourceRegistry, 'ids' | 'snapshots'>;
  store: Store;
  bus: Bus | null;
  clock: Clock;
  logger: Logger;
  onPublishError?: (error: unknown) => void;
}

/**
 * One poll of one instrument, now, stored as the collector stores its polls (candle of the poll
 * slot, metric points, newest state, coverage): what an on-demand forecast of a rune starts with.
 */
export function createSnapshotPolling(options: SnapshotPollingOptions): SnapshotPolling {
  return {
    pollTimeframe: (sourceId) =>
      options.sources.ids('snapshots').includes(sourceId)
        ? options.sources.snapshots(sourceId).capabilities.pollTimeframe
        : null,
    pollNow: async (series, signal) => {
      const source = options.sources.snapshots(series.exchange);
      const batch = await source.fetchSnapshots({ symbols: [series.symbol], signal });
      if (batch.snapshots.length === 0) {
        throw new ValidationError(
          `${series.exchange} does not know ${series.symbol}: ${batch.rejected[0]?.reason ?? 'no answer for it'}`,
          { field: 'symbol' },
        );
      }
      const collector = new SnapshotCollector({
        source,
        store: options.store,
        bus: options.bus,
        clock: options.clock,
        logger: options.logger,
        symbols: () => [series.symbol],
        ...(options.onPublishError ? { onPublishError: options.onPublishError } : {}),
      });
      await collector.store(batch.snapshots);
    },
  };
}
