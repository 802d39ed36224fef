import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { NotFoundError } from '@runecast/market';
import type {
  RefreshTokenRecord,
  UserPatch,
  UserRecord,
  UserRepository,
  UserRole,
} from '../store/user.repository.ts';
import type { AccessTokenService } from './access-token.service.ts';
import type { ApiKeyService } from './api-key.service.ts';
import type { AuditService } from './audit.service.ts';
import {
  AccountDisabledError,
  AuthenticationError,
  ConflictError,
  LoginThrottledError,
  PermissionError,
} from './auth-errors.ts';
import type { Authenticator } from './authenticator.ts';
import { LoginThrottle, type LoginBurst, type LoginThrottlePolicy } from './login-throttle.ts';
import { generatePassword, type PasswordHasher } from './password-hasher.ts';
import type { Principal, RequestOrigin } from './principal.ts';

/** A user as the API shows it: no hash, no counters. */
export interface PublicUser {
  id: string;
  email: string;
  displayName: string | null;
  role: UserRole;
  disabled: boolean;
  createdAtMs: number;
  lastLoginAtMs: number | null;
}

export interface Session {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  accessTokenExpiresAtMs: number;
  refreshTokenExpiresAtMs: number;
  user: PublicUser;
}

export interface AccountPolicy {
  /** Sign-up allowed unless an admin changed the setting (off unless configured: emails are not checked). */
  signupEnabledByDefault: boolean;
  refreshTokenTtlMs: number;
  /** Growing delays after failed log-ins, by address and by (address, account). */
  loginThrottle: Partial<LoginThrottlePolicy>;
}

export const DEFAULT_ACCOUNT_POLICY: AccountPolicy = {
  signupEnabledByDefault: false,
  refreshTokenTtlMs: 30 * 24 * 3_600_000,
  loginThrottle: {},
};

export interface AccountServiceOptions {
  users: UserRepository;
  passwords: PasswordHasher;
  accessTokens: AccessTokenService;
  authenticator: Authenticator;
  audit: AuditService;
  /** Revoked with the sessions on a password change, log-out everywhere (when asked) and disabling. */
  apiKeys: Pick<ApiKeyService, 'revokeAll'>;
  policy?: Partial<AccountPolicy>;
  /** Told of each burst of failed log-ins (once per address or email and window). */
  onLoginBurst?: (burst: LoginBurst) => void;
  now?: () => number;
}

const SIGNUP_SETTING = 'signup_enabled';
const REFRESH_TOKEN_PREFIX = 'rcr_';
const WRONG_CREDENTIALS = 'email or password is wrong';

function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function toPublicUser(user: UserRecord): PublicUser {
  return {
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    role: user.role,
    disabled: user.disabled,
    createdAtMs: user.createdAtMs,
    lastLoginAtMs: user.lastLoginAtMs,
  };
}

/**
 * Accounts and sessions: sign-up, log-in slowed down after failures, rotating refresh tokens, log-out,
 * profile and password changes, and what admins do to users.
 */
export class AccountService {
  private readonly policy: AccountPolicy;
  private readonly now: () => number;
  private readonly users: UserRepository;
  private readonly loginThrottle: LoginThrottle;

  constructor(private readonly options: AccountServiceOptions) {
    this.policy = { ...DEFAULT_ACCOUNT_POLICY, ...options.policy };
    this.now = options.now ?? Date.now;
    this.users = options.users;
    this.loginThrottle = new LoginThrottle(this.policy.loginThrottle);
  }

  // --- sessions --------------------------------------------------------------------------

  async signup(
    input: { email: string; password: string; displayName?: string },
    origin: RequestOrigin,
  ): Promise<Session> {
    if (!(await this.isSignupEnabled())) {
      await this.options.audit.record({
        actor: null,
        action: 'auth.signup',
        target: input.email,
        outcome: 'failure',
        origin,
        details: { reason: 'signup_disabled' },
      });
      throw new PermissionError('sign-up is turned off; ask an admin for an account');
    }
    const user = await this.users.createUser({
      id: randomUUID(),
      email: input.email,
      displayName: input.displayName ?? null,
      passwordHash: await this.options.passwords.hash(input.password),
      role: 'user',
      nowMs: this.now(),
    });
    return this.startSession(user);
  }

