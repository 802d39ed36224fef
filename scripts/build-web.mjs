#!/usr/bin/env node
// Builds the dashboard (apps/web → apps/web/dist) after install, so `runecast up` serves it.
// Without the build tools (an install that left out dev dependencies) it keeps an existing
// build, or says how to make one, instead of failing the install.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const webRoot = join(root, 'apps', 'web');
const viteBin = [
  join(webRoot, 'node_modules', 'vite', 'bin', 'vite.js'),
  join(root, 'node_modules', 'vite', 'bin', 'vite.js'),
].find((path) => existsSync(path));

if (viteBin === undefined) {
  const built = existsSync(join(webRoot, 'dist', 'index.html'));
  console.warn(
    built
      ? 'runecast: vite is not installed; keeping the existing dashboard build in apps/web/dist'
      : 'runecast: vite is not installed, so the dashboard is not built; install dev dependencies and run `npm run build -w @runecast/web`',
  );
  process.exit(0);
}

const result = spawnSync(process.execPath, [viteBin, 'build'], { cwd: webRoot, stdio: 'inherit' });
process.exit(result.status ?? 1);
