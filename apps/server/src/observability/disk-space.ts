import { statfs as nodeStatfs } from 'node:fs/promises';
import type { HealthCheck } from './health.ts';

/** What `fs.statfs` reports that the watcher reads (numbers or bigints, as Node gives them). */
export interface FileSystemStats {
  /** Size of a block, in bytes. */
  bsize: number | bigint;
  /** Blocks free to an unprivileged user (what the store's own user may still fill). */
  bavail: number | bigint;
  /** Blocks in the file system. */
  blocks: number | bigint;
}

/** Reads the file system holding `path`; `fs.promises.statfs` unless a test injects another. */
export type StatFileSystem = (path: string) => Promise<FileSystemStats>;

/** A folder whose file system is watched, with what it holds (`home`, `store`). */
export interface WatchedFolder {
  label: string;
  path: string;
  /**
   * True for a folder found out at run time (a local PostgreSQL's data directory): when it cannot
   * be read the watcher says so once and leaves it out instead of reporting itself degraded.
   */
  optional?: boolean;
}

export interface DiskVolumeReading {
  label: string;
  path: string;
  freeBytes: number;
  totalBytes: number;
}

export interface DiskSpaceStatus {
  /** True while writes are paused because some watched file system is nearly full. */
  readOnly: boolean;
  /** Why writes are paused (or why free space cannot be measured); null when all is well. */
  reason: string | null;
  volumes: DiskVolumeReading[];
  /** Folders whose file system could not be read at the last check, with the error. */
  unreadable: { label: string; path: string; error: string }[];
  checkedAtMs: number | null;
}

export interface DiskSpaceWatcherOptions {
  folders: readonly WatchedFolder[];
  /** Below this many free bytes on any watched file system, writes pause. */
  minFreeBytes: number;
  /**
   * Writes resume once every file system has this much free again (default `minFreeBytes` plus
   * a tenth of it), so a store hovering at the line does not flap between modes.
   */
  resumeFreeBytes?: number;
  /** How often free space is read. */
  intervalMs: number;
  statfs?: StatFileSystem;
  now?: () => number;
  /** Told once on each change between writable and read-only. */
  onChange?: (status: DiskSpaceStatus) => void;
  /** Told once when a folder becomes unreadable (and again only after it was read in between). */
  onUnreadable?: (folder: WatchedFolder, error: unknown) => void;
  /** Told after every reading. */
  onCheck?: (status: DiskSpaceStatus) => void;
  /** A listener that threw. */
  onError?: (error: unknown) => void;
}

const MEBIBYTE = 1024 * 1024;

function formatMegabytes(bytes: number): string {
  return `${Math.floor(bytes / MEBIBYTE).toLocaleString('en-US')} MB`;
}

/**
 * Watches the free space of the file systems holding Runecast's data (its home, the embedded
 * store, a local PostgreSQL's data directory) and turns the process read-only before the store
 * runs out: a store that hits a full disk fails every write, and may not come back by itself.
 * Reads are asynchronous and never overlap, so a slow file system cannot stall the process.
 */
export class DiskSpaceWatcher {
  private readonly statfs: StatFileSystem;
  private readonly now: () => number;
  private readonly resumeFreeBytes: number;
  private readonly listeners = new Set<(status: DiskSpaceStatus) => void>();
  private readonly unreadableNow = new Set<string>();
  private current: DiskSpaceStatus = {
    readOnly: false,
    reason: null,
    volumes: [],
    unreadable: [],
    checkedAtMs: null,
  };
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<DiskSpaceStatus> | null = null;

  constructor(private readonly options: DiskSpaceWatcherOptions) {
    if (!Number.isFinite(options.minFreeBytes) || options.minFreeBytes < 0)
      throw new RangeError('minFreeBytes must be a number of bytes, 0 or more');
    if (!Number.isFinite(options.intervalMs) || options.intervalMs <= 0)
      throw new RangeError('intervalMs must be a positive number of milliseconds');
    this.statfs = options.statfs ?? nodeStatfs;
    this.now = options.now ?? Date.now;
    this.resumeFreeBytes = Math.max(
      options.minFreeBytes,
      options.resumeFreeBytes ?? Math.ceil(options.minFreeBytes * 1.1),
    );
  }

