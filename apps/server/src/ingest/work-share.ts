import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Clock } from '@runecast/market';
import type { HealthCheck } from '../observability/health.ts';
import type { Logger } from '../observability/logger.ts';
import type { LeaseRepository } from '../store/lease.repository.ts';

export interface WorkShareOptions {
  leases: LeaseRepository;
  /** Names the shared work (`ingest`); lease names are `<group>:<key>`. */
  group: string;
  /** This process; unique among every process sharing the group. */
  owner?: string;
  /** How long a lease lives without renewal: a dead owner's work moves on within this plus `intervalMs`. */
  ttlMs: number;
  /** How often leases are renewed and the share balanced. */
  intervalMs: number;
  /** The keys of every piece of work to share now. */
  keys(): readonly string[];
  /** Makes this process do exactly the work of these keys; resolves once work given up has stopped. */
  apply(owned: ReadonlySet<string>): Promise<void>;
  /**
   * True when no other process can share the store (the embedded one): leases left by an earlier
   * run of this process are dropped at start instead of waited out.
   */
  exclusive: boolean;
  clock: Clock;
  logger: Logger;
  onError?: (error: unknown) => void;
}

export interface WorkShareStatus {
  owner: string;
  members: number;
  owned: string[];
  lastSyncAtMs: number | null;
  lastError: string | null;
}

/** A renewal this close to the lease's end counts as too late: the work stops before another may take it. */
const SAFETY_MARGIN = 0.8;

/**
 * Shares keyed work among every live process of a group through leases in the store: each key
 * is held by at most one process, each process takes about its fair share (keys ÷ live members)
 * and gives up the excess when another joins, and the keys of a process that died are taken over
 * once their leases expire. Work is given up (stopped) before its lease is released, and a process
 * that cannot renew stops its work before the leases could pass to another, so two processes
 * never do one key's work at once.
 */
export class WorkShare {
  readonly owner: string;
  private owned = new Set<string>();
  private members = 1;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();
  private again = false;
  private stopped = false;
  private lastRenewedAtMs: number | null = null;
  private lastSyncAtMs: number | null = null;
  private lastError: string | null = null;

  constructor(private readonly options: WorkShareOptions) {
    this.owner = options.owner ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  }

  /** Takes this process's first share (resolves when its work has started), then keeps balancing. */
  async start(): Promise<void> {
    if (this.options.exclusive) {
      await this.options.leases.clear(`${this.options.group}:`);
      await this.options.leases.clear(`member:${this.options.group}:`);
    }
    await this.sync();
    this.timer = setInterval(() => this.sync(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Balances now (for example when the set of keys changed); resolves when done. */
  sync(): Promise<void> {
    if (this.stopped) return this.running;
    this.again = true;
    this.running = this.running.then(async () => {
      if (!this.again || this.stopped) return;
      this.again = false;
      await this.balance();
    });
    return this.running;
  }

  /** Stops balancing, stops this process's work and releases its leases for others at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
    const names = [...this.owned].map((key) => this.leaseName(key));
    await this.options.apply(new Set());
    this.owned = new Set();
    try {
      await this.options.leases.release(this.owner, [...names, `member:${this.options.group}:${this.owner}`]);
    } catch (error) {
      // They expire by themselves; another process only waits longer.
      this.options.onError?.(error);
      this.options.logger.warn({ err: error }, 'could not release leases on stop; they expire by themselves');
    }
  }

  status(): WorkShareStatus {
    return {
      owner: this.owner,
      members: this.members,
      owned: [...this.owned].sort(),
      lastSyncAtMs: this.lastSyncAtMs,
      lastError: this.lastError,
    };
  }

  healthCheck(): HealthCheck {
    return {
      name: `leases:${this.options.group}`,
      check: async () => {
        const details = { ...this.status() };
        if (this.lastError !== null) {
          return { state: 'degraded', reason: `cannot renew leases: ${this.lastError}`, details };
        }
        return { state: 'ok', reason: null, details };
      },
    };
  }

  private leaseName(key: string): string {
    return `${this.options.group}:${key}`;
  }

  private async balance(): Promise<void> {
    const { leases, ttlMs, logger } = this.options;
    const prefix = `${this.options.group}:`;
    const keys = [...new Set(this.options.keys())].sort();
    try {
      const members = await leases.heartbeat(this.options.group, this.owner, ttlMs);
      const names = keys.map((key) => this.leaseName(key));
      const held = await leases.renew(
        this.owner,
        [...this.owned].map((key) => this.leaseName(key)),
        ttlMs,
      );
      this.lastRenewedAtMs = this.options.clock.now();
      const lost = [...this.owned].filter((key) => !held.includes(this.leaseName(key)));
      if (lost.length > 0)
        logger.warn({ keys: lost }, 'leases lost to another process; giving up their work');
      const share = Math.ceil(names.length / members);
      const wanted = new Set(names);
      let keep = held.filter((name) => wanted.has(name)).sort();
      const excess = keep.slice(share);
      keep = keep.slice(0, share);
      if (keep.length < share) {
        const free = names.filter((name) => !keep.includes(name));
        keep = [...keep, ...(await leases.acquire(this.owner, free, ttlMs, share - keep.length))].sort();
      }
      const next = new Set(keep.map((name) => name.slice(prefix.length)));
      const changed = next.size !== this.owned.size || [...next].some((key) => !this.owned.has(key));
      if (changed || members !== this.members) {
        logger.info(
          { owner: this.owner, members, owned: [...next], share },
          `this process now does ${next.size} of ${keys.length} pieces of ${this.options.group} work`,
        );
      }
      this.members = members;
      if (changed) await this.options.apply(next);
      this.owned = next;
      const released = [...held.filter((name) => !wanted.has(name)), ...excess];
      if (released.length > 0) await leases.release(this.owner, released);
      if (this.lastError !== null) logger.info('leases renew again');
      this.lastError = null;
      this.lastSyncAtMs = this.options.clock.now();
    } catch (error) {
      this.options.onError?.(error);
      const message = (error as Error).message;
      if (this.lastError === null) logger.warn({ err: error }, 'could not renew leases');
      this.lastError = message;
      const sinceRenewalMs =
        this.lastRenewedAtMs === null ? Infinity : this.options.clock.now() - this.lastRenewedAtMs;
      if (this.owned.size > 0 && sinceRenewalMs >= SAFETY_MARGIN * ttlMs) {
        logger.warn(
          { keys: [...this.owned] },
          'leases could not be renewed in time; stopping their work so another process can take it',
        );
        this.owned = new Set();
        await this.options.apply(new Set()).catch((stopError: unknown) => this.options.onError?.(stopError));
      }
    }
  }
}
