import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { get as httpGet } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { RegisteredRoute } from '../src/http/route-access.ts';
import { createApiHarness, minuteCandles, type ApiHarness } from './support/http/api-harness.ts';

/** Runs per route; with ~30 routes this is a few hundred requests in all. */
const RUNS_PER_ROUTE = Number(process.env.RUNECAST_FUZZ_RUNS ?? 12);
/** Fixed so a failure repeats; set RUNECAST_FUZZ_SEED to explore other inputs. */
const SEED = Number(process.env.RUNECAST_FUZZ_SEED ?? 4242);

const INJECTIONS = [
  "' OR '1'='1",
  "'; DROP TABLE users; --",
  '" OR ""="',
  '1; SELECT pg_sleep(5)--',
  "admin'--",
  '%27%20OR%201%3D1',
  '\u0000',
  '../../../etc/passwd',
  '<script>alert(1)</script>',
  '${jndi:ldap://x}',
  '{"$gt": ""}',
  "binance:BTC/USDT:1m'; DELETE FROM candles; --",
  '-1',
  '1e309',
  'NaN',
  '99999999999999999999999',
  '💥'.repeat(50),
];

const text = fc.oneof(
  fc.constantFrom(...INJECTIONS),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.integer().map(String),
  fc.constant('x'.repeat(3000)),
);

const jsonLeaf = fc.oneof(
  text,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(Number.MAX_SAFE_INTEGER),
);
const jsonValue = fc.oneof(
  jsonLeaf,
  fc.array(jsonLeaf, { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 10 }), jsonLeaf, { maxKeys: 5 }),
);

interface RouteShape {
  query: string[];
  body: string[];
}

interface OpenApiOperation {
  parameters?: { in: string; name: string }[];
  requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> };
}

/** Query parameter and body property names of every operation, read from the OpenAPI document. */
function routeShapes(document: {
  paths: Record<string, Record<string, OpenApiOperation>>;
}): Map<string, RouteShape> {
  const shapes = new Map<string, RouteShape>();
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const url = path.replace(/\{([^}]+)\}/g, ':$1');
      shapes.set(`${method.toUpperCase()} ${url}`, {
        query: (operation.parameters ?? [])
          .filter((parameter) => parameter.in === 'query')
          .map((parameter) => parameter.name),
        body: Object.keys(operation.requestBody?.content?.['application/json']?.schema?.properties ?? {}),
      });
    }
  }
  return shapes;
}

/** Server-Sent Events routes stay open; they are fuzzed over a real connection below. */
function isEventStream(url: string): boolean {
  return url === '/api/v1/stream' || url === '/api/v1/stream/alerts' || url.endsWith('/events');
}

/** fast-check failures quote the whole counterexample; oversized inputs would flood the report. */
async function assertProperty(run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    const message = (error as Error).message;
    const cause = (error as { cause?: Error }).cause?.message ?? '';
    throw new Error(`${message.slice(0, 1500)}\n… cause: ${cause.slice(0, 1500)}`);
  }
}

/** What a rejected request must never change: accounts, keys, markets, secrets, settings, candles, jobs, models, forecasts. */
async function dataFingerprint(harness: ApiHarness): Promise<string> {
  const rows = await harness.db.query(`
    SELECT
      (SELECT coalesce(string_agg(id::text || email || role || disabled::text || password_hash || coalesce(display_name, ''), ',' ORDER BY id), '') FROM users) AS users,
      (SELECT coalesce(string_agg(id || name || scope || coalesce(revoked_at_ms::text, ''), ',' ORDER BY id), '') FROM api_keys) AS keys,
      (SELECT coalesce(string_agg(exchange || symbol, ',' ORDER BY exchange, symbol), '') FROM markets) AS markets,
      (SELECT coalesce(string_agg(name || sealed, ',' ORDER BY name), '') FROM secrets) AS secrets,
      (SELECT coalesce(string_agg(name || value::text, ',' ORDER BY name), '') FROM account_settings) AS settings,
      (SELECT count(*) FROM candles) AS candles,
      (SELECT coalesce(string_agg(id::text || state || cancel_requested::text, ',' ORDER BY id), '') FROM jobs) AS jobs,
      (SELECT coalesce(string_agg(id::text || stage, ',' ORDER BY id), '') FROM model_versions) AS models,
      (SELECT count(*) FROM model_promotions) AS promotions,
      (SELECT count(*) FROM forecasts) AS forecasts`);
  return createHash('sha256').update(JSON.stringify(rows)).digest('hex');
}

