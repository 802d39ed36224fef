// One contract for every text source (Discord channels, news feeds, replays, test sources):
// items are valid, ordered, of the channel asked for, and paging by cursor neither repeats nor
// skips. Each implementation runs it with `runTextSourceContract`.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { findTextItemProblem, isValidExchangeId, type TextItem } from '@runecast/market';
import type { TextLiveEvent, TextSource } from './text-source.port.ts';

/** Makes changes in the subject channel, for a source with a live feed. */
export interface TextSourceLiveDriver {
  /** Posts a new item; returns its id. */
  create(): Promise<string>;
  edit(id: string): Promise<void>;
  remove(id: string): Promise<void>;
}

export interface TextSourceContractSubject {
  source: TextSource;
  /** A channel with more items than one page holds. */
  channel: string;
  /** For a source with a live feed: how to change the subject channel. Without it, no feed is offered. */
  live?: TextSourceLiveDriver;
  close?: () => Promise<void>;
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((wait) => setTimeout(wait, 25));
  }
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

    test('a live feed, when offered, tells of a new item, its edit and its deletion, in order', async () => {
      const driver = subject.live;
      const feed = source.liveFeed?.() ?? null;
      if (driver === undefined) {
        assert.equal(feed, null, 'a feed is offered only with a way to drive it');
        return;
      }
      assert.ok(feed, 'the source offers a live feed');
      const events: TextLiveEvent[] = [];
      await feed.start((event) => events.push(event));
      try {
        await waitFor(() => events.some((event) => event.kind === 'connected'), 'the feed to connect');
        const id = await driver.create();
        const about = () =>
          events.filter(
            (event) =>
              ('item' in event && event.item.id === id) || (event.kind === 'deleted' && event.id === id),
          );
        await waitFor(() => about().length === 1, 'the new item');
        await driver.edit(id);
        await waitFor(() => about().length === 2, 'the edit');
        await driver.remove(id);
        await waitFor(() => about().length === 3, 'the deletion');
        assert.deepEqual(
          about().map((event) => event.kind),
          ['created', 'edited', 'deleted'],
        );
        for (const event of about()) {
          if (!('item' in event)) continue;
          assert.equal(findTextItemProblem(event.item), null, JSON.stringify(event.item).slice(0, 200));
          assert.equal(event.item.source, source.id);
          assert.equal(event.item.channel, subject.channel);
        }
        const [created, edited] = about() as [
          TextLiveEvent & { kind: 'created' },
          TextLiveEvent & { kind: 'edited' },
        ];
        assert.notEqual(edited.item.body, created.item.body);
        assert.ok(edited.editedAtMs >= created.item.publishedAtMs);
        assert.deepEqual(
          events.filter((event) => event.kind === 'rejected' || event.kind === 'failed'),
          [],
        );
      } finally {
        await feed.stop();
      }
    });
  });
}
