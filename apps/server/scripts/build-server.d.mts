/** Folder of the compiled bundles (apps/server/dist). */
export const distDir: string;
/** True when the bundles exist and no source changed since they were built. */
export function serverBuildIsCurrent(): boolean;
/** Compiles every bundle into dist/. */
export function buildServer(): Promise<void>;
/** Builds when the bundles are missing or older than the sources; returns the CLI bundle's path. */
export function ensureServerBuild(): Promise<string>;
