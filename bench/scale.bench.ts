/**
 * Scale by role, on the distributed parts: the machine's PostgreSQL (a fresh database per run,
 * dropped after), private NATS and Redis servers, and the exchange emulator simulating
 * BENCH_SCALE_SERIES markets (default 200) in real time.
 *
 * 1. Ingest: `serve --roles ingest` processes from a fresh database: one process with 1, ¼, ½
 *    and all of the series (BENCH_SCALE_STEPS), then two sharing all of them through leases. Each
 *    run says when every series was backfilled (one day) and fresh (waited for at most
 *    BENCH_SCALE_CATCH_UP_SECONDS; a run that does not get there says so and is measured all the
 *    same) and how many were fresh 60 s after the start, then the CPU and resident memory (RSS)
 *    of each process over a steady stretch. A line through the one-process runs gives what a
 *    process and each series in it cost.
 * 2. API: 1 and 2 `serve --roles api` replicas behind the chaos proxy (round robin, as Caddy),
 *    and one replica without it, loaded by autocannon in a process of its own, with the requests
 *    a dashboard makes (latest candle; a day of 1m candles), spread over every series.
 * 3. A paper estimate of what 10,000 series and 1,000 concurrent dashboard users need.
 *
 * BENCH_SCALE_PARTS=ingest or =api runs one part only; BENCH_SCALE_LOG_DIR keeps the processes'
 * logs. The load average is printed with the figures: other work on the machine counts in them.
 *
 * Run: npm run bench scale (about 10 minutes on 2 cores).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { startEmulator } from '@runecast/exchange-emulator';
import { randomBytes } from 'node:crypto';
import { openStore } from '../apps/server/src/store/store.ts';
import { minuteCandles } from '../apps/server/test/support/http/api-harness.ts';
import { TEST_POSTGRES_URL } from '../apps/server/test/support/postgres.ts';
import { startProxy } from '../scripts/chaos/proxy.ts';
import { freePort, privateNats, privateRedis, type PrivateServer } from '../scripts/chaos/servers.ts';
import { printBenchTable, runLoad, type LoadResult } from './bench-support.ts';

const RUNECAST_BIN = fileURLToPath(new URL('../apps/server/bin/runecast.js', import.meta.url));
const ADMIN = { email: 'bench@runecast.local', password: 'scale-bench-password-1234' };
const MB = 1024 * 1024;
/** Target load of one core in the estimate: room for bursts and garbage collection. */
const CORE_TARGET = 0.7;
/** Memory limit of one process in the estimate (a container limit). */
const PROCESS_MEMORY_LIMIT = 1024 * MB;

function integerSetting(name: string, fallback: number, min: number, max: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new Error(`${name}=${JSON.stringify(text)}: must be a whole number from ${min} to ${max}`);
  return value;
}

type BenchPart = 'ingest' | 'api';

/** BENCH_SCALE_PARTS: which parts to run (`ingest`, `api`, or both, comma-separated; default both). */
function partsSetting(): Set<BenchPart> {
  const text = process.env.BENCH_SCALE_PARTS;
  if (text === undefined || text.trim() === '') return new Set(['ingest', 'api']);
  const parts = text.split(',').map((part) => part.trim());
  const unknown = parts.filter((part) => part !== 'ingest' && part !== 'api');
  if (unknown.length > 0 || parts.length === 0)
    throw new Error(
      `BENCH_SCALE_PARTS=${JSON.stringify(text)}: must list ingest, api or both, comma-separated`,
    );
  return new Set(parts as BenchPart[]);
}

/** Linux counts process CPU time in these ticks (USER_HZ). */
function clockTicksPerSecond(): number {
  const answer = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const ticks = Number(answer.stdout?.trim());
  return Number.isInteger(ticks) && ticks > 0 ? ticks : 100;
}

interface Usage {
  cpuSeconds: number;
  rssBytes: number;
}

async function processUsage(pid: number, ticksPerSecond: number): Promise<Usage> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which may hold spaces: state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const rssKilobytes = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return { cpuSeconds, rssBytes: rssKilobytes * 1024 };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntil(
  check: () => Promise<boolean>,
  timeoutMs: number,
  pollMs = 250,
): Promise<number | null> {
  const startedAt = Date.now();
  while (Date.now() - startedAt < timeoutMs) {
    if (await check().catch(() => false)) return Date.now() - startedAt;
    await sleep(pollMs);
  }
  return null;
}

