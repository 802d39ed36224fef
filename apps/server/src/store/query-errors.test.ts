import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openDatabase } from './db.ts';

test('a failed PGlite query does not carry its parameters out of the store', async () => {
  const database = await openDatabase();
  try {
    await database.query('CREATE TABLE notes (body text)');
    const error = await database
      .query('INSERT INTO notes (body) VALUES ($1), ($2)', ['$argon2id$secret-hash', 'a\u0000b'])
      .then(
        () => null,
        (failure: unknown) => failure as Record<string, unknown>,
      );
    assert.ok(error, 'a NUL in text must fail');
    assert.equal(error.params, '[2 parameters, not shown]');
    assert.ok(!('queryOptions' in error));
    assert.ok(!JSON.stringify(error).includes('secret-hash'));
  } finally {
    await database.close();
  }
});
