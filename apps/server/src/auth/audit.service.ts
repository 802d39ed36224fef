import type { AuditEntryRecord, AuditLogRepository, AuditOutcome } from '../store/audit-log.repository.ts';
import type { RequestOrigin } from './principal.ts';

export interface AuditEvent {
  actor: { userId: string; email: string | null } | null;
  action: string;
  target?: string | null;
  outcome: AuditOutcome;
  origin?: RequestOrigin;
  details?: Record<string, unknown>;
}

/** Records admin actions and failed log-ins; entries are never changed afterwards. */
export class AuditService {
  constructor(
    private readonly repository: AuditLogRepository,
    private readonly now: () => number = Date.now,
  ) {}

  async record(event: AuditEvent): Promise<void> {
    await this.repository.append({
      timeMs: this.now(),
      actorUserId: event.actor?.userId ?? null,
      actorEmail: event.actor?.email ?? null,
      action: event.action,
      target: event.target ?? null,
      outcome: event.outcome,
      ip: event.origin?.ip ?? null,
      details: event.details ?? {},
    });
  }

  list(query: { limit: number; beforeId?: number; action?: string }): Promise<AuditEntryRecord[]> {
    return this.repository.list(query);
  }
}
