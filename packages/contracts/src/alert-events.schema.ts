import type { z } from 'zod';
import { alertEventSchema } from './api/alerts.schema.ts';

/**
 * `alerts.fired.<ownerUserId>`: a firing the alerts role (or, for security events, an API process)
 * has just stored, announced so that API processes push it to its owner's open streams.
 */
export const alertFiredMessageSchema = alertEventSchema;
export type AlertFiredMessage = z.infer<typeof alertFiredMessageSchema>;
