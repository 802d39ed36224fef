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
 *
 * Leases are renewed on a timer of their own, every `intervalMs` (a third of the lease by
 * default), never held up by starting or stopping work. A renewal that comes late (the event loop
 * was busy) takes back each lapsed lease no other process took; only the keys another process
 * holds are given up, the rest of the work goes on.
 */
export class WorkShare {
  readonly owner: string;
  /** Keys whose work runs here. */
  private owned = new Set<string>();
  /** Lease names this process holds in the store (taken ahead of starting, released after stopping). */
  private held = new Set<string>();
  private members = 1;
  private lastLoggedMembers = 0;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> = Promise.resolve();
  private renewing: Promise<void> | null = null;
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
    this.timer = setInterval(() => {
      void this.renew();
      void this.sync();
    }, this.options.intervalMs);
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

  /**
   * Renews the leases held now, apart from balancing (which may be busy starting or stopping
   * work); resolves when done. Lost leases make the next balance give up their work.
   */
  renew(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.renewing ??= (async () => {
      try {
        const lost = await this.renewHeld();
        this.renewFailed(null);
        if (lost.length > 0) void this.sync();
      } catch (error) {
        if (this.renewFailed(error)) {
          this.running = this.running.then(() =>
            this.options.apply(new Set()).catch((stopError: unknown) => this.options.onError?.(stopError)),
          );
        }
      } finally {
        this.renewing = null;
      }
    })();
    return this.renewing;
  }

  /** Stops balancing, stops this process's work and releases its leases for others at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
    await this.renewing;
    const names = [...this.held];
    await this.options.apply(new Set());
    this.owned = new Set();
    this.held = new Set();
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

  /**
   * Registers this member and extends every lease held. A lease that lapsed (renewed too late)
   * is taken back when no other process took it meanwhile; answers the names another process
   * holds now, which are dropped from `held`.
   */
  private async renewHeld(): Promise<string[]> {
    const { leases, ttlMs } = this.options;
    this.members = await leases.heartbeat(this.options.group, this.owner, ttlMs);
    const names = [...this.held];
    const renewed = new Set(await leases.renew(this.owner, names, ttlMs));
    const lapsed = names.filter((name) => !renewed.has(name));
    const retaken = new Set(
      lapsed.length === 0 ? [] : await leases.acquire(this.owner, lapsed, ttlMs, lapsed.length),
    );
    this.lastRenewedAtMs = this.options.clock.now();
    const lost = lapsed.filter((name) => !retaken.has(name));
    if (retaken.size > 0) {
      this.options.logger.warn(
        { leases: retaken.size },
        'leases lapsed before their renewal (was this process too busy?) and were taken back',
      );
    }
    if (lost.length > 0) {
      this.options.logger.warn(
        { keys: lost.map((name) => name.slice(this.options.group.length + 1)) },
        'leases lost to another process; giving up their work only',
      );
    }
    for (const name of lost) this.held.delete(name);
    return lost;
  }

  /**
   * Records a renewal's outcome. Answers true when a failure came past the safety margin: then
   * nothing is owned any more and the caller stops all work here.
   */
  private renewFailed(error: unknown): boolean {
    const { logger, ttlMs } = this.options;
    if (error === null) {
      if (this.lastError !== null) logger.info('leases renew again');
      this.lastError = null;
      return false;
    }
    this.options.onError?.(error);
    if (this.lastError === null) logger.warn({ err: error }, 'could not renew leases');
    this.lastError = (error as Error).message;
    const sinceRenewalMs =
      this.lastRenewedAtMs === null ? Infinity : this.options.clock.now() - this.lastRenewedAtMs;
    if (this.owned.size > 0 && sinceRenewalMs >= SAFETY_MARGIN * ttlMs) {
      // Nothing says whether the store still holds them for us: stop before another may take them.
      logger.warn(
        { keys: [...this.owned] },
        'leases could not be renewed in time; stopping their work so another process can take it',
      );
      this.owned = new Set();
      this.held = new Set();
      return true;
    }
    return false;
  }

  private async balance(): Promise<void> {
    const { leases, ttlMs, logger } = this.options;
    const prefix = `${this.options.group}:`;
    const keys = [...new Set(this.options.keys())].sort();
    try {
      await this.renewHeld();
      const members = this.members;
      const names = keys.map((key) => this.leaseName(key));
      const share = Math.ceil(names.length / members);
      const wanted = new Set(names);
      // Work already running here is kept first, so a balance moves as few keys as it can.
      const current = (name: string) => this.owned.has(name.slice(prefix.length));
      const heldWanted = [...this.held]
        .filter((name) => wanted.has(name))
        .sort((left, right) => Number(current(right)) - Number(current(left)) || left.localeCompare(right));
      let keep = heldWanted.slice(0, share);
      const excess = heldWanted.slice(share);
      if (keep.length < share) {
        const keeping = new Set(keep);
        const free = names.filter((name) => !keeping.has(name));
        const taken = await leases.acquire(this.owner, free, ttlMs, share - keep.length);
        for (const name of taken) this.held.add(name);
        keep = [...keep, ...taken];
      }
      const next = new Set(keep.map((name) => name.slice(prefix.length)));
      const changed = next.size !== this.owned.size || [...next].some((key) => !this.owned.has(key));
      if (changed || members !== this.lastLoggedMembers) {
        logger.info(
          { owner: this.owner, members, owned: next.size, share },
          `this process now does ${next.size} of ${keys.length} pieces of ${this.options.group} work`,
        );
        this.lastLoggedMembers = members;
      }
      if (changed) await this.options.apply(next);
      this.owned = next;
      const released = [...this.held].filter((name) => !wanted.has(name) || excess.includes(name));
      if (released.length > 0) {
        await leases.release(this.owner, released);
        for (const name of released) this.held.delete(name);
      }
      this.renewFailed(null);
      this.lastSyncAtMs = this.options.clock.now();
    } catch (error) {
      if (this.renewFailed(error))
        await this.options.apply(new Set()).catch((stopError: unknown) => this.options.onError?.(stopError));
    }
  }
}
