import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyStoreError, isStoreConnectionError, StoreUnavailableError } from './store-errors.ts';

function withCode(code: string, message = 'failed'): Error {
  return Object.assign(new Error(message), { code });
}

test('connection errors of the database are told apart from faults of the query', () => {
  for (const code of ['ECONNREFUSED', 'ECONNRESET', '57P01', '57P03', '08006', '08001', '08P01']) {
    assert.equal(isStoreConnectionError(withCode(code)), true, code);
  }
  assert.equal(isStoreConnectionError(new Error('Connection terminated unexpectedly')), true);
  assert.equal(isStoreConnectionError(new Error('timeout exceeded when trying to connect')), true);
  assert.equal(
    isStoreConnectionError(
      Object.assign(new AggregateError([withCode('ECONNREFUSED')]), { code: undefined }),
    ),
    true,
  );
  for (const code of ['23505', '42P01', '22P02', '40001']) {
    assert.equal(isStoreConnectionError(withCode(code)), false, code);
  }
  assert.equal(isStoreConnectionError(new Error('syntax error at or near "SELEC"')), false);
  assert.equal(isStoreConnectionError(null), false);
});

test('a connection error becomes a StoreUnavailableError keeping its cause; others pass unchanged', () => {
  const refused = withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432');
  const classified = classifyStoreError(refused);
  assert.ok(classified instanceof StoreUnavailableError);
  assert.equal(classified.code, 'store_unavailable');
  assert.equal(classified.cause, refused);
  assert.ok(classified.retryAfterMs > 0);
  const duplicate = withCode('23505');
  assert.equal(classifyStoreError(duplicate), duplicate);
});
