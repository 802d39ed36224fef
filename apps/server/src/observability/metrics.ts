import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Every Prometheus metric Runecast exports, on one registry served at `/metrics`. The HTTP app
 * records the `http`, `cache` and `stream` metrics itself; ingestion, jobs and forecasting
 * record theirs through the same object (the Grafana dashboard in deploy/grafana reads these
 * names). Parts with metrics of their own register them on `registry`.
 */
export interface RunecastMetrics {
  registry: Registry;
  http: {
    requests: Counter<'method' | 'route' | 'status_code'>;
    duration: Histogram<'method' | 'route' | 'status_code'>;
    exceptions: Counter<'method' | 'route' | 'code'>;
    rateLimited: Counter<'limit'>;
  };
  cache: {
    hits: Counter<'cache'>;
    misses: Counter<'cache'>;
    errors: Counter<'cache'>;
    /** Operations not sent to Redis because its circuit was open (served as misses). */
    skipped: Counter<'cache'>;
    /** 1 while the Redis circuit is open (Redis skipped), 0 otherwise. */
    circuitOpen: Gauge;
    circuitOpens: Counter;
  };
  auth: {
    loginFailures: Counter<'reason'>;
    /** Bursts of failed log-ins from one address or against one email. */
    loginBursts: Counter<'scope'>;
  };
  stream: {
    clients: Gauge;
    events: Counter<'event'>;
  };
  ingest: {
    messages: Counter<'exchange' | 'kind'>;
    lagSeconds: Gauge<'exchange' | 'symbol'>;
    reconnects: Counter<'exchange'>;
    missingRanges: Gauge<'series'>;
    lastCandleAgeSeconds: Gauge<'series'>;
    /** Exchange faults (rate limits, bans, 5xx, timeouts, dropped streams, malformed answers). */
    faults: Counter<'exchange' | 'kind' | 'source'>;
    /** Retries after a fault. */
    retries: Counter<'exchange' | 'kind' | 'source'>;
  };
  jobs: {
    finished: Counter<'type' | 'state'>;
    duration: Histogram<'type'>;
    active: Gauge<'type' | 'state'>;
  };
  bus: {
    /** Times this process lost its connection to the bus (NATS). */
    disconnects: Counter;
    /** 1 while connected to the bus, 0 while the connection is lost. */
    connected: Gauge;
  };
  runtime: {
    /** Failures of work no request waits for (timers, bus publishes, listeners); each is also logged. */
    backgroundErrors: Counter<'task'>;
  };
  disk: {
    /** Free bytes on the file system of each watched folder (`home`, `store`). */
    freeBytes: Gauge<'folder' | 'path'>;
    /** 1 while writes are paused because a watched file system is nearly full, 0 otherwise. */
    readOnly: Gauge;
  };
  forecasts: {
    made: Counter<'series' | 'horizon' | 'model'>;
    modelScore: Gauge<'series' | 'horizon' | 'model' | 'metric'>;
  };
}

export interface CreateMetricsOptions {
  /** Node process metrics (CPU, memory, event loop, GC); default true. */
  processMetrics?: boolean;
}

