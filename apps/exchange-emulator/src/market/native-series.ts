import type { KlineRow } from '@runecast/market-files';
import { decimalsOf, fitsDecimals } from './decimal.ts';

/** A run of rows with no gap longer than BLOCK_GAP_MS; times outside every block have no data. */
export interface SeriesBlock {
  startMs: number;
  /** Exclusive: close time of the last candle + 1 ms. */
  endMs: number;
  firstIndex: number;
  lastIndex: number;
}

// Exchange halts (the 81-minute Binance stop of 2023-03-24, 34 hours in 2018) stay inside a block
// and simply have no candles; longer holes mean the data set does not cover that time.
const BLOCK_GAP_MS = 2 * 86_400_000;
const MAXIMUM_DECIMALS = 12;

/** The candles of one symbol at one timeframe as loaded from files (or generated), sorted by time. */
export class NativeSeries {
  readonly rows: KlineRow[] = [];
  readonly blocks: SeriesBlock[] = [];
  openTimes = new Float64Array(0);
  priceDecimals = 0;
  volumeDecimals = 0;
  /** Grows on every append, so caches built from the rows know when to rebuild. */
  version = 0;
  private volumeTotal = 0;

  constructor(
    readonly timeframe: string,
    readonly timeframeMs: number,
    rows: readonly KlineRow[],
  ) {
    this.append(rows);
  }

  append(rows: readonly KlineRow[]): void {
    if (rows.length === 0) return;
    const needed = this.rows.length + rows.length;
    if (needed > this.openTimes.length) {
      const grown = new Float64Array(Math.max(needed, this.openTimes.length * 2));
      grown.set(this.openTimes.subarray(0, this.rows.length));
      this.openTimes = grown;
    }
    for (const row of rows) {
      const previous = this.rows[this.rows.length - 1];
      if (previous && row.openTimeMs <= previous.openTimeMs) {
        throw new Error(`series ${this.timeframe}: rows must be appended in increasing time order`);
      }
      const index = this.rows.length;
      this.rows.push(row);
      this.openTimes[index] = row.openTimeMs;
      this.volumeTotal += row.volume;
      for (const price of [row.open, row.high, row.low, row.close]) {
        if (!fitsDecimals(price, this.priceDecimals)) {
          this.priceDecimals = Math.min(MAXIMUM_DECIMALS, Math.max(this.priceDecimals, decimalsOf(price)));
        }
      }
      if (!fitsDecimals(row.volume, this.volumeDecimals)) {
        this.volumeDecimals = Math.min(
          MAXIMUM_DECIMALS,
          Math.max(this.volumeDecimals, decimalsOf(row.volume)),
        );
      }
      const block = this.blocks[this.blocks.length - 1];
      if (block && previous && row.openTimeMs - previous.openTimeMs <= BLOCK_GAP_MS) {
        block.endMs = row.openTimeMs + this.timeframeMs;
        block.lastIndex = index;
      } else {
        this.blocks.push({
          startMs: row.openTimeMs,
          endMs: row.openTimeMs + this.timeframeMs,
          firstIndex: index,
          lastIndex: index,
        });
      }
    }
    this.version += 1;
  }

  get length(): number {
    return this.rows.length;
  }

  get averageVolume(): number {
    return this.rows.length === 0 ? 0 : this.volumeTotal / this.rows.length;
  }

  /** First index whose open time is >= `timeMs` (length when none). */
  lowerBound(timeMs: number): number {
    let low = 0;
    let high = this.rows.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.openTimes[middle] ?? 0) < timeMs) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Last index whose open time is <= `timeMs` (-1 when none). */
  indexAtOrBefore(timeMs: number): number {
    return this.lowerBound(timeMs + 1) - 1;
  }

  indexOf(openTimeMs: number): number {
    const index = this.lowerBound(openTimeMs);
    return this.openTimes[index] === openTimeMs && index < this.rows.length ? index : -1;
  }

  blockContaining(timeMs: number): SeriesBlock | null {
    let low = 0;
    let high = this.blocks.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const block = this.blocks[middle]!;
      if (timeMs < block.startMs) high = middle - 1;
      else if (timeMs >= block.endMs) low = middle + 1;
      else return block;
    }
    return null;
  }

  /** Start of the first block that begins after `timeMs`, or null. */
  nextBlockStartAfter(timeMs: number): number | null {
    for (const block of this.blocks) if (block.startMs > timeMs) return block.startMs;
    return null;
  }

  /** End of the last block that ends at or before `timeMs`, or null. */
  previousBlockEndBefore(timeMs: number): number | null {
    for (let index = this.blocks.length - 1; index >= 0; index -= 1) {
      const block = this.blocks[index]!;
      if (block.endMs <= timeMs) return block.endMs;
    }
    return null;
  }
}
