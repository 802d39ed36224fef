import type { ApiKeyScope } from '../store/api-key.repository.ts';
import type { UserRole } from '../store/user.repository.ts';

/** Who is calling: a logged-in user (access token) or an API key acting for its user. */
export interface Principal {
  kind: 'session' | 'api-key';
  userId: string;
  email: string;
  role: UserRole;
  /** `read` keys may only read; sessions always have `read-write`. */
  scope: ApiKeyScope;
  sessionId: string | null;
  apiKeyId: string | null;
}

/** Where a request came from, for the audit log. */
export interface RequestOrigin {
  ip: string | null;
}
