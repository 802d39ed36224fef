import { performance } from 'node:perf_hooks';

export interface MarketClockOptions {
  startMs: number;
  speed: number;
  paused?: boolean;
}

/**
 * Emulated time: starts at `startMs` and runs `speed` times faster than the wall clock.
 * Changing speed or time re-anchors, so emulated time never jumps by itself.
 */
export class MarketClock {
  private anchorEmulatedMs: number;
  private anchorWallMs: number;
  private currentSpeed: number;
  private paused: boolean;

  constructor(options: MarketClockOptions) {
    this.anchorEmulatedMs = options.startMs;
    this.anchorWallMs = performance.now();
    this.currentSpeed = options.speed;
    this.paused = options.paused ?? false;
  }

  /** Emulated now, whole milliseconds. */
  nowMs(): number {
    if (this.paused) return Math.floor(this.anchorEmulatedMs);
    return Math.floor(this.anchorEmulatedMs + (performance.now() - this.anchorWallMs) * this.currentSpeed);
  }

  get speed(): number {
    return this.currentSpeed;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  private reanchor(emulatedMs: number): void {
    this.anchorEmulatedMs = emulatedMs;
    this.anchorWallMs = performance.now();
  }

  setSpeed(speed: number): void {
    this.reanchor(this.nowMs());
    this.currentSpeed = speed;
  }

  setNow(timeMs: number): void {
    this.reanchor(timeMs);
  }

  /** Moves emulated time forward by `durationMs` at once (also while paused). */
  advance(durationMs: number): void {
    this.reanchor(this.nowMs() + durationMs);
  }

  pause(): void {
    this.reanchor(this.nowMs());
    this.paused = true;
  }

  resume(): void {
    this.reanchor(this.nowMs());
    this.paused = false;
  }
}