/** A fresh registry with every Runecast metric declared. One per process (or per test app). */
export function createMetrics(options: CreateMetricsOptions = {}): RunecastMetrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    http: {
      requests: new Counter({
        name: 'runecast_http_requests_total',
        help: 'HTTP requests answered, by method, route pattern and status code',
        labelNames: ['method', 'route', 'status_code'],
        registers,
      }),
      duration: new Histogram({
        name: 'runecast_http_request_duration_seconds',
        help: 'Time from receiving a request to sending its answer',
        labelNames: ['method', 'route', 'status_code'],
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        registers,
      }),
      exceptions: new Counter({
        name: 'runecast_http_exceptions_total',
        help: 'Requests that failed with a server fault (5xx), by route',
        labelNames: ['method', 'route', 'code'],
        registers,
      }),
      rateLimited: new Counter({
        name: 'runecast_http_rate_limited_total',
        help: 'Requests refused by a rate limit, by limit (ip, user, credentials)',
        labelNames: ['limit'],
        registers,
      }),
    },
    bus: {
      disconnects: new Counter({
        name: 'runecast_bus_disconnects_total',
        help: 'Times this process lost its connection to the bus (NATS); reconnect attempts are not counted',
        registers,
      }),
      connected: new Gauge({
        name: 'runecast_bus_connected',
        help: '1 while this process is connected to the bus, 0 while the connection is lost',
        registers,
      }),
    },
    runtime: {
      backgroundErrors: new Counter({
        name: 'runecast_background_errors_total',
        help: 'Failures of background work (timers, bus publishes, listeners), by task',
        labelNames: ['task'],
        registers,
      }),
    },
    disk: {
      freeBytes: new Gauge({
        name: 'runecast_disk_free_bytes',
        help: 'Free bytes on the file system of each watched folder',
        labelNames: ['folder', 'path'],
        registers,
      }),
      readOnly: new Gauge({
        name: 'runecast_disk_read_only',
        help: '1 while writes are paused because the disk is nearly full, 0 otherwise',
        registers,
      }),
    },
    cache: {
      hits: new Counter({
        name: 'runecast_cache_hits_total',
        help: 'Cache lookups answered from the cache',
        labelNames: ['cache'],
        registers,
      }),
      misses: new Counter({
        name: 'runecast_cache_misses_total',
        help: 'Cache lookups that had to be computed',
        labelNames: ['cache'],
        registers,
      }),
      errors: new Counter({
        name: 'runecast_cache_errors_total',
        help: 'Cache operations that failed (served as misses)',
        labelNames: ['cache'],
        registers,
      }),
      skipped: new Counter({
        name: 'runecast_cache_skipped_total',
        help: 'Cache operations not sent to Redis while its circuit was open (served as misses)',
        labelNames: ['cache'],
        registers,
      }),
      circuitOpen: new Gauge({
        name: 'runecast_cache_circuit_open',
        help: '1 while the Redis cache is skipped after failures in a row, 0 otherwise',
        registers,
      }),
      circuitOpens: new Counter({
        name: 'runecast_cache_circuit_opens_total',
        help: 'Times the Redis cache circuit opened',
        registers,
      }),
    },
    auth: {
      loginFailures: new Counter({
        name: 'runecast_auth_login_failures_total',
        help: 'Failed log-ins, by reason',
        labelNames: ['reason'],
        registers,
      }),
      loginBursts: new Counter({
        name: 'runecast_auth_login_bursts_total',
        help: 'Bursts of failed log-ins, from one address (scope=address) or against one email from any (scope=account)',
        labelNames: ['scope'],
        registers,
      }),
    },
    stream: {
      clients: new Gauge({ name: 'runecast_stream_clients', help: 'Open live streams (SSE)', registers }),
      events: new Counter({
        name: 'runecast_stream_events_total',
        help: 'Events sent on live streams, by event type',
        labelNames: ['event'],
        registers,
      }),
    },
    ingest: {
      messages: new Counter({
        name: 'runecast_ingest_messages_total',
        help: 'Market-data messages ingested, by exchange and kind (candles, trades, book)',
        labelNames: ['exchange', 'kind'],
        registers,
      }),
      lagSeconds: new Gauge({
        name: 'runecast_ingest_lag_seconds',
        help: 'Delay between an exchange event and its ingestion',
        labelNames: ['exchange', 'symbol'],
        registers,
      }),
      reconnects: new Counter({
        name: 'runecast_source_reconnects_total',
        help: 'Reconnects of live exchange streams',
        labelNames: ['exchange'],
        registers,
      }),
      missingRanges: new Gauge({
        name: 'runecast_coverage_missing_ranges',
        help: 'Missing ranges in the coverage ledger, by series',
        labelNames: ['series'],
        registers,
      }),
      lastCandleAgeSeconds: new Gauge({
        name: 'runecast_last_candle_age_seconds',
        help: 'Age of the newest stored candle, by series',
        labelNames: ['series'],
        registers,
      }),
      faults: new Counter({
        name: 'runecast_ingest_faults_total',
        help: 'Exchange, runes provider and news feed faults met while ingesting, by exchange (or provider), kind (rate_limited, banned, server_error, transient, timeout, malformed_response, disconnected, invalid_candle, …) and source (backfill, live:candles, snapshots, text:<feed>, …)',
        labelNames: ['exchange', 'kind', 'source'],
        registers,
      }),
      retries: new Counter({
        name: 'runecast_ingest_retries_total',
        help: 'Retries after an exchange, runes provider or news feed fault, by exchange (or provider), the kind of fault and source',
        labelNames: ['exchange', 'kind', 'source'],
        registers,
      }),
    },
    jobs: {
      finished: new Counter({
        name: 'runecast_jobs_finished_total',
        help: 'Jobs that ended, by type and final state',
        labelNames: ['type', 'state'],
        registers,
      }),
      duration: new Histogram({
        name: 'runecast_job_duration_seconds',
        help: 'Run time of finished jobs',
        labelNames: ['type'],
        buckets: [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
        registers,
      }),
      active: new Gauge({
        name: 'runecast_jobs',
        help: 'Jobs by type and state (queued, running)',
        labelNames: ['type', 'state'],
        registers,
      }),
    },
    forecasts: {
      made: new Counter({
        name: 'runecast_forecasts_total',
        help: 'Forecasts made, by series, horizon and model',
        labelNames: ['series', 'horizon', 'model'],
        registers,
      }),
      modelScore: new Gauge({
        name: 'runecast_model_score',
        help: 'Rolling accuracy of production models (metric: mae, mase, coverage80, directional…)',
        labelNames: ['series', 'horizon', 'model', 'metric'],
        registers,
      }),
    },
  };
}
