/**
 * Settings of the C allocator (glibc's malloc) for the long-running roles, made through koffi
 * (prebuilt in its npm package) because Node.js has no way to reach them.
 *
 * Memory that V8 and Node.js allocate outside the JavaScript heap (array buffers of candles and
 * feature matrices, query results, compiler and worker-thread memory) comes from malloc. glibc
 * raises its mmap threshold each time a large block is freed, so later large blocks come from
 * the heap instead; once freed, they stay in the process as holes that only malloc_trim hands
 * back. Measured with `npm run bench memory`'s set-up (restart with four first trainings):
 * malloc held 142 MB for 33 MB in use, and the peak was 393–395 MB; with a fixed threshold of
 * 32 kB and a trim every 10 s, 313–318 MB. A trim takes 5–30 ms of the main thread.
 */
const M_MMAP_THRESHOLD = -3;

/** Blocks from this size up are mapped on their own and unmapped when freed. */
export const MMAP_THRESHOLD_BYTES = 32 * 1024;
/** How often freed memory inside the allocator's heaps is handed back to the system. */
export const RELEASE_INTERVAL_MS = 10_000;

export interface NativeMemory {
  /** The allocator settings made, for the logs (empty where there is no glibc or the user chose). */
  readonly settings: readonly string[];
  /** Hands memory freed inside malloc's heaps back to the system; false where it cannot. */
  release(): boolean;
  /** Stops the periodic release. */
  stop(): void;
}

interface GlibcFunctions {
  mallopt(parameter: number, value: number): number;
  mallocTrim(pad: number): number;
}

/** glibc's mallopt and malloc_trim, or null on another C library or system. */
async function loadGlibc(): Promise<GlibcFunctions | null> {
  if (process.platform !== 'linux') return null;
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)
    ?.header;
  if (header?.glibcVersionRuntime === undefined) return null;
  try {
    const { default: koffi } = await import('koffi');
    const libc = koffi.load('libc.so.6');
    const mallopt = libc.func('int mallopt(int param, int value)') as (p: number, v: number) => number;
    const mallocTrim = libc.func('int malloc_trim(size_t pad)') as (pad: number) => number;
    return { mallopt, mallocTrim };
  } catch {
    return null;
  }
}

/** True when the user set the allocator's mmap threshold themselves (environment, read by glibc at start). */
function thresholdGivenByUser(environment: NodeJS.ProcessEnv): boolean {
  return (
    environment.MALLOC_MMAP_THRESHOLD_ !== undefined ||
    /glibc\.malloc\.mmap_threshold/.test(environment.GLIBC_TUNABLES ?? '')
  );
}

const UNAVAILABLE: NativeMemory = { settings: [], release: () => false, stop: () => undefined };

/**
 * Applies the allocator settings to this process and releases freed memory every
 * RELEASE_INTERVAL_MS; elsewhere than on glibc it does nothing. See tuneNativeMemory.
 */
export async function startNativeMemoryTuning(environment: NodeJS.ProcessEnv): Promise<NativeMemory> {
  const glibc = await loadGlibc();
  if (glibc === null) return UNAVAILABLE;
  const settings: string[] = [];
  if (!thresholdGivenByUser(environment) && glibc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) === 1) {
    settings.push(`mmap threshold ${MMAP_THRESHOLD_BYTES / 1024} kB`);
  }
  const release = (): boolean => {
    glibc.mallocTrim(0);
    return true;
  };
  const timer = setInterval(release, RELEASE_INTERVAL_MS);
  timer.unref();
  settings.push(`freed memory released every ${RELEASE_INTERVAL_MS / 1000} s`);
  return { settings, release, stop: () => clearInterval(timer) };
}

let started: Promise<NativeMemory> | null = null;

/** startNativeMemoryTuning, once per process. */
export function tuneNativeMemory(environment: NodeJS.ProcessEnv = process.env): Promise<NativeMemory> {
  started ??= startNativeMemoryTuning(environment);
  return started;
}
