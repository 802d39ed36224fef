import type { Principal } from './principal.ts';

/**
 * Whether the caller may read (`read`) or change (`change`: cancel, revoke) an object owned by
 * `ownerUserId`, such as a job or an API key. Its owner and admins may do both. An object of no
 * one (a job the scheduler started) may be read by every user and changed by admins only. Routes
 * answer 404 where reading is refused, so the ids of others' objects reveal nothing.
 */
export function mayAccessOwned(
  principal: Principal,
  ownerUserId: string | null,
  access: 'read' | 'change',
): boolean {
  if (principal.role === 'admin') return true;
  if (ownerUserId === null) return access === 'read';
  return ownerUserId === principal.userId;
}
