// Matrix products for the recurrent kernels, in WebAssembly with 128-bit SIMD. Plain JavaScript
// loops (register-blocked, 2 × 4 sums in locals) reached about 3 GMAC/s here; these reach about
// 23 GMAC/s on the same shapes, which took the products from about 80% of a training step to 30%.
// The module is written as WebAssembly text, generated below for each block shape, and compiled
// once per process with wabt; worker threads receive the compiled module. wabt (600 kB of
// JavaScript) is loaded only then, so processes and threads that train no recurrent model never
// hold it.
//
// Both products read the rows of their left operand through a table of start offsets (in floats),
// which lets one routine read gathered windows, time-major states and column slices alike. Every
// column count must be a multiple of 4 (one SIMD vector); row counts and depths are free.

/** Exports of an instance of the kernels module; every address is a byte offset into its memory. */
export interface MatrixKernelExports {
  /**
   * c[m·ldc + n] = (accumulate ? c[…] : 0) + Σₖ a[starts[m] + columnOffset + k] · b[k·ldb + n]
   * for m < rows, n < columns, k < depth. `starts` holds int32 offsets in floats from `a`.
   */
  multiply(
    rows: number,
    columns: number,
    depth: number,
    a: number,
    starts: number,
    columnOffset: number,
    b: number,
    ldb: number,
    c: number,
    ldc: number,
    accumulate: number,
  ): void;
  /**
   * c[i·ldc + n] += Σₖ a[starts[k] + columnOffset + i] · b[k·ldb + n] for i < rows, n < columns,
   * k < depth: the aᵀ·b products weight gradients are made of.
   */
  accumulateTransposed(
    rows: number,
    columns: number,
    depth: number,
    a: number,
    starts: number,
    columnOffset: number,
    b: number,
    ldb: number,
    c: number,
    ldc: number,
  ): void;
}

/** Depth of one pass of the transposed product, so its slice of b stays in L1 cache. */
const TRANSPOSED_DEPTH_CHUNK = 64;

const range = (count: number): number[] => Array.from({ length: count }, (_, index) => index);

/** Loads, updates and stores a block of `rowCount` × `vectorCount`·4 sums around an inner loop over k. */
function blockCode(options: {
  rowCount: number;
  vectorCount: number;
  /** Expression: byte address of the block's first sum. */
  output: string;
  /** Byte stride between the block's rows of sums. */
  outputStride: string;
  accumulate: string;
  /** Code run once before the loop over k (pointer set-up). */
  before: string;
  /** Expression for the a value of block row r at the current k. */
  aValue: (row: number) => string;
  /** Code advancing the pointers after each k. */
  advance: string;
  depth: string;
}): string {
  const { rowCount, vectorCount } = options;
  const sums = range(rowCount).flatMap((row) => range(vectorCount).map((vector) => ({ row, vector })));
  const address = (row: number): string =>
    row === 0
      ? options.output
      : `(i32.add ${options.output} (i32.mul (i32.const ${row}) ${options.outputStride}))`;
  return `
    ${sums
      .map(
        ({ row, vector }) =>
          `(local.set $s${row}${vector} (if (result v128) ${options.accumulate} (then (v128.load offset=${vector * 16} ${address(row)})) (else (v128.const i32x4 0 0 0 0))))`,
      )
      .join('\n    ')}
    ${options.before}
    (local.set $k ${options.depth})
    (block $kDone (loop $kLoop
      (br_if $kDone (i32.eqz (local.get $k)))
      ${range(vectorCount)
        .map((vector) => `(local.set $b${vector} (v128.load offset=${vector * 16} (local.get $bPointer)))`)
        .join(' ')}
      ${range(rowCount)
        .map(
          (row) =>
            `(local.set $x (f32x4.splat ${options.aValue(row)}))` +
            range(vectorCount)
              .map(
                (vector) =>
                  ` (local.set $s${row}${vector} (f32x4.add (local.get $s${row}${vector}) (f32x4.mul (local.get $x) (local.get $b${vector}))))`,
              )
              .join(''),
        )
        .join('\n      ')}
      ${options.advance}
      (local.set $bPointer (i32.add (local.get $bPointer) (local.get $ldbBytes)))
      (local.set $k (i32.sub (local.get $k) (i32.const 1)))
      (br $kLoop)))
    ${sums.map(({ row, vector }) => `(v128.store offset=${vector * 16} ${address(row)} (local.get $s${row}${vector}))`).join('\n    ')}`;
}

