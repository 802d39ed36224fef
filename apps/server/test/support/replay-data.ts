import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Folder of real market data (never committed). Tests that need it pass `skip` to node:test
 * so they are reported as skipped, with the reason, when the folder is absent.
 */
export const REPLAY_DIR = process.env.RUNECAST_REPLAY_DIR ? resolve(process.env.RUNECAST_REPLAY_DIR) : null;

export const replayDataSkip: string | false =
  REPLAY_DIR && existsSync(REPLAY_DIR) ? false : 'real data folder RUNECAST_REPLAY_DIR is not set or absent';

export function replayPath(...parts: string[]): string {
  if (!REPLAY_DIR) throw new Error('RUNECAST_REPLAY_DIR is not set');
  return resolve(REPLAY_DIR, ...parts);
}