interface RoleProcess {
  name: string;
  port: number;
  pid: number;
  child: ChildProcess;
  exited: Promise<void>;
  logPath: string;
}

/** Every process the bench started, so none outlives it whatever fails. */
const spawned = new Set<ChildProcess>();

/**
 * Starts `serve --roles <roles>`; with `waitForHealth`, resolves once it answers /health (an
 * ingest process answers only after its first share has started, which is what is measured).
 */
async function startRole(
  work: string,
  name: string,
  roles: string,
  environment: NodeJS.ProcessEnv,
  waitForHealth = true,
): Promise<RoleProcess> {
  const home = await mkdtemp(join(work, `${name}-`));
  const port = await freePort();
  const logPath = join(home, 'process.log');
  const log = createWriteStream(logPath);
  const child = spawn(process.execPath, [RUNECAST_BIN, 'serve', '--roles', roles], {
    env: { ...environment, RUNECAST_HOME: home, RUNECAST_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  spawned.add(child);
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  let gone = false;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      gone = true;
      resolve();
    }),
  );
  if (!waitForHealth) return { name, port, pid: child.pid!, child, exited, logPath };
  const started = await waitUntil(async () => {
    if (gone) throw new Error('exited');
    const answer = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2_000) });
    return answer.status === 200;
  }, 180_000);
  if (started === null || gone) {
    child.kill('SIGKILL');
    throw new Error(`${name} did not start; see ${logPath}`);
  }
  return { name, port, pid: child.pid!, child, exited, logPath };
}

async function stopRole(role: RoleProcess): Promise<void> {
  if (role.child.exitCode !== null || role.child.signalCode !== null) return;
  role.child.kill('SIGTERM');
  await Promise.race([role.exited, sleep(20_000)]);
  if (role.child.exitCode === null && role.child.signalCode === null) role.child.kill('SIGKILL');
  await role.exited;
}

interface IngestRun {
  processes: number;
  series: number;
  /** Null when not every series was fresh within the limit. */
  catchUpSeconds: number | null;
  /** Series fresh 60 s after the processes were started (all of them when caught up before). */
  freshAt60: number;
  /** Series fresh at the end of the steady stretch. */
  freshAtEnd: number;
  /** Series each process owned during the steady stretch. */
  owned: number[];
  cpuCores: number[];
  rssBytes: number[];
  rowsPerSecond: { candles: number; trades: number; topOfBook: number };
  candlesStored: number;
  /** The candle table with its indexes. */
  candleTableBytes: number;
  /** Load average (1 minute) at the end of the steady stretch. */
  loadAverage: number;
}

async function countRows(client: pg.Client): Promise<{ candles: number; trades: number; topOfBook: number }> {
  const { rows } = await client.query<{ candles: string; trades: string; top_of_book: string }>(
    `SELECT (SELECT count(*) FROM candles) AS candles, (SELECT count(*) FROM trades) AS trades,
            (SELECT count(*) FROM top_of_book) AS top_of_book`,
  );
  const row = rows[0]!;
  return { candles: Number(row.candles), trades: Number(row.trades), topOfBook: Number(row.top_of_book) };
}

interface ScaleContext {
  work: string;
  environment: (databaseUrl: string, markets: readonly string[]) => NodeJS.ProcessEnv;
  symbols: readonly string[];
  steadySeconds: number;
  ticksPerSecond: number;
  emulatorNowMs: () => number;
  catchUpLimitSeconds: number;
  say: (line: string) => void;
}

