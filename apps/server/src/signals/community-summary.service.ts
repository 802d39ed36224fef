import type { TextItemRepository } from '../store/store.port.ts';
import { type ExtractiveSummary, summariseExtractively } from './extractive-summary.ts';

/**
 * The newest items of a window a summary reads. Busy channels (a backfilled Reddit thread holds
 * tens of thousands of messages) would otherwise make one request read them all; the answer says
 * how many the window held.
 */
export const SUMMARY_ITEM_LIMIT = 2_000;

export interface SummaryWindow {
  /** Exclusive: items known after this. */
  startMs: number;
  /** Inclusive: items known at or before this. */
  endMs: number;
}

export interface SummaryScope {
  sources: readonly string[];
  channel?: string;
  /** An asset code or spaced rune name the items name. */
  mention?: string;
}

export interface WindowSummary extends ExtractiveSummary {
  window: SummaryWindow;
  itemsInWindow: number;
}

/**
 * Extractive summaries of what a channel, or everyone about one asset or rune, said in a window.
 * Point in time: only items known (the later of published and first seen) by the window's end
 * are read, so a summary of a past window never shows what was learnt later.
 */
export class CommunitySummaryService {
  constructor(private readonly textItems: TextItemRepository) {}

  async summarise(scope: SummaryScope, window: SummaryWindow, sentences: number): Promise<WindowSummary> {
    const { items, matched } = await this.textItems.listKnownItems({
      sources: scope.sources,
      ...(scope.channel === undefined ? {} : { channel: scope.channel }),
      ...(scope.mention === undefined ? {} : { mention: scope.mention }),
      knownRange: window,
      limit: SUMMARY_ITEM_LIMIT,
    });
    return { ...summariseExtractively(items, sentences), window, itemsInWindow: matched };
  }

  /** The channels of a source with items known inside the window. */
  channelsWithItems(source: string, window: SummaryWindow): Promise<string[]> {
    return this.textItems.listKnownChannels(source, window);
  }
}
