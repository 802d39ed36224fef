import {
  logLevelNames,
  logLevelNumbers,
  logsQuerySchema,
  logsResponseSchema,
  type LogLevelName,
} from '@runecast/contracts';
import type { RouteModule } from '../api-context.ts';

/** pino level number → name; numbers between names round down. */
function levelName(level: number): LogLevelName {
  let name: LogLevelName = 'trace';
  for (const candidate of logLevelNames) if (level >= logLevelNumbers[candidate]) name = candidate;
  return name;
}

/** Structured logs of every Runecast process: admins only. */
export const logRoutes: RouteModule = {
  name: 'logs',
  register(app, context) {
    app.get(
      '/logs',
      {
        config: { access: 'admin' },
        schema: {
          tags: ['logs'],
          summary: 'Structured logs by time, lowest level, component and text; newest first',
          querystring: logsQuerySchema,
          response: { 200: logsResponseSchema },
        },
      },
      async (request) => {
        const query = request.query;
        const limit = query.limit ?? 200;
        const rows = await context.authStore.logs.queryEntries({
          fromMs: query.from,
          toMs: query.to,
          minimumLevel: query.level === undefined ? undefined : logLevelNumbers[query.level],
          component: query.component,
          search: query.search,
          beforeId: query.beforeId,
          limit,
        });
        return {
          entries: rows.map((row) => ({ ...row, level: levelName(row.level) })),
          nextBeforeId: rows.length === limit ? (rows.at(-1)?.id ?? null) : null,
        };
      },
    );
  },
};