async function runIngest(
  context: ScaleContext,
  processCount: number,
  series: number,
  databaseUrl: string,
): Promise<IngestRun> {
  const { steadySeconds, ticksPerSecond } = context;
  const markets = context.symbols.slice(0, series);
  const startedAtMs = Date.now();
  const processes = await Promise.all(
    Array.from({ length: processCount }, (_, index) =>
      startRole(
        context.work,
        `ingest-${series}-${index + 1}`,
        'ingest',
        context.environment(databaseUrl, markets),
        false,
      ),
    ),
  );
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    // Fresh as /ready judges it (newest candle within 3 timeframes and 60 s), asked of the store
    // directly: polling /ready would itself load the processes with a query per series.
    const freshSeries = async () => {
      const { rows } = await client.query<{ fresh: string }>(
        `SELECT count(*) AS fresh FROM (
           SELECT max(open_time_ms) AS latest FROM candles WHERE timeframe = '1m' GROUP BY exchange, symbol
         ) AS newest WHERE latest >= $1`,
        [context.emulatorNowMs() - 4 * 60_000],
      );
      return Number(rows[0]!.fresh);
    };
    let freshAt60: number | null = null;
    const freshAfterMs = await waitUntil(
      async () => {
        const fresh = await freshSeries();
        if (freshAt60 === null && Date.now() - startedAtMs >= 60_000) freshAt60 = fresh;
        return fresh >= series;
      },
      context.catchUpLimitSeconds * 1000,
      1_000,
    );
    // A set-up that cannot catch up within the limit is measured all the same, and says so.
    const catchUpSeconds = freshAfterMs === null ? null : (Date.now() - startedAtMs) / 1000;
    if (freshAt60 === null) {
      if (catchUpSeconds !== null) freshAt60 = series;
      else freshAt60 = await freshSeries();
    }
    const freshAtStart = await freshSeries();
    context.say(
      catchUpSeconds === null
        ? `${processCount} ingest process(es), ${series} series: only ${freshAtStart} fresh after ${context.catchUpLimitSeconds} s; see ${processes.map((role) => role.logPath).join(', ')}`
        : `${processCount} ingest process(es), ${series} series: every series fresh after ${catchUpSeconds.toFixed(1)} s`,
    );
    const ownedNow = async () => {
      const { rows } = await client.query<{ owned: string }>(
        `SELECT count(*) AS owned FROM leases
          WHERE name LIKE 'ingest:market:%' AND expires_at > now() GROUP BY owner ORDER BY owner`,
      );
      const owned = rows.map((row) => Number(row.owned));
      while (owned.length < processCount) owned.push(0);
      return owned;
    };
    // Processes that joined together balance their shares at the next renewals.
    await waitUntil(
      async () => {
        const owned = await ownedNow();
        return (
          owned.reduce((sum, count) => sum + count, 0) === series &&
          Math.max(...owned) - Math.min(...owned) <= 1
        );
      },
      catchUpSeconds === null ? 1_000 : 60_000,
      1_000,
    );
    await sleep(2_000);
    const before = await Promise.all(processes.map((role) => processUsage(role.pid, ticksPerSecond)));
    const rowsBefore = await countRows(client);
    const measuredFromMs = Date.now();
    await sleep(steadySeconds * 1000);
    const after = await Promise.all(processes.map((role) => processUsage(role.pid, ticksPerSecond)));
    const rowsAfter = await countRows(client);
    const seconds = (Date.now() - measuredFromMs) / 1000;
    const owned = await ownedNow();
    const freshAtEnd = await freshSeries();
    const size = await client.query<{ bytes: string }>("SELECT pg_total_relation_size('candles') AS bytes");
    return {
      processes: processCount,
      series,
      catchUpSeconds,
      freshAt60,
      freshAtEnd,
      owned,
      cpuCores: after.map((usage, index) => (usage.cpuSeconds - before[index]!.cpuSeconds) / seconds),
      rssBytes: after.map((usage) => usage.rssBytes),
      rowsPerSecond: {
        candles: (rowsAfter.candles - rowsBefore.candles) / seconds,
        trades: (rowsAfter.trades - rowsBefore.trades) / seconds,
        topOfBook: (rowsAfter.topOfBook - rowsBefore.topOfBook) / seconds,
      },
      candlesStored: rowsAfter.candles,
      candleTableBytes: Number(size.rows[0]!.bytes),
      loadAverage: loadavg()[0]!,
    };
  } finally {
    await client.end();
    await Promise.all(processes.map(stopRole));
  }
}

interface ApiRow extends LoadResult {
  setup: string;
  scenario: string;
  /** CPU time of the api processes per request. */
  apiCpuMsPerRequest: number;
  /** CPU of the bench process (the proxy; the emulator idles) per request. */
  proxyCpuMsPerRequest: number;
}

