import {
  apiErrorSchema,
  sessionResponseSchema,
  streamTicketResponseSchema,
  type SessionResponse,
} from '@runecast/contracts';
import { z } from 'zod';
import type { SessionStore } from './session.store.ts';

/** An answer of the API that was not a success, in the API's one error shape. */
export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> | null = null,
  ) {
    super(message);
    this.name = 'ApiRequestError';
  }

  /** The first field-level problem, e.g. `body.email: must be an email address`. */
  get fieldMessage(): string {
    const issues = this.details?.issues;
    if (Array.isArray(issues) && issues.length > 0) {
      const first = issues[0] as { field?: unknown; message?: unknown };
      if (typeof first.field === 'string' && typeof first.message === 'string') {
        return `${first.field.replace(/^(body|query|params)\./, '')}: ${first.message}`;
      }
    }
    return this.message;
  }
}

/** The session could not be renewed: the user has to log in again. */
export class SessionExpiredError extends ApiRequestError {
  constructor(message = 'your session has expired; log in again') {
    super(401, 'unauthorized', message);
    this.name = 'SessionExpiredError';
  }
}

/** The account was disabled by an admin: the session ends, and the user is told why. */
export class AccountDisabledError extends ApiRequestError {
  constructor(message = 'your account is disabled; ask an admin to enable it') {
    super(401, 'account_disabled', message);
    this.name = 'AccountDisabledError';
  }
}

/** Header in which the API says the caller's current role on every authenticated answer. */
const ROLE_HEADER = 'x-runecast-role';

export type QueryValue = string | number | boolean | null | undefined;

export interface RequestOptions<Schema extends z.ZodType> {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  query?: Record<string, QueryValue>;
  body?: unknown;
  /** Validates the answer; a shape the dashboard does not expect is an error, not a crash later. */
  schema: Schema;
  /** Send the access token (default true). */
  authenticated?: boolean;
  /** Statuses besides 2xx whose body is data (e.g. 503 from /ready). */
  acceptStatuses?: readonly number[];
  signal?: AbortSignal;
}

/** Renew the access token this long before it expires, so requests never race its expiry. */
const REFRESH_MARGIN_MS = 30_000;

export function buildQueryString(query: Record<string, QueryValue> | undefined): string {
  if (query === undefined) return '';
  const parameters = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    parameters.set(name, String(value));
  }
  const text = parameters.toString();
  return text.length > 0 ? `?${text}` : '';
}

/**
 * Calls the Runecast API: sends the access token, renews it with the refresh token when it is
 * about to expire or the API answers 401, validates every answer with the shared zod contract,
 * and ends the session when renewal fails.
 */
export class ApiClient {
  private refreshing: Promise<string> | null = null;

  constructor(
    private readonly sessions: SessionStore,
    private readonly baseUrl = '',
    private readonly fetchImplementation: typeof fetch = (...parameters) => fetch(...parameters),
    private readonly now: () => number = Date.now,
  ) {}

  async request<Schema extends z.ZodType>(
    path: string,
    options: RequestOptions<Schema>,
  ): Promise<z.output<Schema>> {
    const authenticated = options.authenticated ?? true;
    const token = authenticated ? await this.accessToken() : null;
    let response = await this.send(path, options, token);
    if (response.status === 401 && authenticated) {
      await this.endIfDisabled(response);
      const renewed = await this.refresh(token);
      response = await this.send(path, options, renewed);
      if (response.status === 401) {
        await this.endIfDisabled(response);
        this.sessions.end('expired');
        throw new SessionExpiredError();
      }
    }
    if (authenticated) this.noteRole(response);
    return this.read(path, response, options);
  }

  /** Takes over a role change the API reports (a demoted admin loses the admin screens at once). */
  private noteRole(response: Response): void {
    const role = response.headers.get(ROLE_HEADER);
    const session = this.sessions.current;
    if (session === null || (role !== 'admin' && role !== 'user') || role === session.user.role) return;
    this.sessions.updateUser({ ...session.user, role });
  }

  /** Ends the session as "disabled" when a 401 says the account is disabled. */
  private async endIfDisabled(response: Response): Promise<void> {
    const body = (await response
      .clone()
      .json()
      .catch(() => null)) as { error?: { code?: unknown } } | null;
    if (body?.error?.code !== 'account_disabled') return;
    this.sessions.end('disabled');
    throw new AccountDisabledError();
  }

