import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);

/**
 * True when this code runs from the compiled bundles in apps/server/dist (the `runecast`
 * command), false when it runs from the TypeScript sources (tests, benchmarks). Both share one
 * folder layout: files that are read at run time stay in src/ and are found from the server's root.
 */
export const runningFromBundle = !here.endsWith('.ts');

/** apps/server: dist/<bundle>.js in a bundle, src/config/build-layout.ts from the sources. */
export const serverRoot = runningFromBundle
  ? resolve(dirname(here), '..')
  : resolve(dirname(here), '..', '..');

/** A file of apps/server, given from its root (`src/store/migrations/`). */
export function serverFile(...parts: string[]): string {
  return join(serverRoot, ...parts);
}

/** One of the compiled bundles beside the CLI bundle (`compute-thread`, `exchange-emulator`…). */
export function bundleFile(name: string): string {
  return join(serverRoot, 'dist', `${name}.js`);
}
