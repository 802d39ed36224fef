import { ValidationError } from '@runecast/market';

/** Fewest errors that give a finite conformal 95% quantile: ceil((n + 1) * 0.95) <= n needs n >= 19. */
export const MIN_CALIBRATION_RESIDUALS = 20;

/**
 * Split conformal calibration over a rolling window of recent absolute out-of-sample log-return
 * errors. The interval half-width at coverage c is the ceil((n + 1) c)-th smallest error, which
 * covers a new error with probability >= c when errors are exchangeable.
 */
export class ConformalCalibrator {
  /** Errors in arrival order (ring buffer) and the same errors kept sorted, so quantiles are O(1). */
  #ring: Float64Array;
  #sorted: Float64Array;
  #size = 0;
  #next = 0;

  constructor(readonly windowSize: number = 1000) {
    if (!Number.isSafeInteger(windowSize) || windowSize < MIN_CALIBRATION_RESIDUALS) {
      throw new ValidationError(
        `calibration window must be an integer >= ${MIN_CALIBRATION_RESIDUALS}, got ${windowSize}`,
      );
    }
    this.#ring = new Float64Array(windowSize);
    this.#sorted = new Float64Array(windowSize);
  }

  get size(): number {
    return this.#size;
  }

  /** Adds one absolute error; the oldest falls out once the window is full. */
  add(absoluteError: number): void {
    if (!Number.isFinite(absoluteError) || absoluteError < 0) {
      throw new ValidationError(
        `calibration error must be a finite non-negative number, got ${absoluteError}`,
      );
    }
    if (this.#size === this.windowSize) this.#removeSorted(this.#ring[this.#next]!);
    this.#ring[this.#next] = absoluteError;
    this.#next = (this.#next + 1) % this.windowSize;
    this.#insertSorted(absoluteError);
  }

  /** Replaces the window with these errors (oldest first); only the last `windowSize` are kept. */
  reset(absoluteErrors: ArrayLike<number>): void {
    this.#size = 0;
    this.#next = 0;
    const start = Math.max(0, absoluteErrors.length - this.windowSize);
    for (let index = start; index < absoluteErrors.length; index += 1) this.add(absoluteErrors[index]!);
  }

  /** Errors in the window, oldest first. */
  residuals(): Float64Array {
    const out = new Float64Array(this.#size);
    const oldest = this.#size === this.windowSize ? this.#next : 0;
    for (let index = 0; index < this.#size; index += 1)
      out[index] = this.#ring[(oldest + index) % this.windowSize]!;
    return out;
  }

  /** Half-width, in log return, of the interval with this coverage (0 < coverage < 1). */
  halfWidth(coverage: number): number {
    if (!(coverage > 0 && coverage < 1))
      throw new ValidationError(`coverage must be in (0, 1), got ${coverage}`);
    if (this.#size < MIN_CALIBRATION_RESIDUALS) {
      throw new ValidationError(
        `conformal intervals need at least ${MIN_CALIBRATION_RESIDUALS} out-of-sample errors, have ${this.#size}`,
      );
    }
    const rank = Math.min(this.#size, Math.ceil((this.#size + 1) * coverage));
    return this.#sorted[rank - 1]!;
  }

  #lowerBound(value: number): number {
    let low = 0;
    let high = this.#size - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.#sorted[middle]! < value) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  #removeSorted(value: number): void {
    const at = this.#lowerBound(value);
    this.#sorted.copyWithin(at, at + 1, this.#size);
    this.#size -= 1;
  }

  #insertSorted(value: number): void {
    let low = 0;
    let high = this.#size;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.#sorted[middle]! <= value) low = middle + 1;
      else high = middle;
    }
    this.#sorted.copyWithin(low + 1, low, this.#size);
    this.#sorted[low] = value;
    this.#size += 1;
  }
}
