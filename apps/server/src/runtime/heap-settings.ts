import { setFlagsFromString } from 'node:v8';

/**
 * Garbage-collector and compiler settings of the long-running roles (`runecast up`, `runecast serve`).
 * V8 lets a heap grow to several times its live size between full collections; while models
 * train, the data loaded for them (candles read from the store, feature matrices, their copies
 * sent to the compute thread) is garbage soon after, so resident memory climbed far above what
 * was live. Measured with `npm run bench memory`'s set-up (two markets, four first trainings):
 * peak RSS 521–530 MB by default, 393–402 MB with these settings, and the four trainings took
 * as long (14.2–14.6 s against 12.9–15.7 s). `--optimize-for-size` reached 350–377 MB but made
 * training 1.7 times slower.
 */
export const SERVER_HEAP_FLAGS = [
  // Full collections once the heap has grown 10% past what the last one kept, not 2-4 times.
  '--heap-growing-percent=10',
  // Young generation of 4 MB per semi-space (default up to 16): less garbage between scavenges.
  // V8 sizes a heap's young generation when the heap is created, so this holds for the compute
  // and gradient threads started afterwards; the main thread keeps the size it started with.
  // The `runecast` command file starts Node.js with --max-semi-space-size=2 on its first line
  // (ADR 8), which counts as given by the user: then this and the next flag are left out and
  // every thread has the 2 MB.
  '--max-semi-space-size=4',
  // The young generation starts at its smallest and doubles when much of it survives; for the
  // main thread, whose maximum was fixed at start, keeping it at its starting size is what a
  // smaller maximum would do. First starts peaked at 282–314 MB against 346–363 MB without it,
  // and the first trainings took as long (13.0–16.3 s against 13.6 s). V8's heap statistics still
  // showed the main thread's new space grow from 16 to 32 MB over a restart's first trainings,
  // hence the option at start.
  '--semi-space-growth-factor=1',
  // PGlite's WebAssembly is optimised in the background as it warms up, by as many compilation
  // tasks as V8 can run at once, each with its own compiler memory: optimising Postgres's large
  // functions side by side took 89–96 MB of native memory at once (V8's malloced_memory peak),
  // one at a time 41–44 MB. A PGlite workload (COPY of 200,000 rows, 20 range queries, from
  // start) also ran faster on two cores: 4.7 s against 5.2 s.
  '--wasm-num-compilation-tasks=1',
] as const;

/** A user who sizes the young generation wants it to grow to that size. */
const REPLACED_BY: Record<string, readonly string[]> = {
  '--semi-space-growth-factor': ['--max-semi-space-size', '--min-semi-space-size'],
};

let applied = false;

/** The V8 option names given to this process on its command line or in NODE_OPTIONS (`--max-semi-space-size`). */
function optionsGivenByUser(): Set<string> {
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  // V8 accepts both spellings, --max-semi-space-size and --max_semi_space_size.
  return new Set(given.map((option) => option.replace(/=.*$/, '').replaceAll('_', '-')));
}

/**
 * Applies SERVER_HEAP_FLAGS to this process, except those the user set (`node --heap-growing-percent=50`
 * or NODE_OPTIONS); worker threads started afterwards inherit them.
 */
export function applyServerHeapSettings(): string[] {
  if (applied) return [];
  applied = true;
  const given = optionsGivenByUser();
  const flags = SERVER_HEAP_FLAGS.filter((flag) => {
    const name = flag.replace(/=.*$/, '');
    return !given.has(name) && !(REPLACED_BY[name] ?? []).some((other) => given.has(other));
  });
  for (const flag of flags) setFlagsFromString(flag);
  return flags;
}
