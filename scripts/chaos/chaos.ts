// `npm run chaos -- --minutes N [--json] [--kill-every SECONDS]`: the distributed set-up under
// fire. Starts private PostgreSQL, NATS and Redis servers on free ports, the exchange emulator,
// and every role as separate processes (api ×2 behind a proxy, ingest ×2, worker ×2, scheduler,
// alerts); polls the API through the proxy twice a second; every `--kill-every` seconds kills a
// random role process with SIGKILL and starts it again; restarts NATS, Redis and PostgreSQL once
// each; then settles and reports availability through the proxy, missing and duplicate 1m
// candles, duplicate forecasts and jobs, and how long each role took to answer /health again.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { startEmulator } from '@runecast/exchange-emulator';
import { freePort, privateNats, privatePostgres, privateRedis, type PrivateServer } from './servers.ts';
import { startProxy } from './proxy.ts';

const RUNECAST_BIN = fileURLToPath(new URL('../../apps/server/bin/runecast.js', import.meta.url));
const MARKETS = ['BTC/USDT', 'ETH/USDT'];
const ADMIN = { email: 'chaos@runecast.local', password: 'chaos-run-password-1234' };
const SETTLE_MS = 30_000;

export interface ChaosOptions {
  minutes: number;
  killEverySeconds: number;
  /** Progress lines on stderr. */
  say?: (line: string) => void;
}

export interface ChaosReport {
  minutes: number;
  availability: number;
  requests: number;
  failedRequests: number;
  missingCandles: number;
  duplicateCandles: number;
  duplicateForecasts: number;
  duplicateJobs: number;
  forecasts: number;
  kills: { role: string; atSeconds: number; recoverySeconds: number | null }[];
  serverRestarts: string[];
  /** Longest time any process of each role took to answer /health after it was started again. */
  recoverySeconds: Record<string, number | null>;
  recoveredAll: boolean;
}

interface RoleProcess {
  name: string;
  roles: string;
  port: number;
  home: string;
  child: ChildProcess | null;
  exited: Promise<void>;
}

