import type { Principal } from '../auth/principal.ts';
import { HttpError } from './http-errors.ts';

/** What one user (not an admin) may hold at once. */
export interface UserQuotas {
  /** Jobs started through the API that are queued or running. */
  activeJobsPerUser: number;
  /** Markets added through the API. */
  trackedMarketsPerUser: number;
  /** Live streams (market and job events) open at the same time. */
  openStreamsPerUser: number;
}

export const DEFAULT_USER_QUOTAS: UserQuotas = {
  activeJobsPerUser: 10,
  trackedMarketsPerUser: 20,
  openStreamsPerUser: 10,
};

const WHAT: Record<keyof UserQuotas, { noun: string; advice: string }> = {
  activeJobsPerUser: {
    noun: 'jobs queued or running',
    advice: 'wait for one to finish or cancel one (POST /api/v1/jobs/{jobId}/cancel)',
  },
  trackedMarketsPerUser: { noun: 'markets tracked', advice: 'ask an admin to stop tracking one' },
  openStreamsPerUser: { noun: 'live streams open', advice: 'close one first' },
};

/**
 * Refuses with 429 `quota_exceeded` when the caller already holds `current` of what `quota`
 * limits. Admins have no quotas.
 */
export function enforceQuota(
  principal: Principal,
  quotas: UserQuotas,
  quota: keyof UserQuotas,
  current: number,
): void {
  if (principal.role === 'admin') return;
  const limit = quotas[quota];
  if (current < limit) return;
  const { noun, advice } = WHAT[quota];
  throw new HttpError(
    429,
    'quota_exceeded',
    `you have ${current} ${noun}, the most one user may have (${limit}); ${advice}`,
    { quota, limit, current },
  );
}
