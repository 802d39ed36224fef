import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createSeededRandom } from '../../features/seeded-random.ts';
import { createKernelArena, loadMatrixKernels } from './matrix-kernels.ts';

// Shapes straddling every block edge: 4-row blocks and single rows, 8- and 4-wide column blocks,
// depths past the 64-row chunk of the transposed product.
const SHAPES = [
  { rows: 1, columns: 4, depth: 1 },
  { rows: 7, columns: 12, depth: 5 },
  { rows: 9, columns: 20, depth: 70 },
  { rows: 4, columns: 8, depth: 129 },
];

describe('SIMD matrix kernels', async () => {
  const module = await loadMatrixKernels();

  for (const { rows, columns, depth } of SHAPES) {
    test(`multiply and accumulateTransposed equal plain loops (${rows}×${depth}·${depth}×${columns})`, () => {
      const random = createSeededRandom(rows * 1000 + depth);
      const { buffer, kernels } = createKernelArena(module, 1 << 20);
      // a: `depth`-wide rows (plus a 3-column offset) gathered in a shuffled order; b and c strided.
      const aWidth = Math.max(depth, rows) + 3;
      const aRows = Math.max(rows, depth) + 2;
      const fill = <T extends Float32Array | Int32Array>(view: T, value: (index: number) => number): T => {
        for (let index = 0; index < view.length; index += 1) view[index] = value(index);
        return view;
      };
      const a = fill(new Float32Array(buffer, 0, aRows * aWidth), () => 2 * random() - 1);
      const order = Array.from({ length: aRows }, (_, index) => (index * 7 + 3) % aRows);
      const starts = fill(new Int32Array(buffer, a.byteLength, aRows), (index) => order[index]! * aWidth);
      const ldb = columns + 4;
      const bAddress = starts.byteOffset + starts.byteLength;
      const b = fill(new Float32Array(buffer, bAddress, depth * ldb), () => 2 * random() - 1);
      const ldc = columns + 8;
      const cAddress = b.byteOffset + b.byteLength;
      const c = fill(new Float32Array(buffer, cAddress, Math.max(rows, depth) * ldc), () => random());
      const before = Float32Array.from(c);

      kernels.multiply(rows, columns, depth, 0, starts.byteOffset, 3, bAddress, ldb, cAddress, ldc, 1);
      for (let m = 0; m < rows; m += 1) {
        for (let n = 0; n < columns; n += 1) {
          let sum = before[m * ldc + n]!;
          for (let k = 0; k < depth; k += 1) sum += a[starts[m]! + 3 + k]! * b[k * ldb + n]!;
          assert.ok(Math.abs(c[m * ldc + n]! - sum) < 1e-5, `multiply (${m}, ${n})`);
        }
        for (let n = columns; n < ldc; n += 1)
          assert.equal(c[m * ldc + n], before[m * ldc + n], 'outside the block');
      }

      c.set(before);
      kernels.accumulateTransposed(
        rows,
        columns,
        depth,
        0,
        starts.byteOffset,
        3,
        bAddress,
        ldb,
        cAddress,
        ldc,
      );
      for (let i = 0; i < rows; i += 1) {
        for (let n = 0; n < columns; n += 1) {
          let sum = before[i * ldc + n]!;
          for (let k = 0; k < depth; k += 1) sum += a[starts[k]! + 3 + i]! * b[k * ldb + n]!;
          assert.ok(Math.abs(c[i * ldc + n]! - sum) < 1e-4, `accumulateTransposed (${i}, ${n})`);
        }
      }
    });
  }

  test('without accumulate, multiply overwrites instead of adding', () => {
    const { buffer, kernels } = createKernelArena(module, 4096);
    const values = new Float32Array(buffer, 0, 64);
    values.set([2], 0); // a = [[2]]
    values.set([3, 4, 5, 6], 4); // b = [[3, 4, 5, 6]]
    values.set([100, 100, 100, 100], 8); // c
    kernels.multiply(1, 4, 1, 0, 48 * 4, 0, 16, 4, 32, 4, 0);
    assert.deepEqual(Array.from(values.subarray(8, 12)), [6, 8, 10, 12]);
  });
});