function parseOptions(argv: readonly string[]): ChaosOptions & { json: boolean } {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      minutes: { type: 'string', default: '10' },
      'kill-every': { type: 'string', default: '30' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const minutes = Number(values.minutes);
  const killEvery = Number(values['kill-every']);
  if (!Number.isFinite(minutes) || minutes < 1 || minutes > 240) {
    throw new Error(`--minutes must be a number from 1 to 240, got ${values.minutes}`);
  }
  if (!Number.isFinite(killEvery) || killEvery < 5 || killEvery > 3600) {
    throw new Error(`--kill-every must be seconds from 5 to 3600, got ${values['kill-every']}`);
  }
  return { minutes, killEverySeconds: killEvery, json: values.json === true };
}

async function healthy(port: number): Promise<boolean> {
  try {
    const answer = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2_000) });
    return answer.status === 200;
  } catch {
    return false;
  }
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<number | null> {
  const startedAt = Date.now();
  while (Date.now() - startedAt < timeoutMs) {
    if (await check()) return Date.now() - startedAt;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return null;
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const say = options.say ?? (() => {});
  const work = await mkdtemp(join(tmpdir(), 'runecast-chaos-'));
  const servers: PrivateServer[] = [];
  const processes: RoleProcess[] = [];
  const emulator = await startEmulator({ speed: 60, tickMs: 100, simulatedHistoryDays: 1 });
  let proxy: Awaited<ReturnType<typeof startProxy>> | null = null;
  try {
    const postgres = await privatePostgres(join(work, 'postgres'));
    const nats = await privateNats(join(work, 'nats'));
    const redis = await privateRedis();
    servers.push(postgres, nats, redis);
    for (const server of servers) await server.start();
    say(`servers: ${servers.map((server) => `${server.name} :${server.port}`).join(', ')}`);

    const secrets = {
      RUNECAST_JWT_SECRET: 'chaos-run-signing-secret-that-is-long-enough',
      RUNECAST_SECRETS_KEY: '0'.repeat(64),
    };
    const environment = (home: string, port: number): NodeJS.ProcessEnv => ({
      ...process.env,
      ...secrets,
      RUNECAST_HOME: home,
      RUNECAST_PORT: String(port),
      RUNECAST_DATABASE_URL: postgres.url,
      RUNECAST_BUS_URL: nats.url,
      RUNECAST_CACHE_URL: redis.url,
      RUNECAST_EMULATOR_URL: emulator.url,
      RUNECAST_MARKETS: MARKETS.map((symbol) => `binance:${symbol}`).join(','),
      RUNECAST_BACKFILL_DAYS: '1',
      RUNECAST_INGEST_LEASE_SECONDS: '9',
      RUNECAST_RUNES_PROVIDERS: 'none',
      RUNECAST_NEWS_FEEDS: 'none',
      RUNECAST_DEFAULT_MODEL: 'naive',
      RUNECAST_ADMIN_EMAIL: ADMIN.email,
      RUNECAST_ADMIN_PASSWORD: ADMIN.password,
      RUNECAST_LOG_LEVEL: 'warn',
      RUNECAST_LOG_FORMAT: 'json',
    });
    const start = (role: RoleProcess) => {
      const log = createWriteStream(join(role.home, 'process.log'), { flags: 'a' });
      const child = spawn(process.execPath, [RUNECAST_BIN, 'serve', '--roles', role.roles], {
        env: environment(role.home, role.port),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout!.pipe(log);
      child.stderr!.pipe(log);
      role.child = child;
      role.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    };
    const shapes: [string, string][] = [
      ['api-1', 'api'],
      ['api-2', 'api'],
      ['ingest-1', 'ingest'],
      ['ingest-2', 'ingest'],
      ['worker-1', 'worker'],
      ['worker-2', 'worker'],
      ['scheduler', 'scheduler'],
      ['alerts', 'alerts'],
    ];
    for (const [name, roles] of shapes) {
      const home = await mkdtemp(join(work, `${name}-`));
      processes.push({ name, roles, port: await freePort(), home, child: null, exited: Promise.resolve() });
    }
    // The first api process makes the schema and the admin; the rest start beside each other.
    start(processes[0]!);
    if ((await waitUntil(() => healthy(processes[0]!.port), 180_000)) === null) {
      throw new Error(`api-1 did not start; see ${join(processes[0]!.home, 'process.log')}`);
    }
    for (const role of processes.slice(1)) start(role);
    for (const role of processes) {
      if ((await waitUntil(() => healthy(role.port), 180_000)) === null) {
        throw new Error(`${role.name} did not start; see ${join(role.home, 'process.log')}`);
      }
    }
    proxy = await startProxy(processes.filter((role) => role.roles === 'api').map((role) => role.port));
    const base = `http://127.0.0.1:${proxy.port}`;
    say(`every role answers; proxy on :${proxy.port}`);

    // Wait for data, then keep polling through the proxy.
    let token: string | null = null;
    const login = async () => {
      const answer = await fetch(`${base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(ADMIN),
        signal: AbortSignal.timeout(5_000),
      });
      if (answer.status === 200) token = ((await answer.json()) as { accessToken: string }).accessToken;
      return answer.status === 200;
    };
    if ((await waitUntil(login, 60_000)) === null) throw new Error('could not log in through the proxy');
    const probe = async (): Promise<boolean> => {
      try {
        const answer = await fetch(`${base}/api/v1/candles/latest?series=binance:BTC/USDT:1m`, {
          headers: { authorization: `Bearer ${token}` },
          signal: AbortSignal.timeout(5_000),
        });
        if (answer.status === 401) await login();
        return answer.status === 200;
      } catch {
        return false;
      }
    };
    if ((await waitUntil(probe, 180_000)) === null) throw new Error('no candle served through the proxy');
    // The first forecast too, so duplicates of forecasts are looked for in a run that makes them.
    const forecastSeen = await waitUntil(async () => {
      try {
        const answer = await fetch(`${base}/api/v1/forecasts/latest?series=binance:BTC/USDT:1m`, {
          headers: { authorization: `Bearer ${token}` },
          signal: AbortSignal.timeout(5_000),
        });
        if (answer.status === 401) await login();
        if (answer.status !== 200) return false;
        return ((await answer.json()) as { forecasts: unknown[] }).forecasts.length > 0;
      } catch {
        return false;
      }
    }, 240_000);
    if (forecastSeen === null) throw new Error('no forecast was made within 4 minutes of the start');
    say(`first forecast after ${Math.round(forecastSeen / 1000)} s more`);

    let requests = 0;
    let failed = 0;
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const started = Date.now();
        requests += 1;
        if (!(await probe())) failed += 1;
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, 500 - (Date.now() - started))));
      }
    })();

    const kills: ChaosReport['kills'] = [];
    const recoveries: Promise<void>[] = [];
    const serverRestarts: string[] = [];
    const startedAtMs = Date.now();
    const durationMs = options.minutes * 60_000;
    const serverRestartAt = new Map<PrivateServer, number>([
      [nats, durationMs / 4],
      [redis, durationMs / 2],
      [postgres, (3 * durationMs) / 4],
    ]);
    let nextKillMs = options.killEverySeconds * 1000;
    while (Date.now() - startedAtMs < durationMs) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const elapsedMs = Date.now() - startedAtMs;
      for (const [server, atMs] of serverRestartAt) {
        if (elapsedMs < atMs) continue;
        serverRestartAt.delete(server);
        say(`restarting ${server.name}`);
        await server.stop();
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        await server.start();
        serverRestarts.push(server.name);
      }
      if (elapsedMs >= nextKillMs) {
        nextKillMs += options.killEverySeconds * 1000;
        const victim = processes[Math.floor(Math.random() * processes.length)]!;
        say(`killing ${victim.name}`);
        victim.child?.kill('SIGKILL');
        await victim.exited;
        start(victim);
        const kill = {
          role: victim.name,
          atSeconds: Math.round(elapsedMs / 1000),
          recoverySeconds: null as number | null,
        };
        kills.push(kill);
        recoveries.push(
          waitUntil(() => healthy(victim.port), 120_000).then((ms) => {
            kill.recoverySeconds = ms === null ? null : Math.round(ms / 100) / 10;
          }),
        );
      }
    }
    await Promise.all(recoveries);
    say('settling');
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    polling = false;
    await poller;

    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    try {
      const query = async (sql: string, params: unknown[] = []) =>
        Number((await client.query<{ n: string }>(sql, params)).rows[0]?.n ?? 0);
      // What the emulator served: every minute from the first stored candle to shortly before now.
      const servedUntilMs = Math.floor(emulator.clock.nowMs() / 60_000) * 60_000 - 3 * 60_000;
      let missingCandles = 0;
      for (const symbol of MARKETS) {
        const first = await query(
          `SELECT min(open_time_ms) AS n FROM candles WHERE exchange = 'binance' AND symbol = $1 AND timeframe = '1m'`,
          [symbol],
        );
        const stored = await query(
          `SELECT count(DISTINCT open_time_ms) AS n FROM candles
            WHERE exchange = 'binance' AND symbol = $1 AND timeframe = '1m' AND open_time_ms < $2`,
          [symbol, servedUntilMs],
        );
        missingCandles += Math.max(0, Math.round((servedUntilMs - first) / 60_000) - stored);
      }
      const duplicateCandles = await query(
        `SELECT count(*) AS n FROM (SELECT 1 FROM candles
           GROUP BY exchange, symbol, timeframe, open_time_ms HAVING count(*) > 1) AS repeated`,
      );
      const duplicateForecasts = await query(
        `SELECT count(*) AS n FROM (SELECT 1 FROM forecasts
           GROUP BY exchange, symbol, timeframe, horizon_minutes, model_version_id, issued_at_ms
           HAVING count(*) > 1) AS repeated`,
      );
      const forecasts = await query('SELECT count(*) AS n FROM forecasts');
      // Two runs of one job key at the same time: work done twice.
      const duplicateJobs = await query(
        `SELECT count(*) AS n FROM jobs a JOIN jobs b ON a.dedupe_key = b.dedupe_key AND a.id < b.id
          WHERE a.started_at_ms IS NOT NULL AND b.started_at_ms IS NOT NULL
            AND a.started_at_ms < coalesce(b.finished_at_ms, 9e15)
            AND b.started_at_ms < coalesce(a.finished_at_ms, 9e15)`,
      );
      const recoverySeconds: Record<string, number | null> = {};
      for (const [, roles] of shapes) {
        const own = kills.filter((kill) => kill.role.startsWith(roles));
        if (own.length === 0) continue;
        recoverySeconds[roles] = own.some((kill) => kill.recoverySeconds === null)
          ? null
          : Math.max(...own.map((kill) => kill.recoverySeconds!));
      }
      return {
        minutes: options.minutes,
        availability: requests === 0 ? 0 : (requests - failed) / requests,
        requests,
        failedRequests: failed,
        missingCandles,
        duplicateCandles,
        duplicateForecasts,
        duplicateJobs,
        forecasts,
        kills,
        serverRestarts,
        recoverySeconds,
        recoveredAll: kills.every((kill) => kill.recoverySeconds !== null),
      };
    } finally {
      await client.end();
    }
  } finally {
    await proxy?.close();
    for (const role of processes) {
      role.child?.kill('SIGTERM');
      await Promise.race([role.exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
      role.child?.kill('SIGKILL');
    }
    for (const server of servers) await server.stop().catch(() => undefined);
    await emulator.close();
    await rm(work, { recursive: true, force: true });
  }
}

function printReport(report: ChaosReport): void {
  const lines = [
    `chaos run: ${report.minutes} min, ${report.kills.length} role kills, restarts of ${report.serverRestarts.join(', ') || 'nothing'}`,
    `availability through the proxy: ${(report.availability * 100).toFixed(2)}% of ${report.requests} requests (goal ≥ 99.5%)`,
    `missing 1m candles: ${report.missingCandles}, duplicate candles: ${report.duplicateCandles} (goal 0 and 0)`,
    `forecasts: ${report.forecasts}, duplicate forecasts: ${report.duplicateForecasts}, jobs run twice at once: ${report.duplicateJobs} (goal 0)`,
    `recovery (s, worst per role): ${Object.entries(report.recoverySeconds)
      .map(([role, seconds]) => `${role} ${seconds ?? 'never'}`)
      .join(', ')}`,
    `every killed process answered /health again: ${report.recoveredAll ? 'yes' : 'no'}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  let options: ReturnType<typeof parseOptions>;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`chaos: ${(error as Error).message}\n`);
    process.exit(2);
  }
  const report = await runChaos({ ...options, say: (line) => process.stderr.write(`chaos: ${line}\n`) });
  if (options.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else printReport(report);
}