async function runApi(
  context: ScaleContext,
  databaseUrl: string,
  symbols: readonly string[],
  dayEndMs: number,
  loadSeconds: number,
  connections: number,
): Promise<{ rows: ApiRow[]; rssBytes: number[] }> {
  const environment = context.environment(databaseUrl, symbols);
  const replicas = [
    await startRole(context.work, 'api-1', 'api', environment),
    await startRole(context.work, 'api-2', 'api', environment),
  ];
  const proxies: Awaited<ReturnType<typeof startProxy>>[] = [];
  try {
    const login = await fetch(`http://127.0.0.1:${replicas[0]!.port}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ADMIN),
    });
    if (login.status !== 200) throw new Error(`log-in failed: ${login.status} ${await login.text()}`);
    const { accessToken } = (await login.json()) as { accessToken: string };
    const seriesParameter = (symbol: string) => encodeURIComponent(`binance:${symbol}:1m`);
    const scenarios = [
      {
        name: 'latest candle',
        paths: symbols.map((symbol) => `/api/v1/candles/latest?series=${seriesParameter(symbol)}`),
      },
      {
        name: 'one day of 1m candles',
        paths: symbols.map(
          (symbol) =>
            `/api/v1/candles?series=${seriesParameter(symbol)}&from=${dayEndMs - 86_400_000}&to=${dayEndMs}&limit=1440`,
        ),
      },
    ];
    const oneProxy = await startProxy([replicas[0]!.port]);
    proxies.push(oneProxy);
    const twoProxy = await startProxy(replicas.map((replica) => replica.port));
    proxies.push(twoProxy);
    const setups = [
      { name: '1 replica, no proxy', port: replicas[0]!.port, replicas: replicas.slice(0, 1) },
      { name: '1 replica behind the proxy', port: oneProxy.port, replicas: replicas.slice(0, 1) },
      { name: '2 replicas behind the proxy', port: twoProxy.port, replicas },
    ];
    const rows: ApiRow[] = [];
    for (const setup of setups) {
      const baseUrl = `http://127.0.0.1:${setup.port}`;
      // Fills every replica's cache path and warms up its code before measuring.
      for (const scenario of scenarios)
        await runLoad({
          url: baseUrl,
          paths: scenario.paths,
          connections,
          durationSeconds: 2,
          token: accessToken,
        });
      for (const scenario of scenarios) {
        const before = await Promise.all(
          setup.replicas.map((replica) => processUsage(replica.pid, context.ticksPerSecond)),
        );
        const ownBefore = process.cpuUsage();
        const result = await runLoad({
          url: baseUrl,
          paths: scenario.paths,
          connections,
          durationSeconds: loadSeconds,
          token: accessToken,
        });
        const own = process.cpuUsage(ownBefore);
        const after = await Promise.all(
          setup.replicas.map((replica) => processUsage(replica.pid, context.ticksPerSecond)),
        );
        const apiCpuSeconds = after.reduce(
          (sum, usage, index) => sum + usage.cpuSeconds - before[index]!.cpuSeconds,
          0,
        );
        const requests = Math.max(1, result.requests);
        rows.push({
          setup: setup.name,
          scenario: scenario.name,
          ...result,
          apiCpuMsPerRequest: (apiCpuSeconds * 1000) / requests,
          proxyCpuMsPerRequest: setup.name.includes('no proxy')
            ? 0
            : (own.user + own.system) / 1000 / requests,
        });
        context.say(`${setup.name}, ${scenario.name}: ${result.requestsPerSecond.toFixed(0)} req/s`);
      }
    }
    const rssBytes = (
      await Promise.all(replicas.map((replica) => processUsage(replica.pid, context.ticksPerSecond)))
    ).map((usage) => usage.rssBytes);
    return { rows, rssBytes };
  } finally {
    for (const proxy of proxies) await proxy.close();
    await Promise.all(replicas.map(stopRole));
  }
}

/** A database of its own on the machine's PostgreSQL (named so no one else's is touched). */
async function createBenchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `runecast_bench_scale_${randomBytes(5).toString('hex')}`;
  const run = async (statement: string) => {
    const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await admin.connect();
    try {
      await admin.query(statement);
    } finally {
      await admin.end();
    }
  };
  await run(`CREATE DATABASE ${name}`);
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

const megabytes = (bytes: number) => `${(bytes / MB).toFixed(0)} MB`;
const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

/** Least-squares line through the points: `intercept + slope × x`. */
function fitLine(points: readonly { x: number; y: number }[]): { intercept: number; slope: number } {
  const meanX = mean(points.map((point) => point.x));
  const meanY = mean(points.map((point) => point.y));
  let covariance = 0;
  let variance = 0;
  for (const point of points) {
    covariance += (point.x - meanX) * (point.y - meanY);
    variance += (point.x - meanX) ** 2;
  }
  const slope = variance > 0 ? covariance / variance : 0;
  return { intercept: meanY - slope * meanX, slope };
}

