import type { TextItem } from '@runecast/market';
import type {
  TextChannel,
  TextPage,
  TextSource,
  TextSourceCapabilities,
} from '../../../src/sources/text-source.port.ts';

/** A text source over fixed items per channel, paged by item id as Discord pages by snowflake. */
export class StaticTextSource implements TextSource {
  readonly kind = 'text' as const;
  readonly simulated = true;
  readonly capabilities: TextSourceCapabilities;
  private readonly items: Map<string, TextItem[]>;

  constructor(
    readonly id: string,
    items: readonly Omit<TextItem, 'source' | 'seenAtMs'>[],
    capabilities: Partial<TextSourceCapabilities> = {},
  ) {
    this.capabilities = { pollIntervalMs: 60_000, pageLimit: 3, rateLimitMs: 0, ...capabilities };
    this.items = new Map();
    for (const item of [...items].sort((a, b) => a.publishedAtMs - b.publishedAtMs)) {
      const full: TextItem = { ...item, source: id, seenAtMs: item.publishedAtMs };
      this.items.set(item.channel, [...(this.items.get(item.channel) ?? []), full]);
    }
  }

  /** Adds an item, as a new message posted to the channel. */
  post(item: Omit<TextItem, 'source' | 'seenAtMs'>): void {
    const full: TextItem = { ...item, source: this.id, seenAtMs: item.publishedAtMs };
    this.items.set(item.channel, [...(this.items.get(item.channel) ?? []), full]);
  }

  async listChannels(): Promise<TextChannel[]> {
    return [...this.items.keys()].map((id) => ({ id, name: `#${id}`, about: [] }));
  }

  async fetchItems(params: { channel: string; after?: string }): Promise<TextPage> {
    const all = this.items.get(params.channel) ?? [];
    const start = params.after === undefined ? 0 : all.findIndex((item) => item.id === params.after) + 1;
    const items = all.slice(start, start + this.capabilities.pageLimit);
    return { items, cursor: items.length === 0 ? null : (items.at(-1)?.id ?? null) };
  }

  async close(): Promise<void> {}
}
