// Private PostgreSQL, NATS (JetStream) and Redis servers on free local ports, each in a folder of
// its own, for the chaos run: they can be stopped and started again without touching the
// machine's shared servers.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { dirname, join } from 'node:path';

export interface PrivateServer {
  name: string;
  url: string;
  port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** A port nobody listens on now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no free port');
  return address.port;
}

/** Resolves once something accepts TCP connections on the port. */
export async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.setTimeout(500);
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
      socket.once('timeout', () => (socket.destroy(), resolve(false)));
      socket.connect(port, '127.0.0.1');
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function requireBinary(path: string, hint: string): string {
  if (!existsSync(path)) throw new Error(`${path} is missing: ${hint}`);
  return path;
}

/** One child process that can be stopped (with `signal`) and started again with the same arguments. */
function supervised(
  name: string,
  port: number,
  url: string,
  command: string,
  args: readonly string[],
  signal: NodeJS.Signals,
): PrivateServer {
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  return {
    name,
    url,
    port,
    async start() {
      child = spawn(command, args, { stdio: 'ignore' });
      exited = new Promise((resolve) => child!.once('exit', () => resolve()));
      await waitForPort(port, 30_000);
    },
    async stop() {
      if (child === null || child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** The newest installed PostgreSQL's binaries (Debian's layout). */
function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  if (versions.length === 0) throw new Error('PostgreSQL is not installed (apt-get install postgresql)');
  return join(root, versions[0]!, 'bin');
}

export async function privatePostgres(folder: string): Promise<PrivateServer> {
  const bin = postgresBin();
  const port = await freePort();
  const data = join(folder, 'data');
  mkdirSync(folder, { recursive: true });
  // PostgreSQL refuses to run as root: as root, it runs as the `postgres` user.
  const asRoot = process.getuid?.() === 0;
  const runAs = asRoot ? ['runuser', '-u', 'postgres', '--'] : [];
  if (asRoot) {
    const ids = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const uid = Number(ids.stdout.trim());
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    chownSync(folder, uid, gid);
    // The folders above it are private to root; `postgres` may pass through them, not list them.
    for (let parent = dirname(folder); parent !== dirname(parent); parent = dirname(parent)) {
      if ((statSync(parent).mode & 0o001) === 0) chmodSync(parent, statSync(parent).mode | 0o001);
    }
  }
  const init = spawnSync(
    runAs[0] ?? join(bin, 'initdb'),
    [
      ...runAs.slice(1),
      ...(asRoot ? [join(bin, 'initdb')] : []),
      '-D',
      data,
      '-A',
      'trust',
      '-U',
      'runecast',
      '--no-sync',
    ],
    { encoding: 'utf8' },
  );
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  const postgres = requireBinary(join(bin, 'postgres'), 'install postgresql');
  const args = [
    '-D',
    data,
    '-p',
    String(port),
    '-k',
    folder,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=off',
  ];
  const command = runAs[0] ?? postgres;
  const server = supervised(
    'postgres',
    port,
    `postgres://runecast@127.0.0.1:${port}/postgres`,
    command,
    [...runAs.slice(1), ...(asRoot ? [postgres] : []), ...args],
    'SIGINT',
  );
  return server;
}

export async function privateNats(folder: string): Promise<PrivateServer> {
  const port = await freePort();
  mkdirSync(folder, { recursive: true });
  const binary = requireBinary('/usr/sbin/nats-server', 'apt-get install nats-server');
  return supervised(
    'nats',
    port,
    `nats://127.0.0.1:${port}`,
    binary,
    ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', folder],
    'SIGTERM',
  );
}

export async function privateRedis(): Promise<PrivateServer> {
  const port = await freePort();
  const binary = requireBinary('/usr/bin/redis-server', 'apt-get install redis-server');
  return supervised(
    'redis',
    port,
    `redis://127.0.0.1:${port}`,
    binary,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    'SIGTERM',
  );
}
