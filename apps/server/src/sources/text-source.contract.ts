// One contract for every text source (Discord channels, news feeds, replays, test sources):
// items are valid, ordered, of the channel asked for, and paging by cursor neither repeats nor
// skips. Each implementation runs it with `runTextSourceContract`.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { findTextItemProblem, isValidExchangeId, type TextItem } from '@runecast/market';
import type { TextSource } from './text-source.port.ts';

export interface TextSourceContractSubject {
  source: TextSource;
  /** A channel with more items than one page holds. */
  channel: string;
  close?: () => Promise<void>;
}

export function runTextSourceContract(name: string, open: () => Promise<TextSourceContractSubject>): void {
  describe(`text source contract: ${name}`, () => {
    let subject: TextSourceContractSubject;
    let source: TextSource;

    before(async () => {
      subject = await open();
      source = subject.source;
    });

    after(async () => {
      await source?.close();
      await subject?.close?.();
    });

    test('declares an id, the text kind and sane limits', () => {
      assert.ok(isValidExchangeId(source.id), source.id);
      assert.equal(source.kind, 'text');
      assert.ok(source.capabilities.pollIntervalMs > 0);
      assert.ok(Number.isSafeInteger(source.capabilities.pageLimit) && source.capabilities.pageLimit > 0);
      assert.ok(source.capabilities.rateLimitMs >= 0);
    });

    test('lists distinct channels, the subject among them', async () => {
      const channels = await source.listChannels();
      assert.ok(channels.some((channel) => channel.id === subject.channel));
      assert.equal(new Set(channels.map((channel) => channel.id)).size, channels.length);
      for (const channel of channels) assert.ok(channel.name.length > 0);
    });

    test('pages through a channel oldest first, valid items, no repeats, until the cursor ends', async () => {
      const seen: TextItem[] = [];
      let after: string | undefined;
      for (let page = 0; page < 1_000; page += 1) {
        const result = await source.fetchItems({ channel: subject.channel, ...(after ? { after } : {}) });
        assert.ok(result.items.length <= source.capabilities.pageLimit);
        for (const item of result.items) {
          assert.equal(findTextItemProblem(item), null, JSON.stringify(item).slice(0, 200));
          assert.equal(item.source, source.id);
          assert.equal(item.channel, subject.channel);
        }
        seen.push(...result.items);
        if (result.cursor === null) break;
        assert.equal(result.cursor, result.items.at(-1)?.id, 'the cursor is the newest item of the page');
        after = result.cursor;
      }
      assert.ok(seen.length > source.capabilities.pageLimit, 'the subject channel spans pages');
      assert.equal(new Set(seen.map((item) => item.id)).size, seen.length, 'no item twice');
      for (let index = 1; index < seen.length; index += 1) {
        assert.ok((seen[index]?.publishedAtMs ?? 0) >= (seen[index - 1]?.publishedAtMs ?? 0), 'oldest first');
      }
      const last = seen.at(-1);
      assert.ok(last);
      const nothingNewer = await source.fetchItems({ channel: subject.channel, after: last.id });
      assert.deepEqual(nothingNewer.items, []);
      assert.equal(nothingNewer.cursor, null);
    });
  });
}