  /**
   * Checks email and password. Failures slow down the address that makes them (by account and
   * overall), never the account itself: the right password from another address gets in. An
   * unknown email is answered exactly like a wrong password, throttling included.
   */
  async login(input: { email: string; password: string }, origin: RequestOrigin): Promise<Session> {
    const nowMs = this.now();
    const address = origin.ip ?? 'unknown';
    const waitMs = this.loginThrottle.retryAfterMs(address, input.email, nowMs);
    if (waitMs > 0) {
      for (const burst of this.loginThrottle.recordRefused(address, input.email, nowMs)) {
        this.options.onLoginBurst?.(burst);
      }
      await this.options.audit.record({
        actor: null,
        action: 'auth.login',
        target: input.email,
        outcome: 'failure',
        origin,
        details: { reason: 'throttled', retryAfterMs: waitMs },
      });
      throw new LoginThrottledError(waitMs);
    }
    const user = await this.users.findByEmail(input.email);
    const fail = async (reason: string) => {
      for (const burst of this.loginThrottle.recordFailure(address, input.email, nowMs)) {
        this.options.onLoginBurst?.(burst);
      }
      await this.options.audit.record({
        actor: user ? { userId: user.id, email: user.email } : null,
        action: 'auth.login',
        target: input.email,
        outcome: 'failure',
        origin,
        details: { reason },
      });
    };
    if (user === null) {
      await this.options.passwords.verifyDummy(input.password);
      await fail('unknown_email');
      throw new AuthenticationError(WRONG_CREDENTIALS);
    }
    if (!(await this.options.passwords.verify(user.passwordHash, input.password))) {
      await fail('wrong_password');
      throw new AuthenticationError(WRONG_CREDENTIALS);
    }
    this.loginThrottle.recordSuccess(address, input.email);
    if (user.disabled) {
      await this.options.audit.record({
        actor: { userId: user.id, email: user.email },
        action: 'auth.login',
        target: input.email,
        outcome: 'failure',
        origin,
        details: { reason: 'disabled' },
      });
      throw new AccountDisabledError();
    }
    await this.users.recordLoginSuccess(user.id, nowMs);
    return this.startSession({ ...user, lastLoginAtMs: nowMs });
  }

  /**
   * Trades a refresh token for a new pair. Each refresh token works once: presenting a used one
   * again means it was copied, so the whole session ends.
   */
  async refresh(refreshToken: string, origin: RequestOrigin): Promise<Session> {
    const nowMs = this.now();
    const record = refreshToken.startsWith(REFRESH_TOKEN_PREFIX)
      ? await this.users.findRefreshToken(hashRefreshToken(refreshToken))
      : null;
    if (record === null) throw new AuthenticationError('refresh token is not valid');
    if (record.revokedAtMs !== null) throw new AuthenticationError('this session has ended; log in again');
    if (record.expiresAtMs <= nowMs) throw new AuthenticationError('refresh token expired; log in again');
    const claimed = record.usedAtMs === null && (await this.users.useRefreshToken(record.id, nowMs));
    if (!claimed) {
      await this.users.revokeFamily(record.familyId, nowMs);
      this.options.authenticator.forgetUser(record.userId);
      await this.options.audit.record({
        actor: { userId: record.userId, email: null },
        action: 'auth.refresh',
        target: record.userId,
        outcome: 'failure',
        origin,
        details: { reason: 'refresh_token_reused', sessionId: record.familyId },
      });
      throw new AuthenticationError('refresh token was already used; the session has ended, log in again');
    }
    const user = await this.users.findById(record.userId);
    if (user === null || user.disabled) {
      await this.users.revokeFamily(record.familyId, nowMs);
      throw new AccountDisabledError();
    }
    return this.issueTokens(user, record.familyId);
  }