/** Loops over column blocks of 8 then 4 for a fixed block of rows. */
function columnLoops(block: (vectorCount: number) => string, outputAddress: string): string {
  return `
    (local.set $n (i32.const 0))
    (block $nDone (loop $nLoop
      (br_if $nDone (i32.gt_u (i32.add (local.get $n) (i32.const 8)) (local.get $columns)))
      (local.set $outputPointer ${outputAddress})
      ${block(2)}
      (local.set $n (i32.add (local.get $n) (i32.const 8)))
      (br $nLoop)))
    (if (i32.lt_u (local.get $n) (local.get $columns)) (then
      (local.set $outputPointer ${outputAddress})
      ${block(1)}))`;
}

const SUM_LOCALS = range(4)
  .flatMap((row) => range(2).map((vector) => `(local $s${row}${vector} v128)`))
  .join(' ');

function multiplyFunction(): string {
  const rowBlock = (rowCount: number): string => {
    const rowStarts = range(rowCount)
      .map(
        (row) =>
          `(local.set $rowStart${row} (i32.add (local.get $a) (i32.shl (i32.add (i32.load offset=${row * 4} (i32.add (local.get $starts) (i32.shl (local.get $m) (i32.const 2)))) (local.get $columnOffset)) (i32.const 2))))`,
      )
      .join('\n    ');
    const block = (vectorCount: number): string =>
      blockCode({
        rowCount,
        vectorCount,
        output: '(local.get $outputPointer)',
        outputStride: '(local.get $ldcBytes)',
        accumulate: '(local.get $accumulate)',
        before:
          range(rowCount)
            .map((row) => `(local.set $aPointer${row} (local.get $rowStart${row}))`)
            .join(' ') +
          ' (local.set $bPointer (i32.add (local.get $b) (i32.shl (local.get $n) (i32.const 2))))',
        aValue: (row) => `(f32.load (local.get $aPointer${row}))`,
        advance: range(rowCount)
          .map((row) => `(local.set $aPointer${row} (i32.add (local.get $aPointer${row}) (i32.const 4)))`)
          .join(' '),
        depth: '(local.get $depth)',
      });
    return `
    ${rowStarts}
    ${columnLoops(block, '(i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $m) (local.get $ldc)) (local.get $n)) (i32.const 2)))')}`;
  };
  return `
  (func (export "multiply") (param $rows i32) (param $columns i32) (param $depth i32) (param $a i32) (param $starts i32)
      (param $columnOffset i32) (param $b i32) (param $ldb i32) (param $c i32) (param $ldc i32) (param $accumulate i32)
    (local $m i32) (local $n i32) (local $k i32) (local $bPointer i32) (local $outputPointer i32) (local $ldbBytes i32) (local $ldcBytes i32)
    (local $rowStart0 i32) (local $rowStart1 i32) (local $rowStart2 i32) (local $rowStart3 i32)
    (local $aPointer0 i32) (local $aPointer1 i32) (local $aPointer2 i32) (local $aPointer3 i32)
    (local $b0 v128) (local $b1 v128) (local $x v128) ${SUM_LOCALS}
    (local.set $ldbBytes (i32.shl (local.get $ldb) (i32.const 2)))
    (local.set $ldcBytes (i32.shl (local.get $ldc) (i32.const 2)))
    (local.set $m (i32.const 0))
    (block $fourDone (loop $fourLoop
      (br_if $fourDone (i32.gt_u (i32.add (local.get $m) (i32.const 4)) (local.get $rows)))
      ${rowBlock(4)}
      (local.set $m (i32.add (local.get $m) (i32.const 4)))
      (br $fourLoop)))
    (block $oneDone (loop $oneLoop
      (br_if $oneDone (i32.ge_u (local.get $m) (local.get $rows)))
      ${rowBlock(1)}
      (local.set $m (i32.add (local.get $m) (i32.const 1)))
      (br $oneLoop))))`;
}

