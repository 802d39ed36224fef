import { z } from 'zod';

export const healthStateSchema = z.enum(['ok', 'degraded', 'down']);

export const dataModeSchema = z.object({
  mode: z.enum(['live', 'replay', 'simulated']),
  description: z.string(),
});
export type DataMode = z.infer<typeof dataModeSchema>;

export const componentHealthSchema = z.object({
  name: z.string(),
  state: healthStateSchema,
  reason: z.string().nullable(),
  checkedAtMs: z.int(),
  details: z.record(z.string(), z.unknown()).optional(),
});

/** `GET /health`: the process answers. */
export const liveResponseSchema = z.object({
  status: z.literal('ok'),
  uptimeSeconds: z.number(),
  dataMode: dataModeSchema,
});

/** `GET /ready`: each component's state, worst first decides `status`. */
export const readyResponseSchema = z.object({
  status: healthStateSchema,
  dataMode: dataModeSchema,
  components: z.array(componentHealthSchema),
});
export type ReadyResponse = z.infer<typeof readyResponseSchema>;
