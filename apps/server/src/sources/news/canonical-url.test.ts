import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalUrl } from './canonical-url.ts';

test('one spelling for the same article: scheme, host, tracking tags, fragment, trailing slash, amp', () => {
  const canonical = 'https://example-news.test/markets/bitcoin-tops-70k';
  for (const variant of [
    'https://example-news.test/markets/bitcoin-tops-70k',
    'http://www.example-news.test/markets/bitcoin-tops-70k/',
    'https://WWW.Example-News.test:443/markets/bitcoin-tops-70k?utm_source=rss&utm_medium=feed',
    'https://example-news.test/markets/bitcoin-tops-70k#comments',
    'https://amp.example-news.test/markets/bitcoin-tops-70k/amp/',
    'https://example-news.test/markets/bitcoin-tops-70k?fbclid=abc&ref=homepage',
  ]) {
    assert.equal(canonicalUrl(variant), canonical, variant);
  }
});

test('keeps what names the page: path case, other parameters (sorted), and a different host', () => {
  assert.equal(
    canonicalUrl('https://news.test/article?page=2&id=17&utm_campaign=x'),
    'https://news.test/article?id=17&page=2',
  );
  assert.notEqual(canonicalUrl('https://news.test/Article'), canonicalUrl('https://news.test/article'));
  assert.notEqual(canonicalUrl('https://a.test/x'), canonicalUrl('https://b.test/x'));
  assert.equal(canonicalUrl('https://news.test/'), 'https://news.test/');
});

test('refuses what is not a web address', () => {
  assert.equal(canonicalUrl('not a url'), null);
  assert.equal(canonicalUrl('ftp://files.test/a'), null);
  assert.equal(canonicalUrl('javascript:alert(1)'), null);
});