/** What a process and each series in it cost: lines through the one-process runs of 1 to all series. */
function perSeriesCost(runs: readonly IngestRun[]) {
  const rss = fitLine(runs.map((run) => ({ x: run.series, y: run.rssBytes[0]! })));
  const cpu = fitLine(runs.map((run) => ({ x: run.series, y: run.cpuCores[0]! })));
  return {
    rss: rss.slope,
    cpu: cpu.slope,
    baseRss: Math.max(0, rss.intercept),
    baseCpu: Math.max(0, cpu.intercept),
  };
}

function parseSeriesSteps(text: string | undefined, series: number): number[] {
  if (text === undefined || text.trim() === '') {
    return [...new Set([1, Math.round(series / 4), Math.round(series / 2), series])].filter(
      (step) => step >= 1,
    );
  }
  const steps = text.split(',').map((part) => Number(part.trim()));
  if (steps.some((step) => !Number.isInteger(step) || step < 1 || step > series))
    throw new Error(
      `BENCH_SCALE_STEPS=${JSON.stringify(text)}: whole numbers from 1 to ${series}, comma-separated`,
    );
  return [...new Set([...steps, series])].sort((left, right) => left - right);
}

export async function runScaleBench(): Promise<void> {
  const series = integerSetting('BENCH_SCALE_SERIES', 200, 2, 2000);
  const steadySeconds = integerSetting('BENCH_SCALE_STEADY_SECONDS', 60, 5, 600);
  const loadSeconds = integerSetting('BENCH_SCALE_LOAD_SECONDS', 5, 2, 300);
  const connections = integerSetting('BENCH_SCALE_CONNECTIONS', 50, 1, 1000);
  const catchUpLimitSeconds = integerSetting('BENCH_SCALE_CATCH_UP_SECONDS', 180, 10, 3600);
  const parts = partsSetting();
  const steps = parseSeriesSteps(process.env.BENCH_SCALE_STEPS, series);
  const say = (line: string) => process.stderr.write(`scale: ${line}\n`);
  // Bundles are compiled once here, not by several processes starting at once.
  const build = spawnSync(process.execPath, [RUNECAST_BIN, '--help'], { stdio: 'ignore' });
  if (build.status !== 0) throw new Error('runecast --help failed; is the server build broken?');

  // BENCH_SCALE_LOG_DIR keeps the processes' logs there after the run.
  const keptLogs = process.env.BENCH_SCALE_LOG_DIR;
  const work = await mkdtemp(join(keptLogs ?? tmpdir(), 'runecast-scale-'));
  const servers: PrivateServer[] = [];
  const databases: { drop(): Promise<void> }[] = [];
  const symbols = Array.from({ length: series }, (_, index) =>
    index === 0 ? 'BTC/USDT' : `S${String(index).padStart(4, '0')}/USDT`,
  );
  const emulator = await startEmulator({
    speed: 1,
    tickMs: 250,
    simulatedHistoryDays: 2,
    simulatedSymbols: symbols,
  });
  try {
    const nats = await privateNats(join(work, 'nats'));
    const redis = await privateRedis();
    servers.push(nats, redis);
    for (const server of servers) await server.start();
    const context: ScaleContext = {
      work,
      symbols,
      steadySeconds,
      ticksPerSecond: clockTicksPerSecond(),
      emulatorNowMs: () => emulator.clock.nowMs(),
      catchUpLimitSeconds,
      say,
      environment: (databaseUrl, markets) => ({
        ...process.env,
        RUNECAST_DATABASE_URL: databaseUrl,
        RUNECAST_BUS_URL: nats.url,
        RUNECAST_CACHE_URL: redis.url,
        RUNECAST_EMULATOR_URL: emulator.url,
        RUNECAST_MARKETS: markets.map((symbol) => `binance:${symbol}`).join(','),
        RUNECAST_BACKFILL_DAYS: '1',
        RUNECAST_INGEST_LEASE_SECONDS: '6',
        RUNECAST_RUNES_PROVIDERS: 'none',
        RUNECAST_NEWS_FEEDS: 'none',
        RUNECAST_DEFAULT_MODEL: 'none',
        RUNECAST_JWT_SECRET: 'scale-bench-signing-secret-that-is-long-enough',
        RUNECAST_SECRETS_KEY: '0'.repeat(64),
        RUNECAST_ADMIN_EMAIL: ADMIN.email,
        RUNECAST_ADMIN_PASSWORD: ADMIN.password,
        RUNECAST_RATE_LIMIT_IP: '1000000',
        RUNECAST_RATE_LIMIT_USER: '1000000',
        RUNECAST_LOG_LEVEL: 'warn',
        RUNECAST_LOG_FORMAT: 'json',
      }),
    };
    const freshDatabase = async () => {
      const database = await createBenchDatabase();
      databases.push(database);
      return database.url;
    };

    process.stdout.write(
      `machine: ${cpus().length} cores, load average ${loadavg()
        .map((value) => value.toFixed(2))
        .join(' ')} at the start (other work on the machine counts in every figure)\n`,
    );
    let estimateInput: {
      cost: ReturnType<typeof perSeriesCost>;
      two: IngestRun;
      bytesPerCandle: number | null;
    } | null = null;
    if (parts.has('ingest')) {
      const single: IngestRun[] = [];
      for (const step of steps) single.push(await runIngest(context, 1, step, await freshDatabase()));
      const one = single.at(-1)!;
      const two = await runIngest(context, 2, series, await freshDatabase());
      printBenchTable(
        `Ingest from the emulator in real time (1m candles, trades, top of book; one day backfilled), steady stretch of ${steadySeconds} s`,
        [
          'processes',
          'series',
          'all fresh after',
          'fresh at 60 s',
          'series each',
          'CPU each',
          'RSS each',
          'candles/s',
          'trades/s',
          'book rows/s',
          'load avg',
        ],
        [...single, two].map((run) => [
          String(run.processes),
          String(run.series),
          run.catchUpSeconds === null
            ? `not in ${catchUpLimitSeconds} s (${run.freshAtEnd} at the end)`
            : `${run.catchUpSeconds.toFixed(1)} s`,
          `${run.freshAt60} of ${run.series}`,
          run.owned.join(' + '),
          run.cpuCores.map((cores) => `${(cores * 100).toFixed(1)}%`).join(' + '),
          run.rssBytes.map(megabytes).join(' + '),
          run.rowsPerSecond.candles.toFixed(1),
          run.rowsPerSecond.trades.toFixed(1),
          run.rowsPerSecond.topOfBook.toFixed(1),
          run.loadAverage.toFixed(1),
        ]),
      );
      const cost = perSeriesCost(single);
      const bytesPerCandle = one.candlesStored > 0 ? one.candleTableBytes / one.candlesStored : null;
      const steady = [...single, two].every((run) => run.catchUpSeconds !== null);
      process.stdout.write(
        `per series (line through the one-process runs of ${steps.join(', ')} series): ` +
          `${(cost.rss / 1024).toFixed(0)} kB RSS and ${(cost.cpu * 1000).toFixed(2)} ms CPU per second; ` +
          `a process with no series ≈ ${megabytes(cost.baseRss)} and ${(cost.baseCpu * 100).toFixed(1)}% of a core; ` +
          `${bytesPerCandle === null ? 'no candles stored' : `${bytesPerCandle.toFixed(0)} bytes per stored 1m candle (table and indexes)`}` +
          `${steady ? '' : '; NOT at steady state: some run did not catch up within the limit (BENCH_SCALE_CATCH_UP_SECONDS)'}\n`,
      );
      if (steady) estimateInput = { cost, two, bytesPerCandle };
    }

    let api: Awaited<ReturnType<typeof runApi>> | null = null;
    if (parts.has('api')) {
      // The API reads a day of 1m candles of every series, written here so it does not depend on
      // how far ingestion got.
      const dayEndMs = Math.floor(emulator.clock.nowMs() / 60_000) * 60_000;
      const apiDatabase = await freshDatabase();
      const store = await openStore({ url: apiDatabase });
      try {
        for (const symbol of symbols)
          await store.candles.upsertCandles(minuteCandles('binance', symbol, dayEndMs - 86_400_000, 1440));
      } finally {
        await store.close();
      }
      api = await runApi(context, apiDatabase, symbols, dayEndMs, loadSeconds, connections);
      printBenchTable(
        `API through the proxy: ${connections} connections, ${loadSeconds} s each, requests spread over ${series} series (cached after warm-up)`,
        ['setup', 'scenario', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'api CPU ms/req', 'proxy CPU ms/req'],
        api.rows.map((row) => [
          row.setup,
          row.scenario,
          row.requestsPerSecond.toFixed(0),
          row.p50Ms.toFixed(1),
          row.p99Ms.toFixed(1),
          String(row.errors),
          row.apiCpuMsPerRequest.toFixed(2),
          row.proxyCpuMsPerRequest.toFixed(2),
        ]),
      );
      process.stdout.write(`api RSS after the load: ${api.rssBytes.map(megabytes).join(' + ')}\n`);
    }

    // Paper estimate, from the figures above.
    const lines = [
      '',
      `Paper estimate (from this run; processes held to ${CORE_TARGET * 100}% of a core and ${megabytes(PROCESS_MEMORY_LIMIT)}):`,
    ];
    const targetSeries = 10_000;
    if (estimateInput !== null) {
      const { cost, two, bytesPerCandle } = estimateInput;
      const seriesPerProcess = Math.max(
        1,
        Math.min(
          Math.floor((CORE_TARGET - cost.baseCpu) / cost.cpu),
          Math.floor((PROCESS_MEMORY_LIMIT - cost.baseRss) / cost.rss),
        ),
      );
      const ingestProcesses = Math.max(2, Math.ceil(targetSeries / seriesPerProcess));
      const ingestCores = ingestProcesses * cost.baseCpu + targetSeries * cost.cpu;
      const ingestMemory = ingestProcesses * cost.baseRss + targetSeries * cost.rss;
      const allRowsPerSecond =
        ((two.rowsPerSecond.candles + two.rowsPerSecond.trades + two.rowsPerSecond.topOfBook) / series) *
        targetSeries;
      lines.push(
        `  ${targetSeries.toLocaleString('en-US')} series: about ${seriesPerProcess.toLocaleString('en-US')} series per ingest process, so ${ingestProcesses} ingest processes, ` +
          `${ingestCores.toFixed(1)} cores and ${(ingestMemory / 1024 / MB).toFixed(1)} GB in all; ` +
          `the store takes ${(targetSeries / 60).toFixed(0)} 1m candles/s (${allRowsPerSecond.toFixed(0)} rows/s with trades and top of book at the emulator's pace)` +
          (bytesPerCandle === null
            ? '.'
            : ` and its candles grow by about ${((targetSeries * 1440 * bytesPerCandle) / 1024 / MB).toFixed(1)} GB a day.`),
      );
    } else if (parts.has('ingest')) {
      lines.push(
        `  ${targetSeries.toLocaleString('en-US')} series: not estimated, the ingest runs did not reach a steady state within ${catchUpLimitSeconds} s.`,
      );
    }
    if (api !== null) {
      const users = 1000;
      const requestsPerUserPerSecond = 0.2;
      const demand = users * requestsPerUserPerSecond;
      const viaProxy = api.rows.filter((row) => row.setup === '2 replicas behind the proxy');
      const apiCpuMs = mean(viaProxy.map((row) => row.apiCpuMsPerRequest));
      const proxyCpuMs = mean(viaProxy.map((row) => row.proxyCpuMsPerRequest));
      const apiCores = (demand * apiCpuMs) / 1000;
      const apiReplicas = Math.max(2, Math.ceil(apiCores / CORE_TARGET));
      lines.push(
        `  ${users.toLocaleString('en-US')} concurrent dashboard users at ${requestsPerUserPerSecond} requests/s each (${demand} req/s, live candles over streams): ` +
          `${apiCores.toFixed(2)} cores of api at ${apiCpuMs.toFixed(2)} ms CPU per request, so ${apiReplicas} replicas (2 at least, for availability), ` +
          `and ${((demand * proxyCpuMs) / 1000).toFixed(2)} cores of proxy; ${users.toLocaleString('en-US')} open streams are not measured here.`,
      );
    }
    process.stdout.write(
      `${[
        ...lines,
        `load average at the end: ${loadavg()
          .map((value) => value.toFixed(2))
          .join(' ')}`,
        '',
      ].join('\n')}`,
    );
  } finally {
    for (const child of spawned)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    const cleanUpFailed = (part: string) => (error: unknown) =>
      say(`could not clean up ${part}: ${(error as Error).message}`);
    await emulator.close().catch(cleanUpFailed('the emulator'));
    for (const server of servers) await server.stop().catch(cleanUpFailed(server.name));
    for (const database of databases) await database.drop().catch(cleanUpFailed('a bench database'));
    if (keptLogs === undefined) await rm(work, { recursive: true, force: true });
    else say(`logs kept in ${work}`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runScaleBench();
}
