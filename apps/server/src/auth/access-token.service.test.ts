import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { AccessTokenService } from './access-token.service.ts';
import { AuthenticationError } from './auth-errors.ts';

const subject = { userId: randomUUID(), sessionId: randomUUID() };

test('an access token carries user, session and millisecond issue time, and expires', async () => {
  const key = randomBytes(64);
  let nowMs = Date.UTC(2025, 0, 1, 12);
  const service = new AccessTokenService(key, { ttlSeconds: 900, now: () => nowMs });
  const { token, expiresAtMs } = await service.issue(subject);
  assert.equal(expiresAtMs, nowMs + 900_000);
  const claims = await service.verify(token);
  assert.equal(claims.userId, subject.userId);
  assert.equal(claims.sessionId, subject.sessionId);
  assert.equal(claims.issuedAtMs, nowMs);
  nowMs += 901_000;
  await assert.rejects(service.verify(token), (error: unknown) => {
    assert.ok(error instanceof AuthenticationError);
    assert.match(error.message, /expired/);
    return true;
  });
});

test('tokens of another key, issuer or audience are refused', async () => {
  const key = randomBytes(64);
  const service = new AccessTokenService(key, { ttlSeconds: 60 });
  for (const other of [
    new AccessTokenService(randomBytes(64), { ttlSeconds: 60 }),
    new AccessTokenService(key, { ttlSeconds: 60, issuer: 'elsewhere' }),
    new AccessTokenService(key, { ttlSeconds: 60, audience: 'another-api' }),
  ]) {
    await assert.rejects(service.verify((await other.issue(subject)).token), /not valid/);
  }
  await assert.rejects(service.verify('not.a.token'), AuthenticationError);
  assert.throws(() => new AccessTokenService(randomBytes(16), { ttlSeconds: 60 }), /at least 32 bytes/);
});