  /** Reads free space once (so the first state is known), then every `intervalMs`. */
  async start(): Promise<DiskSpaceStatus> {
    const status = await this.check();
    if (this.timer === null) {
      this.timer = setInterval(() => void this.check(), this.options.intervalMs);
      this.timer.unref();
    }
    return status;
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** True while writes are paused. */
  readOnly(): boolean {
    return this.current.readOnly;
  }

  status(): DiskSpaceStatus {
    return this.current;
  }

  /** Calls `listener` on each change between writable and read-only; returns the unsubscribe. */
  subscribe(listener: (status: DiskSpaceStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reads every watched file system now; a read already under way is shared, never doubled. */
  check(): Promise<DiskSpaceStatus> {
    this.inFlight ??= this.read().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  /** The `disk` component of /ready: degraded, with the reason, while writes are paused. */
  healthCheck(): HealthCheck {
    return {
      name: 'disk',
      check: async () => {
        const status = this.current;
        const details = {
          readOnly: status.readOnly,
          minFreeBytes: this.options.minFreeBytes,
          resumeFreeBytes: this.resumeFreeBytes,
          volumes: status.volumes,
          ...(status.unreadable.length > 0 ? { unreadable: status.unreadable } : {}),
          checkedAtMs: status.checkedAtMs,
        };
        return { state: status.reason === null ? 'ok' : 'degraded', reason: status.reason, details };
      },
    };
  }

  private async read(): Promise<DiskSpaceStatus> {
    const { folders, minFreeBytes } = this.options;
    const volumes: DiskVolumeReading[] = [];
    const unreadable: DiskSpaceStatus['unreadable'] = [];
    for (const folder of folders) {
      try {
        const stats = await this.statfs(folder.path);
        const blockSize = Number(stats.bsize);
        const freeBytes = Number(stats.bavail) * blockSize;
        const totalBytes = Number(stats.blocks) * blockSize;
        if (!Number.isFinite(freeBytes) || !Number.isFinite(totalBytes) || freeBytes < 0 || totalBytes < 0)
          throw new Error(`statfs gave no usable sizes (${String(stats.bavail)} × ${String(stats.bsize)})`);
        volumes.push({ label: folder.label, path: folder.path, freeBytes, totalBytes });
        this.unreadableNow.delete(folder.path);
      } catch (error) {
        if (!this.unreadableNow.has(folder.path)) {
          this.unreadableNow.add(folder.path);
          this.options.onUnreadable?.(folder, error);
        }
        if (!folder.optional)
          unreadable.push({ label: folder.label, path: folder.path, error: (error as Error).message });
      }
    }
    const wasReadOnly = this.current.readOnly;
    const line = wasReadOnly ? this.resumeFreeBytes : minFreeBytes;
    const short = volumes.filter((volume) => volume.freeBytes < line);
    // A file system that cannot be read keeps the mode it had: guessing either way is worse.
    const readOnly = short.length > 0 || (wasReadOnly && unreadable.length > 0);
    const describe = (volume: DiskVolumeReading) =>
      `${formatMegabytes(volume.freeBytes)} free for ${volume.label} (${volume.path})`;
    const belowMinimum = volumes.filter((volume) => volume.freeBytes < minFreeBytes);
    let reason: string | null = null;
    if (belowMinimum.length > 0) {
      reason = `only ${belowMinimum.map(describe).join('; ')}, below the ${formatMegabytes(minFreeBytes)} minimum: writes are paused (read-only) until ${formatMegabytes(this.resumeFreeBytes)} are free`;
    } else if (short.length > 0) {
      reason = `${short.map(describe).join('; ')}, short of the ${formatMegabytes(this.resumeFreeBytes)} that end the pause: writes stay paused (read-only)`;
    } else if (readOnly) {
      reason = `cannot measure free space (${unreadable.map((item) => `${item.path}: ${item.error}`).join('; ')}): writes stay paused (read-only)`;
    } else if (unreadable.length > 0) {
      reason = `cannot measure free space: ${unreadable.map((item) => `${item.path}: ${item.error}`).join('; ')}`;
    }
    this.current = { readOnly, reason, volumes, unreadable, checkedAtMs: this.now() };
    const status = this.current;
    // A listener that throws must not stop the readings (they run from a timer).
    const tell = (listener: ((status: DiskSpaceStatus) => void) | undefined) => {
      try {
        listener?.(status);
      } catch (error) {
        this.options.onError?.(error);
      }
    };
    tell(this.options.onCheck);
    if (readOnly !== wasReadOnly) {
      tell(this.options.onChange);
      for (const listener of [...this.listeners]) tell(listener);
    }
    return status;
  }
}