function accumulateTransposedFunction(): string {
  const rowBlock = (rowCount: number): string => {
    const block = (vectorCount: number): string =>
      blockCode({
        rowCount,
        vectorCount,
        output: '(local.get $outputPointer)',
        outputStride: '(local.get $ldcBytes)',
        accumulate: '(i32.const 1)',
        before:
          '(local.set $startPointer (i32.add (local.get $starts) (i32.shl (local.get $kStart) (i32.const 2))))' +
          ' (local.set $bPointer (i32.add (local.get $b) (i32.shl (i32.add (i32.mul (local.get $kStart) (local.get $ldb)) (local.get $n)) (i32.const 2))))',
        // a[starts[k] + columnOffset + i + row], the row's element of the k-th left row.
        aValue: (row) =>
          row === 0
            ? `(f32.load (local.tee $aPointer0 (i32.add (local.get $a) (i32.shl (i32.add (i32.load (local.get $startPointer)) (local.get $column)) (i32.const 2)))))`
            : `(f32.load offset=${row * 4} (local.get $aPointer0))`,
        advance: '(local.set $startPointer (i32.add (local.get $startPointer) (i32.const 4)))',
        depth: '(local.get $chunk)',
      });
    return `
    (local.set $column (i32.add (local.get $columnOffset) (local.get $i)))
    ${columnLoops(block, '(i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $ldc)) (local.get $n)) (i32.const 2)))')}`;
  };
  return `
  (func (export "accumulateTransposed") (param $rows i32) (param $columns i32) (param $depth i32) (param $a i32) (param $starts i32)
      (param $columnOffset i32) (param $b i32) (param $ldb i32) (param $c i32) (param $ldc i32)
    (local $i i32) (local $n i32) (local $k i32) (local $kStart i32) (local $chunk i32) (local $column i32)
    (local $bPointer i32) (local $startPointer i32) (local $outputPointer i32) (local $ldbBytes i32) (local $ldcBytes i32)
    (local $aPointer0 i32) (local $b0 v128) (local $b1 v128) (local $x v128) ${SUM_LOCALS}
    (local.set $ldbBytes (i32.shl (local.get $ldb) (i32.const 2)))
    (local.set $ldcBytes (i32.shl (local.get $ldc) (i32.const 2)))
    (local.set $kStart (i32.const 0))
    (block $chunksDone (loop $chunkLoop
      (br_if $chunksDone (i32.ge_u (local.get $kStart) (local.get $depth)))
      (local.set $chunk (i32.sub (local.get $depth) (local.get $kStart)))
      (if (i32.gt_u (local.get $chunk) (i32.const ${TRANSPOSED_DEPTH_CHUNK})) (then (local.set $chunk (i32.const ${TRANSPOSED_DEPTH_CHUNK}))))
      (local.set $i (i32.const 0))
      (block $fourDone (loop $fourLoop
        (br_if $fourDone (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $rows)))
        ${rowBlock(4)}
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $fourLoop)))
      (block $oneDone (loop $oneLoop
        (br_if $oneDone (i32.ge_u (local.get $i) (local.get $rows)))
        ${rowBlock(1)}
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $oneLoop)))
      (local.set $kStart (i32.add (local.get $kStart) (i32.const ${TRANSPOSED_DEPTH_CHUNK})))
      (br $chunkLoop))))`;
}

/** The kernels module as WebAssembly text; it imports its memory as `env.memory`. */
export function matrixKernelsText(): string {
  return `(module
  (import "env" "memory" (memory 1))
  ${multiplyFunction()}
  ${accumulateTransposedFunction()})`;
}

/** The compiled kernels module: opaque here, shareable with worker threads by postMessage. */
export interface CompiledMatrixKernels {
  readonly compiledMatrixKernels?: never;
}

/** The part of the WebAssembly JavaScript API used here (the project's TypeScript libs do not declare it). */
interface WebAssemblyApi {
  compile(bytes: Uint8Array): Promise<CompiledMatrixKernels>;
  Memory: new (descriptor: { initial: number }) => { readonly buffer: ArrayBuffer };
  Instance: new (
    module: CompiledMatrixKernels,
    imports: Record<string, Record<string, unknown>>,
  ) => { readonly exports: unknown };
}

const webAssembly = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

let compiled: Promise<CompiledMatrixKernels> | null = null;

/** The compiled kernels module, compiled once per process (about 0.1 s, mostly loading wabt). */
export function loadMatrixKernels(): Promise<CompiledMatrixKernels> {
  compiled ??= (async () => {
    const { default: wabt } = await import('wabt');
    const toolkit = await wabt();
    const parsed = toolkit.parseWat('matrix-kernels.wat', matrixKernelsText(), { simd: true });
    try {
      parsed.validate();
      const { buffer } = parsed.toBinary({});
      return await webAssembly.compile(buffer);
    } finally {
      parsed.destroy();
    }
  })();
  compiled.catch(() => {
    compiled = null;
  });
  return compiled;
}

const PAGE_BYTES = 65_536;

/** A fresh memory of at least `bytes` bytes and the kernels working on it. */
export function createKernelArena(
  module: CompiledMatrixKernels,
  bytes: number,
): { buffer: ArrayBuffer; kernels: MatrixKernelExports } {
  const memory = new webAssembly.Memory({ initial: Math.max(1, Math.ceil(bytes / PAGE_BYTES)) });
  const instance = new webAssembly.Instance(module, { env: { memory } });
  // The memory never grows, so views made on this buffer stay valid.
  return { buffer: memory.buffer, kernels: instance.exports as MatrixKernelExports };
}
