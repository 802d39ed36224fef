import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { createMetrics } from '../src/observability/metrics.ts';
import { get as httpGet } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApiHarness, type ApiHarness } from './support/http/api-harness.ts';
import {
  conformanceProblems,
  type ObservedAnswer,
  type OpenApiDocument,
} from './support/http/openapi-conformance.ts';

interface MetricFamily {
  name: string;
  type: string;
  metrics: { labels?: Record<string, string>; value?: string; buckets?: Record<string, string> }[];
}

// An independent parser of the Prometheus text format (the one Prometheus' own tools follow).
const parsePrometheusText = createRequire(import.meta.url)('parse-prometheus-text-format') as (
  text: string,
) => MetricFamily[];

describe('OpenAPI document and Prometheus metrics', () => {
  let harness: ApiHarness;

  before(async () => {
    harness = await createApiHarness();
  });

  after(() => harness.close());

  test('/docs/json validates as OpenAPI 3 and describes every API route', async () => {
    const response = await harness.request({ method: 'GET', url: '/docs/json' });
    assert.equal(response.statusCode, 200);
    const document = response.json() as {
      openapi: string;
      paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown> }>>;
    };
    assert.match(document.openapi, /^3\./);
    const validator = new Validator();
    const result = await validator.validate(document);
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2)?.slice(0, 3000));
    assert.ok(validator.resolveRefs(), 'every $ref resolves');

    for (const route of harness.app.registeredRoutes) {
      if (!route.url.startsWith('/api/') || route.method === 'HEAD' || route.method === 'OPTIONS') continue;
      const path = route.url.replace(/:([A-Za-z]+)/g, '{$1}');
      const operation = document.paths[path]?.[route.method.toLowerCase()];
      assert.ok(operation, `${route.method} ${path} is missing from the document`);
      assert.ok(
        operation.responses['4XX'] ?? operation.responses['4xx'],
        `${route.method} ${path} has no error answer`,
      );
      if (route.access === 'public')
        assert.equal(operation.security, undefined, `${path} should need no credentials`);
      else
        assert.ok(
          operation.security && operation.security.length > 0,
          `${route.method} ${path} lacks security`,
        );
    }
    const login = document.paths['/api/v1/auth/login']?.post as unknown as {
      requestBody: { content: Record<string, { schema: { properties: Record<string, unknown> } }> };
    };
    assert.deepEqual(Object.keys(login.requestBody.content['application/json']!.schema.properties).sort(), [
      'email',
      'password',
    ]);
  });

  test('/docs serves Swagger UI', async () => {
    const page = await harness.request({ method: 'GET', url: '/docs/' });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /swagger/i);
  });

  test('/metrics parses as Prometheus text with request, latency, exception and cache metrics', async () => {
    const token = await harness.adminToken();
    const series = 'binance:BTC/USDT:1m';
    await harness.request({ method: 'GET', url: `/api/v1/candles?series=${series}&from=0&to=60000`, token });
    await harness.request({ method: 'GET', url: `/api/v1/candles?series=${series}&from=0&to=60000`, token });
    await harness.request({ method: 'GET', url: '/api/v1/candles?series=nonsense', token });
    const response = await harness.request({ method: 'GET', url: '/metrics' });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const families = parsePrometheusText(response.body);
    const family = (name: string) => {
      const found = families.find((item) => item.name === name);
      assert.ok(found, `metric ${name} is missing`);
      return found;
    };
    const requests = family('runecast_http_requests_total');
    assert.equal(requests.type, 'COUNTER');
    const candleRequests = requests.metrics.filter((metric) => metric.labels?.route === '/api/v1/candles');
    assert.deepEqual(candleRequests.map((metric) => [metric.labels?.status_code, metric.value]).sort(), [
      ['200', '2'],
      ['400', '1'],
    ]);
    const latency = family('runecast_http_request_duration_seconds');
    assert.equal(latency.type, 'HISTOGRAM');
    assert.ok(
      latency.metrics.some((metric) => metric.buckets && Object.keys(metric.buckets).includes('+Inf')),
    );
    // The parser keeps buckets but not a histogram's labels; those are checked on the text.
    assert.match(
      response.body,
      /^runecast_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/candles",status_code="200"\} 2$/m,
    );
    assert.equal(family('runecast_http_exceptions_total').type, 'COUNTER');
    assert.equal(
      family('runecast_cache_hits_total').metrics.find((metric) => metric.labels?.cache === 'candles')?.value,
      '1',
    );
    assert.equal(
      family('runecast_cache_misses_total').metrics.find((metric) => metric.labels?.cache === 'candles')
        ?.value,
      '1',
    );
    for (const name of [
      'runecast_ingest_messages_total',
      'runecast_source_reconnects_total',
      'runecast_jobs_finished_total',
      'runecast_forecasts_total',
      'runecast_model_score',
      'process_cpu_user_seconds_total',
      'nodejs_eventloop_lag_seconds',
    ]) {
      family(name);
    }
  });

  test('a metric added to the shared registry is served', async () => {
    const { registry } = harness.app.apiContext.metrics;
    const { Gauge } = await import('prom-client');
    const gauge = new Gauge({
      name: 'runecast_test_extra',
      help: 'added by another part',
      registers: [registry],
    });
    gauge.set(42);
    const families = parsePrometheusText((await harness.request({ method: 'GET', url: '/metrics' })).body);
    assert.equal(families.find((item) => item.name === 'runecast_test_extra')?.metrics[0]?.value, '42');
  });

  test('a failing check passed in by the composition root makes /ready answer 503 with the reason', async () => {
    const failing = await createApiHarness({
      dependencies: {
        healthChecks: [
          { name: 'scheduler', check: async () => ({ state: 'down', reason: 'not started' }) },
          {
            name: 'candles:binance:BTC/USDT:1m',
            check: async () => ({ state: 'degraded', reason: 'last candle is 600 s old' }),
          },
        ],
      },
    });
    try {
      const ready = await failing.request({ method: 'GET', url: '/ready' });
      assert.equal(ready.statusCode, 503);
      const body = ready.json() as {
        status: string;
        components: { name: string; state: string; reason: string | null }[];
      };
      assert.equal(body.status, 'down');
      assert.deepEqual(
        body.components.map((component) => [component.name, component.state, component.reason]),
        [
          ['store', 'ok', null],
          ['bus', 'ok', null],
          ['cache', 'ok', null],
          ['scheduler', 'down', 'not started'],
          ['candles:binance:BTC/USDT:1m', 'degraded', 'last candle is 600 s old'],
        ],
      );
      assert.equal((await failing.request({ method: 'GET', url: '/health' })).statusCode, 200);
    } finally {
      await failing.close();
    }
  });

  test('the Grafana dashboard only queries metrics Runecast declares', async () => {
    const dashboard = await readFile(
      new URL('../../../deploy/grafana/dashboards/runecast.json', import.meta.url),
      'utf8',
    );
    const queried = new Set(
      [...dashboard.matchAll(/runecast_[a-z0-9_]+/g)].map((match) =>
        match[0].replace(/_(bucket|sum|count)$/, ''),
      ),
    );
    const declared = new Set(
      (await createMetrics({ processMetrics: false }).registry.getMetricsAsJSON()).map(
        (metric) => metric.name,
      ),
    );
    assert.ok(queried.size >= 15);
    for (const name of queried)
      assert.ok(declared.has(name), `the dashboard queries ${name}, which no part declares`);
  });
  test('every answer matches the document: status, media type and body', async () => {
    const document = (await harness.request({ method: 'GET', url: '/docs/json' })).json() as OpenApiDocument;
    if (!harness.app.server.listening) await harness.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = harness.app.server.address() as AddressInfo;
    const adminToken = await harness.adminToken();
    const samples: Record<string, string> = {
      userId: '00000000-0000-4000-8000-000000000000',
      keyId: 'abcdefghijkl',
      exchange: 'binance',
      symbol: 'BTC-USDT',
      name: 'sample.secret',
      versionId: '1',
      jobId: '00000000-0000-4000-8000-000000000000',
    };
    const streamQueries: Record<string, string> = {
      '/api/v1/stream': `?series=${encodeURIComponent('binance:BTC/USDT:1m')}`,
      '/api/v1/jobs/events': '',
      '/api/v1/stream/alerts': '',
    };
    const { job } = await harness.forecasting.queue.repository.enqueue({ kind: 'train', payload: {} });
    const answers: ObservedAnswer[] = [];
    const streamAnswer = (route: string, path: string) =>
      new Promise<ObservedAnswer>((resolve, reject) => {
        httpGet(
          { host: '127.0.0.1', port, path, headers: { authorization: `Bearer ${adminToken}` } },
          (response) => {
            resolve({
              method: 'GET',
              route,
              statusCode: response.statusCode ?? 0,
              contentType: response.headers['content-type'],
              body: '',
            });
            response.destroy();
          },
        ).on('error', reject);
      });
    const routes = harness.app.registeredRoutes.filter(
      (route) => route.method !== 'HEAD' && route.method !== 'OPTIONS' && !route.url.startsWith('/docs'),
    );
    for (const route of routes) {
      const url = route.url.replace(/:([A-Za-z]+)/g, (_, name: string) => samples[name] ?? 'x');
      const hasBody = route.method !== 'GET' && route.method !== 'DELETE';
      for (const token of [undefined, adminToken]) {
        const isStream = route.url in streamQueries || route.url === '/api/v1/jobs/:jobId/events';
        if (isStream && token !== undefined) {
          const path =
            route.url === '/api/v1/jobs/:jobId/events'
              ? `/api/v1/jobs/${job.id}/events`
              : `${route.url}${streamQueries[route.url]}`;
          answers.push(await streamAnswer(route.url, path));
          continue;
        }
        // Logging out would end the admin's session for the routes after it.
        const caller =
          token !== undefined && route.url === '/api/v1/auth/logout'
            ? (await harness.createUser()).token
            : token;
        const response = await harness.request({
          method: route.method,
          url,
          token: caller,
          ...(hasBody ? { body: {} } : {}),
        });
        answers.push({
          method: route.method,
          route: route.url,
          statusCode: response.statusCode,
          contentType: response.headers['content-type'] as string | undefined,
          body: response.body,
        });
      }
    }
    assert.ok(answers.length > 80, `only ${answers.length} answers`);
    assert.ok(answers.some((answer) => answer.contentType?.startsWith('text/event-stream')));
    assert.ok(
      answers.some(
        (answer) => answer.statusCode === 200 && answer.contentType?.startsWith('application/json'),
      ),
    );
    assert.deepEqual(
      answers.flatMap((answer) => conformanceProblems(document, answer)),
      [],
    );
  });
});
