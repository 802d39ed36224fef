/** Folder of the compiled bundles (apps/server/dist). */
export const distDir: string;
/** True when the bundles exist and no source changed since they were built. */
export function serverBuildIsCurrent(): boolean;
/** Compiles every bundle into dist/. */
export function buildServer(): Promise<void>;
/** True when the empty database template exists and the installed PGlite made it. */
export function pgliteTemplateIsCurrent(): boolean;
/** Makes the empty database template with PGlite's initdb, in a child process. */
export function buildPgliteTemplate(): void;
/**
 * Builds when the bundles are missing or older than the sources, and makes the empty database
 * template when it is missing or from another PGlite version; returns the CLI bundle's path.
 */
export function ensureServerBuild(): Promise<string>;