  /** Ends this session, or every one (`allSessions`), and with `revokeApiKeys` every API key too. */
  async logout(
    principal: Principal,
    input: { refreshToken?: string; allSessions?: boolean; revokeApiKeys?: boolean },
  ): Promise<void> {
    const nowMs = this.now();
    if (input.allSessions) {
      await this.users.revokeUserSessions(principal.userId, nowMs);
      await this.users.updateUser(principal.userId, { tokensValidAfterMs: nowMs + 1 }, nowMs);
      if (input.revokeApiKeys) await this.options.apiKeys.revokeAll(principal.userId);
    } else {
      let familyId = principal.sessionId;
      if (input.refreshToken !== undefined) {
        const record = await this.users.findRefreshToken(hashRefreshToken(input.refreshToken));
        if (record !== null && record.userId === principal.userId) familyId = record.familyId;
      }
      if (familyId !== null) await this.users.revokeFamily(familyId, nowMs);
    }
    this.options.authenticator.forgetUser(principal.userId);
  }

  private async startSession(user: UserRecord): Promise<Session> {
    return this.issueTokens(user, randomUUID());
  }

  private async issueTokens(user: UserRecord, familyId: string, issuedAtMs?: number): Promise<Session> {
    const nowMs = Math.max(this.now(), issuedAtMs ?? 0);
    const refreshToken = `${REFRESH_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const record: RefreshTokenRecord = {
      id: randomUUID(),
      userId: user.id,
      familyId,
      tokenHash: hashRefreshToken(refreshToken),
      createdAtMs: nowMs,
      expiresAtMs: nowMs + this.policy.refreshTokenTtlMs,
      usedAtMs: null,
      revokedAtMs: null,
    };
    await this.users.insertRefreshToken(record);
    const access = await this.options.accessTokens.issue({
      userId: user.id,
      sessionId: familyId,
      issuedAtMs: nowMs,
    });
    return {
      accessToken: access.token,
      refreshToken,
      tokenType: 'Bearer',
      accessTokenExpiresAtMs: access.expiresAtMs,
      refreshTokenExpiresAtMs: record.expiresAtMs,
      user: toPublicUser(user),
    };
  }

  // --- the caller's own account ------------------------------------------------------------

  async me(userId: string): Promise<PublicUser> {
    return toPublicUser(await this.requireUser(userId));
  }

  async updateMe(
    userId: string,
    patch: { email?: string; displayName?: string | null },
  ): Promise<PublicUser> {
    const updated = await this.users.updateUser(userId, patch, this.now());
    if (updated === null) throw new NotFoundError('this account no longer exists');
    this.options.authenticator.forgetUser(userId);
    return toPublicUser(updated);
  }

  /**
   * Ends every other session and returns a fresh one. API keys are revoked too unless
   * `revokeApiKeys` is false: whoever learnt the old password may have made one.
   */
  async changePassword(
    principal: Principal,
    input: { currentPassword: string; newPassword: string; revokeApiKeys?: boolean },
    origin: RequestOrigin,
  ): Promise<Session> {
    const user = await this.requireUser(principal.userId);
    if (!(await this.options.passwords.verify(user.passwordHash, input.currentPassword))) {
      await this.options.audit.record({
        actor: principal,
        action: 'auth.change_password',
        target: user.id,
        outcome: 'failure',
        origin,
        details: { reason: 'wrong_password' },
      });
      throw new AuthenticationError('current password is wrong', { field: 'currentPassword' });
    }
    const nowMs = this.now();
    // Every token issued up to now is refused from now on; the new session's starts after the cut.
    const cutoffMs = nowMs + 1;
    const updated = await this.users.updateUser(
      user.id,
      { passwordHash: await this.options.passwords.hash(input.newPassword), tokensValidAfterMs: cutoffMs },
      nowMs,
    );
    await this.users.revokeUserSessions(user.id, nowMs);
    const revokedKeys = input.revokeApiKeys === false ? 0 : await this.options.apiKeys.revokeAll(user.id);
    this.options.authenticator.forgetUser(user.id);
    await this.options.audit.record({
      actor: principal,
      action: 'auth.change_password',
      target: user.id,
      outcome: 'success',
      origin,
      details: { revokedApiKeys: revokedKeys },
    });
    return this.issueTokens(updated ?? user, randomUUID(), cutoffMs);
  }

  // --- administration ----------------------------------------------------------------------

  async listUsers(query: { limit: number; offset: number; search?: string }): Promise<{
    users: PublicUser[];
    total: number;
  }> {
    const result = await this.users.listUsers(query);
    return { users: result.users.map(toPublicUser), total: result.total };
  }

  async createUser(
    actor: Principal | null,
    input: { email: string; password?: string; role: UserRole; displayName?: string },
    origin: RequestOrigin,
  ): Promise<{ user: PublicUser; generatedPassword: string | null }> {
    const generatedPassword = input.password === undefined ? generatePassword() : null;
    const user = await this.users.createUser({
      id: randomUUID(),
      email: input.email,
      displayName: input.displayName ?? null,
      passwordHash: await this.options.passwords.hash(input.password ?? generatedPassword!),
      role: input.role,
      nowMs: this.now(),
    });
    await this.options.audit.record({
      actor,
      action: 'user.create',
      target: user.id,
      outcome: 'success',
      origin,
      details: { email: user.email, role: user.role },
    });
    return { user: toPublicUser(user), generatedPassword };
  }

  async updateUser(
    actor: Principal,
    userId: string,
    patch: { role?: UserRole; disabled?: boolean },
    origin: RequestOrigin,
  ): Promise<PublicUser> {
    const user = await this.requireUser(userId);
    const losesAdmin =
      user.role === 'admin' && !user.disabled && (patch.role === 'user' || patch.disabled === true);
    if (losesAdmin && (await this.users.countActiveAdmins()) <= 1) {
      throw new ConflictError('this is the last active admin; make another admin first', {
        field: patch.role === 'user' ? 'role' : 'disabled',
      });
    }
    const nowMs = this.now();
    const change: UserPatch = { ...patch };
    if (patch.disabled === true && !user.disabled) change.tokensValidAfterMs = nowMs + 1;
    const updated = await this.users.updateUser(userId, change, nowMs);
    if (updated === null) throw new NotFoundError(`no user ${userId}`);
    // A disabled account's keys are revoked, so enabling it again does not bring them back.
    const revokedKeys = patch.disabled === true ? await this.options.apiKeys.revokeAll(userId) : 0;
    if (patch.disabled === true) await this.users.revokeUserSessions(userId, nowMs);
    this.options.authenticator.forgetUser(userId);
    await this.options.audit.record({
      actor,
      action: 'user.update',
      target: userId,
      outcome: 'success',
      origin,
      details: { email: user.email, ...patch, ...(revokedKeys > 0 ? { revokedApiKeys: revokedKeys } : {}) },
    });
    return toPublicUser(updated);
  }

  async deleteUser(actor: Principal, userId: string, origin: RequestOrigin): Promise<void> {
    const user = await this.requireUser(userId);
    if (user.role === 'admin' && !user.disabled && (await this.users.countActiveAdmins()) <= 1) {
      throw new ConflictError('this is the last active admin; make another admin first');
    }
    await this.users.deleteUser(userId);
    this.options.authenticator.forgetUser(userId);
    await this.options.audit.record({
      actor,
      action: 'user.delete',
      target: userId,
      outcome: 'success',
      origin,
      details: { email: user.email },
    });
  }

  async isSignupEnabled(): Promise<boolean> {
    const stored = await this.users.getSetting(SIGNUP_SETTING);
    return typeof stored === 'boolean' ? stored : this.policy.signupEnabledByDefault;
  }

  async setSignupEnabled(actor: Principal, enabled: boolean, origin: RequestOrigin): Promise<void> {
    await this.users.setSetting(SIGNUP_SETTING, enabled, this.now());
    await this.options.audit.record({
      actor,
      action: 'settings.update',
      target: SIGNUP_SETTING,
      outcome: 'success',
      origin,
      details: { signupEnabled: enabled },
    });
  }

  /**
   * On a store with no users, creates the first admin: with the given password, or a generated
   * one that is returned (to be shown once). Returns null when users already exist.
   */
  async bootstrapAdmin(input: {
    email: string;
    password?: string;
  }): Promise<{ user: PublicUser; generatedPassword: string | null } | null> {
    if ((await this.users.countUsers()) > 0) return null;
    try {
      return await this.createUser(
        null,
        { email: input.email, password: input.password, role: 'admin' },
        { ip: null },
      );
    } catch (error) {
      // Another process bootstrapped the same admin at the same moment.
      if (error instanceof Error && 'code' in error && error.code === 'conflict') return null;
      throw error;
    }
  }

  private async requireUser(userId: string): Promise<UserRecord> {
    const user = await this.users.findById(userId);
    if (user === null) throw new NotFoundError(`no user ${userId}`);
    return user;
  }
}
