import assert from 'node:assert/strict';
import { test } from 'node:test';
import { textRetentionMsOf } from './ingest.role.ts';

test('text retention: days become milliseconds per source, and 0 days keeps that source for ever', () => {
  assert.deepEqual(textRetentionMsOf({ discord: 90, news: 30 }), {
    discord: 90 * 86_400_000,
    news: 30 * 86_400_000,
  });
  assert.deepEqual(textRetentionMsOf({ discord: 0, news: 90 }), { news: 90 * 86_400_000 });
  assert.deepEqual(textRetentionMsOf({ discord: 0, news: 0 }), {});
});
