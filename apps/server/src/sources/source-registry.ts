import { isValidExchangeId, UnsupportedError } from '@runecast/market';
import { ccxtExchangeIds } from './ccxt/ccxt-library.ts';
import { CcxtSource, type CcxtSourceOptions } from './ccxt/ccxt.source.ts';
import type { MarketDataSource } from './market-data-source.port.ts';
import type { SnapshotSource } from './snapshot-source.port.ts';
import { SOURCE_KINDS, type SourceDescription, type SourceKind } from './source-kinds.ts';
import type { TextSource } from './text-source.port.ts';

/** Settings every source the registry makes shares, unless a per-exchange entry says otherwise. */
export type SourceDefaults = Omit<CcxtSourceOptions, 'exchange' | 'apiKey' | 'secret'>;

export interface SourceRegistryOptions {
  defaults?: SourceDefaults;
  /** API keys per exchange id, for exchanges that need them even for market data. */
  credentials?: Readonly<Record<string, { apiKey: string; secret: string }>>;
}

/** Builds the candle source of one source id. */
export type SourceFactory = (exchange: string) => MarketDataSource;

/** How to make each kind a source id provides; at least one. */
export interface SourceRegistration {
  candles?: SourceFactory;
  snapshots?: () => SnapshotSource;
  text?: () => TextSource;
}

type Made = { candles?: MarketDataSource; snapshots?: SnapshotSource; text?: TextSource };

/**
 * Every source by its id, each declaring the kinds it provides (candles, snapshots, text). Every
 * ccxt exchange id provides candles without registration; `register` adds another source (a
 * runes provider, a text feed, a replay, a test double of a port) or puts one in front of ccxt
 * for an exchange id. Sources are made on first use and closed with the registry.
 */
export class SourceRegistry {
  private readonly registrations = new Map<string, SourceRegistration>();
  private readonly made = new Map<string, Made>();

  constructor(private readonly options: SourceRegistryOptions = {}) {}

  /** Ids with a candle source: every ccxt exchange and every registered candle source. */
  exchanges(): string[] {
    const registered = [...this.registrations].filter(([, entry]) => entry.candles).map(([id]) => id);
    return [...new Set([...ccxtExchangeIds(), ...registered])].sort();
  }

  /** Registers `id` with the kinds it provides (a bare factory is a candle source). */
  register(id: string, registration: SourceRegistration | SourceFactory): void {
    if (!isValidExchangeId(id)) throw new UnsupportedError(`bad source id "${id}"`);
    if (this.made.has(id)) {
      throw new UnsupportedError(`a source for ${id} is already in use; register before first use`);
    }
    const entry = typeof registration === 'function' ? { candles: registration } : registration;
    if (!entry.candles && !entry.snapshots && !entry.text) {
      throw new UnsupportedError(`source ${id} must provide candles, snapshots or text`);
    }
    this.registrations.set(id, { ...this.registrations.get(id), ...entry });
  }

  /** The registered sources with their kinds (ccxt exchanges not registered here are left out). */
  describe(): SourceDescription[] {
    return [...this.registrations.keys()].sort().map((id) => {
      const entry = this.registrations.get(id) ?? {};
      const kinds = SOURCE_KINDS.filter((kind) => entry[kind] !== undefined);
      return { id, kinds, simulated: kinds.every((kind) => this.isSimulated(id, kind)) };
    });
  }

  /** Ids of registered sources of one kind. */
  ids(kind: SourceKind): string[] {
    return [...this.registrations].filter(([, entry]) => entry[kind] !== undefined).map(([id]) => id);
  }

  /** The candle source of `exchange`, made on first use. Throws UnsupportedError for unknown ids. */
  get(exchange: string): MarketDataSource {
    const made = this.made.get(exchange)?.candles;
    if (made) return made;
    const factory = this.registrations.get(exchange)?.candles;
    if (!factory && this.registrations.has(exchange)) {
      throw new UnsupportedError(`source ${exchange} provides no candles`);
    }
    const source = factory ? factory(exchange) : this.createCcxtSource(exchange);
    this.remember(exchange, { candles: source });
    return source;
  }

  /** The snapshot source registered as `id`. */
  snapshots(id: string): SnapshotSource {
    return this.make(id, 'snapshots');
  }

  /** The text source registered as `id`. */
  text(id: string): TextSource {
    return this.make(id, 'text');
  }

  private make<K extends 'snapshots' | 'text'>(id: string, kind: K): NonNullable<Made[K]> {
    const made = this.made.get(id)?.[kind];
    if (made) return made as NonNullable<Made[K]>;
    const factory = this.registrations.get(id)?.[kind];
    if (!factory) throw new UnsupportedError(`no ${kind} source is registered as "${id}"`);
    const source = factory() as NonNullable<Made[K]>;
    if (source.id !== id) throw new UnsupportedError(`source registered as ${id} calls itself ${source.id}`);
    this.remember(id, { [kind]: source });
    return source;
  }

  private isSimulated(id: string, kind: SourceKind): boolean {
    if (kind === 'candles') return this.get(id).simulated;
    return kind === 'snapshots' ? this.snapshots(id).simulated : this.text(id).simulated;
  }

  private remember(id: string, made: Made): void {
    this.made.set(id, { ...this.made.get(id), ...made });
  }

  private createCcxtSource(exchange: string): CcxtSource {
    const credentials = this.options.credentials?.[exchange];
    return new CcxtSource({ ...this.options.defaults, ...credentials, exchange });
  }

  /** Closes every source made so far. */
  async close(): Promise<void> {
    const made = [...this.made.values()].flatMap((entry) => [entry.candles, entry.snapshots, entry.text]);
    this.made.clear();
    await Promise.all(made.map((source) => source?.close()));
  }
}

/** One ccxt source, without a registry. */
export function createMarketDataSource(options: CcxtSourceOptions): MarketDataSource {
  return new CcxtSource(options);
}
