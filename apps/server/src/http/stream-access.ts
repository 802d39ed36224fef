import { AccountDisabledError, AuthenticationError } from '../auth/auth-errors.ts';
import type { Authenticator, PrincipalGrant } from '../auth/authenticator.ts';
import type { Principal } from '../auth/principal.ts';
import type { EventStream } from './server-sent-events.ts';

interface WatchedStream {
  grant: PrincipalGrant;
  stream: EventStream;
}

/**
 * Keeps open live streams honest about who may still read them. Each stream is checked against
 * its caller's current state when that caller's access changes in this process (disabled,
 * deleted, password changed, logged out everywhere, key revoked) and every `recheckIntervalMs`
 * (a change made by another API process is seen then). A stream whose caller lost access gets an
 * `error` event with code `unauthorized` and is closed.
 */
export class StreamAccessMonitor {
  private readonly streams = new Set<WatchedStream>();
  private readonly timer: NodeJS.Timeout;
  private readonly now: () => number;

  constructor(
    private readonly authenticator: Authenticator,
    options: { recheckIntervalMs: number; now?: () => number; onError?: (error: unknown) => void },
  ) {
    this.now = options.now ?? Date.now;
    this.timer = setInterval(() => {
      void this.recheck(() => true).catch((error: unknown) => options.onError?.(error));
    }, options.recheckIntervalMs);
    this.timer.unref();
    authenticator.onAccessChange((userId) => {
      void this.recheck((grant) => grant.userId === userId).catch((error: unknown) =>
        options.onError?.(error),
      );
    });
  }

  /** Watches `stream`, opened by `principal`, until it closes. */
  watch(principal: Principal, stream: EventStream): void {
    const watched: WatchedStream = {
      grant: {
        kind: principal.kind,
        userId: principal.userId,
        sessionId: principal.sessionId,
        apiKeyId: principal.apiKeyId,
        scope: principal.scope,
        grantedAtMs: this.now(),
      },
      stream,
    };
    this.streams.add(watched);
    stream.onClose(() => this.streams.delete(watched));
  }

  /** Open streams watched, for metrics and quotas. */
  countFor(userId: string): number {
    let count = 0;
    for (const watched of this.streams)
      if (watched.grant.userId === userId && !watched.stream.closed) count += 1;
    return count;
  }

  private async recheck(matches: (grant: PrincipalGrant) => boolean): Promise<void> {
    const chosen = [...this.streams].filter((watched) => matches(watched.grant));
    await Promise.all(
      chosen.map(async (watched) => {
        try {
          await this.authenticator.revalidate(watched.grant);
        } catch (error) {
          if (!(error instanceof AuthenticationError || error instanceof AccountDisabledError)) throw error;
          watched.stream.send('error', { code: error.code, message: `access ended: ${error.message}` });
          watched.stream.close();
        }
      }),
    );
  }

  close(): void {
    clearInterval(this.timer);
    this.streams.clear();
  }
}