describe('API fuzzing', () => {
  let harness: ApiHarness;
  let routes: RegisteredRoute[];
  let shapes: Map<string, RouteShape>;
  let adminId: string;

  before(async () => {
    harness = await createApiHarness();
    await harness.store.candles.upsertCandles(
      minuteCandles('binance', 'BTC/USDT', Date.UTC(2025, 5, 2), 500),
    );
    const token = await harness.adminToken();
    adminId = (
      (await harness.request({ method: 'GET', url: '/api/v1/auth/me', token })).json() as { id: string }
    ).id;
    routes = harness.app.registeredRoutes.filter(
      (route) =>
        route.method !== 'HEAD' &&
        route.method !== 'OPTIONS' &&
        !route.url.startsWith('/docs') &&
        !isEventStream(route.url),
    );
    shapes = routeShapes((await harness.request({ method: 'GET', url: '/docs/json' })).json());
    // The generators below take field names from the document; make sure it was read.
    assert.deepEqual(shapes.get('GET /api/v1/candles')?.query.sort(), ['from', 'limit', 'series', 'to']);
    assert.deepEqual(shapes.get('POST /api/v1/auth/login')?.body.sort(), ['email', 'password']);
  });

  after(() => harness.close());

  /** A fresh admin token per request: a fuzzed log-out or password change must not end the run. */
  const freshAdminToken = async () =>
    (await harness.app.apiContext.auth.accessTokens.issue({ userId: adminId, sessionId: null })).token;

  test('every route answers params, queries and bodies of any kind without a 5xx, and rejected requests change nothing', async () => {
    let requests = 0;
    for (const route of routes) {
      const shape = shapes.get(`${route.method} ${route.url}`) ?? { query: [], body: [] };
      const paramNames = [...route.url.matchAll(/:([A-Za-z]+)/g)].map((match) => match[1]!);
      const known = (names: string[]) =>
        names.length === 0
          ? fc.constant({})
          : fc.dictionary(fc.constantFrom(...names), text, { maxKeys: names.length });
      const input = fc.record({
        params: fc.tuple(...paramNames.map(() => text)),
        query: fc.tuple(known(shape.query), fc.dictionary(fc.string({ maxLength: 8 }), text, { maxKeys: 2 })),
        body: fc.oneof(
          fc.constant(undefined),
          jsonValue,
          fc
            .tuple(
              shape.body.length === 0
                ? fc.constant({})
                : fc.dictionary(fc.constantFrom(...shape.body), jsonValue),
              fc.dictionary(fc.string({ maxLength: 8 }), jsonLeaf, { maxKeys: 2 }),
            )
            .map(([fields, extra]) => ({ ...extra, ...fields })),
          fc.constant({ padding: 'y'.repeat(80_000) }),
        ),
        authenticated: fc.boolean(),
      });
      await assertProperty(() =>
        fc.assert(
          fc.asyncProperty(input, async ({ params, query, body, authenticated }) => {
            let index = 0;
            const path = route.url.replace(/:([A-Za-z]+)/g, () => encodeURIComponent(params[index++] ?? ''));
            const search = new URLSearchParams({ ...query[1], ...query[0] }).toString();
            const url = search.length > 0 ? `${path}?${search}` : path;
            const before = await dataFingerprint(harness);
            const response = await harness.app.inject({
              method: route.method as 'GET',
              url,
              headers: {
                ...(authenticated ? { authorization: `Bearer ${await freshAdminToken()}` } : {}),
                ...(body === undefined ? {} : { 'content-type': 'application/json' }),
              },
              ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
            });
            requests += 1;
            const shown = `${route.method} ${url.slice(0, 200)}`;
            assert.ok(
              response.statusCode < 500,
              `${shown} → ${response.statusCode} ${response.body.slice(0, 300)}`,
            );
            if (response.statusCode >= 400) {
              const error = (response.json() as { error?: { code?: unknown; message?: unknown } }).error;
              assert.equal(typeof error?.code, 'string', `${shown}: ${response.body.slice(0, 200)}`);
              assert.equal(typeof error?.message, 'string');
              assert.equal(await dataFingerprint(harness), before, `${shown} was refused but changed data`);
            }
          }),
          { numRuns: RUNS_PER_ROUTE, seed: SEED },
        ),
      );
    }
    assert.ok(requests >= routes.length * RUNS_PER_ROUTE);
    const [row] = await harness.db.query<{ users: number; candles: number }>(
      'SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM candles) AS candles',
    );
    assert.ok((row?.users ?? 0) >= 1);
    assert.equal(row?.candles, 500);
  });

  test('the live stream answers any query without a 5xx', async () => {
    await harness.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = harness.app.server.address() as AddressInfo;
    const token = await freshAdminToken();
    const seriesText = fc.oneof(
      text,
      fc.constantFrom('binance:BTC/USDT:1m', 'binance:BTC/USDT:1m,kraken:ETH/USD:1h', 'binance:BTC/USDT:2m'),
      fc
        .array(fc.constantFrom('binance:BTC/USDT:1m', 'x'), { maxLength: 30 })
        .map((items) => items.join(',')),
    );
    await assertProperty(() =>
      fc.assert(
        fc.asyncProperty(
          fc.record({
            series: seriesText,
            book: text,
            candles: fc.constantFrom('true', 'false', 'yes', undefined),
          }),
          async (query) => {
            const search = new URLSearchParams(
              Object.entries(query).filter((entry): entry is [string, string] => entry[1] !== undefined),
            );
            const status = await new Promise<number>((resolve, reject) => {
              const request = httpGet(
                {
                  host: '127.0.0.1',
                  port,
                  path: `/api/v1/stream?${search}`,
                  headers: { authorization: `Bearer ${token}` },
                },
                (response) => {
                  resolve(response.statusCode ?? 0);
                  response.destroy();
                },
              );
              request.on('error', reject);
            });
            assert.ok(status === 200 || (status >= 400 && status < 500), `stream ?${search} → ${status}`);
          },
        ),
        { numRuns: 40, seed: SEED + 1 },
      ),
    );
  });

  test('the job progress streams answer any job id and query without a 5xx', async () => {
    if (!harness.app.server.listening) await harness.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = harness.app.server.address() as AddressInfo;
    const token = await freshAdminToken();
    const { job } = await harness.forecasting.queue.enqueue('predict', { modelVersionId: 1 });
    const status = (path: string) =>
      new Promise<number>((resolve, reject) => {
        const request = httpGet(
          { host: '127.0.0.1', port, path, headers: { authorization: `Bearer ${token}` } },
          (response) => {
            resolve(response.statusCode ?? 0);
            response.destroy();
          },
        );
        request.on('error', reject);
      });
    await assertProperty(() =>
      fc.assert(
        fc.asyncProperty(
          fc.record({
            jobId: fc.oneof(text, fc.uuid(), fc.constant(job.id), fc.constant(job.id.toUpperCase())),
            kind: fc.option(fc.oneof(text, fc.constantFrom('train', 'train,backtest', ',', 'Train')), {
              nil: undefined,
            }),
          }),
          async ({ jobId, kind }) => {
            const query = new URLSearchParams(kind === undefined ? {} : { kind });
            for (const path of [
              `/api/v1/jobs/${encodeURIComponent(jobId)}/events`,
              `/api/v1/jobs/events?${query}`,
            ]) {
              const code = await status(path);
              assert.ok(code === 200 || (code >= 400 && code < 500), `${path.slice(0, 200)} → ${code}`);
            }
          },
        ),
        { numRuns: 30, seed: SEED + 2 },
      ),
    );
  });
});
