import { randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { AuthenticationError } from './auth-errors.ts';

export interface AccessTokenOptions {
  /** Lifetime of an access token. */
  ttlSeconds: number;
  issuer?: string;
  audience?: string;
  now?: () => number;
}

/** What a verified access token says. */
export interface AccessTokenClaims {
  userId: string;
  /** The log-in session (refresh-token family) it belongs to. */
  sessionId: string | null;
  tokenId: string;
  /** Millisecond issue time; JWT's own `iat` has only seconds. */
  issuedAtMs: number;
  expiresAtMs: number;
}

const ALGORITHM = 'HS256';
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Signs and verifies short-lived HS256 JWT access tokens. */
export class AccessTokenService {
  private readonly issuer: string;
  private readonly audience: string;
  private readonly now: () => number;

  constructor(
    private readonly key: Uint8Array,
    private readonly options: AccessTokenOptions,
  ) {
    if (key.length < 32) throw new RangeError('the token signing key must be at least 32 bytes');
    this.issuer = options.issuer ?? 'runecast';
    this.audience = options.audience ?? 'runecast-api';
    this.now = options.now ?? Date.now;
  }

  get ttlSeconds(): number {
    return this.options.ttlSeconds;
  }

  /** `issuedAtMs` may only move the issue time later than now (past a revocation cut-off). */
  async issue(subject: {
    userId: string;
    sessionId: string | null;
    issuedAtMs?: number;
  }): Promise<{ token: string; expiresAtMs: number }> {
    const issuedAtMs = Math.max(this.now(), subject.issuedAtMs ?? 0);
    const expiresAtSeconds = Math.floor(issuedAtMs / 1000) + this.options.ttlSeconds;
    const token = await new SignJWT({ sid: subject.sessionId, iat_ms: issuedAtMs })
      .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
      .setSubject(subject.userId)
      .setIssuer(this.issuer)
      .setAudience(this.audience)
      .setIssuedAt(Math.floor(issuedAtMs / 1000))
      .setExpirationTime(expiresAtSeconds)
      .setJti(randomUUID())
      .sign(this.key);
    return { token, expiresAtMs: expiresAtSeconds * 1000 };
  }

  /** Throws AuthenticationError saying whether the token expired or is not ours. */
  async verify(token: string): Promise<AccessTokenClaims> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: [ALGORITHM],
        issuer: this.issuer,
        audience: this.audience,
        currentDate: new Date(this.now()),
        requiredClaims: ['sub', 'exp', 'iat', 'jti'],
      });
      const userId = payload.sub ?? '';
      const sessionId = payload.sid;
      const issuedAtMs = payload.iat_ms;
      if (
        !UUID_PATTERN.test(userId) ||
        (sessionId !== null && (typeof sessionId !== 'string' || !UUID_PATTERN.test(sessionId))) ||
        typeof issuedAtMs !== 'number' ||
        !Number.isSafeInteger(issuedAtMs)
      ) {
        throw new AuthenticationError('access token is malformed');
      }
      return {
        userId,
        sessionId: sessionId ?? null,
        tokenId: payload.jti ?? '',
        issuedAtMs,
        expiresAtMs: (payload.exp ?? 0) * 1000,
      };
    } catch (error) {
      if (error instanceof AuthenticationError) throw error;
      if (error instanceof joseErrors.JWTExpired) {
        throw new AuthenticationError('access token expired; refresh it or log in again', {
          reason: 'expired',
        });
      }
      throw new AuthenticationError('access token is not valid', { reason: 'invalid' });
    }
  }
}
