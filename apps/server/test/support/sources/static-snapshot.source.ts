import { type Clock, TransientSourceError } from '@runecast/market';
import type {
  InstrumentSnapshot,
  SnapshotBatch,
  SnapshotInstrument,
  SnapshotSource,
  SnapshotSourceCapabilities,
} from '../../../src/sources/snapshot-source.port.ts';

export interface StaticInstrument {
  symbol: string;
  name: string;
  /** The price of the instrument at a time. */
  price(timeMs: number): number;
  /** Its other stats at a time. */
  metrics(timeMs: number): Record<string, number>;
}

/**
 * A snapshot source over a fixed list of instruments whose values are functions of the time a
 * clock the test controls gives; `failNext` makes the next calls fail as a provider outage would.
 */
export class StaticSnapshotSource implements SnapshotSource {
  readonly kind = 'snapshots' as const;
  readonly simulated = true;
  readonly capabilities: SnapshotSourceCapabilities;
  failures = 0;
  calls = 0;

  constructor(
    readonly id: string,
    private readonly instruments: readonly StaticInstrument[],
    private readonly clock: Clock,
    capabilities: Partial<SnapshotSourceCapabilities> = {},
  ) {
    this.capabilities = { pollTimeframe: '5m', batchLimit: 2, rateLimitMs: 0, ...capabilities };
  }

  /** The next `count` calls fail with a transient error. */
  failNext(count: number): void {
    this.failures = count;
  }

  async listInstruments(params: { limit?: number } = {}): Promise<SnapshotInstrument[]> {
    this.maybeFail();
    return this.instruments
      .slice(0, params.limit ?? this.instruments.length)
      .map((instrument) => ({ symbol: instrument.symbol, id: null, name: instrument.name, simulated: true }));
  }

  async fetchSnapshots(params: { symbols: readonly string[] }): Promise<SnapshotBatch> {
    this.maybeFail();
    const nowMs = this.clock.now();
    const snapshots: InstrumentSnapshot[] = [];
    const rejected: SnapshotBatch['rejected'] = [];
    for (const symbol of params.symbols) {
      const instrument = this.instruments.find((candidate) => candidate.symbol === symbol);
      if (!instrument) {
        rejected.push({ symbol, reason: `${this.id} lists no instrument ${symbol}` });
        continue;
      }
      snapshots.push({
        source: this.id,
        symbol,
        observedAtMs: nowMs,
        price: instrument.price(nowMs),
        metrics: instrument.metrics(nowMs),
        simulated: true,
      });
    }
    return { snapshots, rejected };
  }

  private maybeFail(): void {
    this.calls += 1;
    if (this.failures > 0) {
      this.failures -= 1;
      throw new TransientSourceError(`${this.id} answered 503`);
    }
  }

  async close(): Promise<void> {}
}
