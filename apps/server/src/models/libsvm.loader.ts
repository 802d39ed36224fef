import { createRequire } from 'node:module';

/** The parts of libsvm-js's SVM class Runecast uses. */
export interface LibsvmModel {
  train(samples: number[][], labels: number[]): void;
  predictOne(sample: number[]): number;
  serializeModel(): string;
  free(): void;
}

export interface LibsvmModule {
  new (options: Record<string, unknown>): LibsvmModel;
  load(serialized: string): LibsvmModel;
  SVM_TYPES: Record<'EPSILON_SVR' | 'NU_SVR', number>;
  KERNEL_TYPES: Record<'LINEAR' | 'POLYNOMIAL' | 'RBF' | 'SIGMOID', number>;
}

let loading: Promise<LibsvmModule> | undefined;

/**
 * libsvm-js's WebAssembly build (about 2.5x faster than its asm.js build) loads asynchronously, once.
 * Its Emscripten glue tries `fetch` on a file path first, fails and warns, then falls back to
 * reading the file; hiding `fetch` for the synchronous require skips that noise. The glue also
 * installs an `unhandledRejection` handler that exits the process silently, which is removed.
 */
export function loadLibsvm(): Promise<LibsvmModule> {
  loading ??= (async () => {
    const require = createRequire(import.meta.url);
    const listenersBefore = new Set(process.listeners('unhandledRejection'));
    const savedFetch = globalThis.fetch;
    let modulePromise: Promise<LibsvmModule>;
    try {
      (globalThis as { fetch?: typeof fetch }).fetch = undefined;
      modulePromise = require('libsvm-js') as Promise<LibsvmModule>;
    } finally {
      globalThis.fetch = savedFetch;
    }
    for (const listener of process.listeners('unhandledRejection')) {
      if (!listenersBefore.has(listener)) process.removeListener('unhandledRejection', listener);
    }
    return await modulePromise;
  })();
  return loading;
}
