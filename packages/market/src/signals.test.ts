import assert from 'node:assert/strict';
import { test } from 'node:test';
import { areNearIdenticalTitles, titleWords } from './signals.ts';

test('title words drop case, punctuation, accents and an outlet suffix, and keep prices', () => {
  assert.deepEqual(titleWords('Bitcoin Tops $70.5K — Analysts Cheer! - The Desk'), [
    'bitcoin',
    'tops',
    '$70.5k',
    'analysts',
    'cheer',
  ]);
  assert.deepEqual(titleWords('Café crypto: été'), ['cafe', 'crypto', 'ete']);
});

test('near-identical titles: the same story re-posted or syndicated, not two stories about one coin', () => {
  assert.ok(
    areNearIdenticalTitles(
      'Bitcoin tops $70K as ETF inflows jump',
      'Bitcoin Tops $70K as ETF Inflows Jump | Wire',
    ),
  );
  assert.ok(
    areNearIdenticalTitles(
      'Bitcoin tops $70K as ETF inflows jump',
      'Bitcoin tops $70K as spot ETF inflows jump',
    ),
  );
  assert.ok(
    !areNearIdenticalTitles(
      'Bitcoin tops $70K as ETF inflows jump',
      'Bitcoin falls below $60K as ETF outflows mount',
    ),
  );
  assert.ok(!areNearIdenticalTitles('ETH up', 'ETH down'));
  assert.ok(areNearIdenticalTitles('ETH up!', 'eth up'));
  assert.ok(!areNearIdenticalTitles('', ''));
});
