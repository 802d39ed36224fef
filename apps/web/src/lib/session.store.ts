import { userSchema, type SessionResponse, type User } from '@runecast/contracts';
import { z } from 'zod';

/** What the dashboard keeps of a log-in: both tokens, their expiry, and who logged in. */
export interface StoredSession {
  accessToken: string;
  refreshToken: string;
  accessTokenExpiresAtMs: number;
  refreshTokenExpiresAtMs: number;
  user: User;
}

/** Why the session ended, so the log-in page can say so. */
export type SessionEndReason = 'logged-out' | 'expired' | 'disabled';

const storedSessionSchema = z.object({
  accessToken: z.string().min(1),
  refreshToken: z.string().min(1),
  accessTokenExpiresAtMs: z.number(),
  refreshTokenExpiresAtMs: z.number(),
  user: userSchema,
});

const STORAGE_KEY = 'runecast.session';

/** The small part of `Storage` the store uses; tests pass an in-memory one. */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/**
 * Holds the current session, persisted so a reload stays logged in, and tells subscribers
 * (React, the API client) when it changes, also when another tab refreshed or logged out.
 */
export class SessionStore {
  private session: StoredSession | null;
  private endReason: SessionEndReason | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly storage: KeyValueStorage | null) {
    this.session = this.read();
  }

  /** The session as last saved by any tab (tokens rotate, so another tab may be ahead of us). */
  read(): StoredSession | null {
    const text = this.storage?.getItem(STORAGE_KEY) ?? null;
    if (text === null) return null;
    try {
      const parsed = storedSessionSchema.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }

  get current(): StoredSession | null {
    return this.session;
  }

  get lastEndReason(): SessionEndReason | null {
    return this.endReason;
  }

  start(response: SessionResponse): void {
    this.save({
      accessToken: response.accessToken,
      refreshToken: response.refreshToken,
      accessTokenExpiresAtMs: response.accessTokenExpiresAtMs,
      refreshTokenExpiresAtMs: response.refreshTokenExpiresAtMs,
      user: response.user,
    });
  }

  save(session: StoredSession): void {
    this.session = session;
    this.endReason = null;
    this.storage?.setItem(STORAGE_KEY, JSON.stringify(session));
    this.emit();
  }

  updateUser(user: User): void {
    if (this.session === null) return;
    this.save({ ...this.session, user });
  }

  end(reason: SessionEndReason): void {
    if (this.session === null && this.endReason === reason) return;
    this.session = null;
    this.endReason = reason;
    this.storage?.removeItem(STORAGE_KEY);
    this.emit();
  }

  /** Takes over what another tab saved (the `storage` event). */
  syncFromStorage(): void {
    const stored = this.read();
    if (stored?.refreshToken === this.session?.refreshToken) return;
    this.session = stored;
    if (stored === null) this.endReason = 'logged-out';
    this.emit();
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): StoredSession | null => this.session;

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}
