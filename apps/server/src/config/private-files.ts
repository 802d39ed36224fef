import { chmodSync, existsSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';

/** Modes of everything under RUNECAST_HOME: the database, keys and logs are the owner's alone. */
export const PRIVATE_DIRECTORY_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Gives every folder under `root` (and `root` itself) mode 0700 and every file 0600, and returns
 * the paths it had to change. Symbolic links are neither followed nor changed: a link out of the
 * folder must not make this touch files elsewhere.
 */
export function makeTreePrivate(root: string): string[] {
  const changed: string[] = [];
  const visit = (path: string) => {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) return;
    const wanted = stat.isDirectory() ? PRIVATE_DIRECTORY_MODE : PRIVATE_FILE_MODE;
    if ((stat.mode & 0o777) !== wanted) {
      chmodSync(path, wanted);
      changed.push(path);
    }
    if (stat.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
  };
  visit(root);
  return changed;
}

/**
 * Makes files this process creates from now on private to its user (umask 077), so the database
 * files the store writes while running are never readable by others. Worker threads share the
 * process' umask and cannot set it.
 */
export function restrictNewFilesToOwner(): void {
  if (isMainThread) process.umask(0o077);
}

/**
 * Checks RUNECAST_HOME at start: everything under it must be 0600 (files) or 0700 (folders). What
 * is not is fixed, and `warn` is told how many paths were and which ones first. A home that does
 * not exist yet is left to be created (privately) by whoever writes into it first.
 */
export function securePrivateHome(home: string, warn: (message: string, fixed: string[]) => void): string[] {
  restrictNewFilesToOwner();
  if (!existsSync(home)) return [];
  const fixed = makeTreePrivate(home);
  if (fixed.length > 0) {
    warn(
      `${fixed.length} files and folders under ${home} could be read or written by other users; they are now private to this user (0600 files, 0700 folders)`,
      fixed.slice(0, 10),
    );
  }
  return fixed;
}