  /**
   * A single-use ticket for one live-stream URL (`?ticket=`), asked for with the Authorization
   * header: EventSource cannot send headers, and tokens never go into URLs.
   */
  async streamTicket(): Promise<string> {
    const answer = await this.request('/api/v1/stream/tickets', {
      method: 'POST',
      schema: streamTicketResponseSchema,
    });
    return answer.ticket;
  }

  /** A valid access token, renewed first when close to expiry. */
  async accessToken(): Promise<string> {
    const session = this.sessions.current;
    if (session === null) throw new SessionExpiredError('log in to continue');
    if (session.accessTokenExpiresAtMs - this.now() > REFRESH_MARGIN_MS) return session.accessToken;
    return this.refresh(session.accessToken);
  }

  /** Starts a session from an answer of log-in, sign-up or password change. */
  startSession(response: SessionResponse): void {
    this.sessions.start(response);
  }

  /**
   * Trades the refresh token for a new pair. One renewal runs at a time: refresh tokens work
   * once, so two concurrent renewals would end the session.
   */
  refresh(staleAccessToken: string | null): Promise<string> {
    const current = this.sessions.current;
    if (current !== null && staleAccessToken !== null && current.accessToken !== staleAccessToken) {
      // Someone renewed while this request was in flight.
      return Promise.resolve(current.accessToken);
    }
    this.refreshing ??= this.renew().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async renew(): Promise<string> {
    const session = this.sessions.current;
    if (session === null) throw new SessionExpiredError('log in to continue');
    const response = await this.send(
      '/api/v1/auth/refresh',
      { method: 'POST', body: { refreshToken: session.refreshToken } },
      null,
    );
    if (!response.ok) {
      // Another tab may have rotated the refresh token first; its session is as good as ours.
      const stored = this.sessions.read();
      if (
        stored !== null &&
        stored.refreshToken !== session.refreshToken &&
        stored.accessTokenExpiresAtMs > this.now()
      ) {
        this.sessions.save(stored);
        return stored.accessToken;
      }
      if (response.status === 401 || response.status === 400) {
        await this.endIfDisabled(response);
        this.sessions.end('expired');
        throw new SessionExpiredError();
      }
      throw await this.errorFrom(response);
    }
    const renewed = await this.read('/api/v1/auth/refresh', response, { schema: sessionResponseSchema });
    this.sessions.start(renewed);
    return renewed.accessToken;
  }

  private send(
    path: string,
    options: Pick<RequestOptions<z.ZodType>, 'method' | 'query' | 'body' | 'signal'>,
    token: string | null,
  ): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    const init: RequestInit = { method: options.method ?? 'GET', headers };
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(options.body);
    }
    if (options.signal !== undefined) init.signal = options.signal;
    return this.fetchImplementation(`${this.baseUrl}${path}${buildQueryString(options.query)}`, init);
  }

  private async read<Schema extends z.ZodType>(
    path: string,
    response: Response,
    options: Pick<RequestOptions<Schema>, 'schema' | 'acceptStatuses'>,
  ): Promise<z.output<Schema>> {
    if (!response.ok && !(options.acceptStatuses ?? []).includes(response.status)) {
      throw await this.errorFrom(response);
    }
    const body: unknown = response.status === 204 ? null : await response.json();
    const parsed = options.schema.safeParse(body);
    if (!parsed.success) {
      throw new ApiRequestError(
        response.status,
        'unexpected_answer',
        `unexpected answer from ${path.split('?')[0]}: ${z.prettifyError(parsed.error)}`,
      );
    }
    return parsed.data;
  }

  private async errorFrom(response: Response): Promise<ApiRequestError> {
    const text = await response.text().catch(() => '');
    try {
      const parsed = apiErrorSchema.safeParse(JSON.parse(text));
      if (parsed.success) {
        const { code, message, details } = parsed.data.error;
        return new ApiRequestError(response.status, code, message, details);
      }
    } catch {
      // Not JSON: a proxy or the network answered, not the API.
    }
    return new ApiRequestError(
      response.status,
      'http_error',
      `the server answered ${response.status} ${response.statusText}`.trim(),
    );
  }
}
