import type { FastifyInstance } from 'fastify';
import { registerGeniidataRoutes } from './geniidata.routes.ts';
import { registerOrdiscanRoutes } from './ordiscan.routes.ts';
import type { RunesContext } from './runes-providers.ts';
import { registerUnisatRoutes } from './unisat.routes.ts';

/** Mounts Ordiscan, UniSat and GeniiData under their prefixes (RUNES_PROVIDER_PATHS). */
export function registerRunesRoutes(app: FastifyInstance, context: RunesContext): void {
  registerOrdiscanRoutes(app, context);
  registerUnisatRoutes(app, context);
  registerGeniidataRoutes(app, context);
}
