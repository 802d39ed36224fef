import { readdir } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { serverFile } from '../config/build-layout.ts';

/** Paths the dashboard never answers: the API, its docs and the machine endpoints keep their own 404s. */
const RESERVED_PREFIXES = ['/api', '/docs', '/health', '/ready', '/metrics'] as const;

/** The built dashboard of this repository (`npm run build -w @runecast/web`). */
export const defaultWebDistDir = serverFile('..', 'web', 'dist') + sep;

/**
 * The dashboard's own content security policy: scripts and styles from this origin only,
 * API calls and live streams to this origin only, never framed.
 */
const DASHBOARD_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "base-uri 'self'",
  "connect-src 'self'",
  "font-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "img-src 'self' data: blob:",
  "object-src 'none'",
  "script-src 'self'",
  "script-src-attr 'none'",
  "style-src 'self' 'unsafe-inline'",
].join('; ');

/** A rescan of the folder for a file not seen yet happens at most this often. */
const RESCAN_INTERVAL_MS = 1_000;
const ONE_YEAR_MS = 365 * 24 * 3600 * 1000;

export interface WebAssetsOptions {
  /** Folder holding the built dashboard (`index.html`, `assets/`). */
  distDir: string;
}

export function isReservedPath(pathname: string): boolean {
  return RESERVED_PREFIXES.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`));
}

async function listFiles(root: string): Promise<Set<string>> {
  const files = new Set<string>();
  const walk = async (folder: string) => {
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) await walk(path);
      // Compressed twins are chosen by @fastify/static from Accept-Encoding, never asked for by name.
      else if (entry.isFile() && !/\.(br|gz)$/.test(entry.name))
        files.add(relative(root, path).split(sep).join('/'));
    }
  };
  await walk(root);
  return files;
}

/** `assets/x.js` from the wildcard part of the URL; null for anything that tries to leave the folder. */
export function assetPathOf(wildcard: string): string | null {
  const path = wildcard.replace(/^\/+/, '');
  if (path.includes('\0') || path.includes('\\')) return null;
  const segments = path.split('/');
  if (segments.some((segment) => segment === '..' || segment === '.' || segment.startsWith('.'))) return null;
  return path;
}

function notBuiltPage(distDir: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Runecast</title></head><body style="font-family:system-ui;margin:3rem"><h1>The Runecast dashboard is not built</h1><p>No <code>index.html</code> in <code>${distDir.replace(/[<>&]/g, '')}</code>. Build it with <code>npm run build -w @runecast/web</code> and reload. The API is at <a href="/docs">/docs</a>.</p></body></html>`;
}

/**
 * Serves the built dashboard under `/`: its files with long caching for the hashed `assets/`,
 * and `index.html` for every other path (the dashboard routes in the browser), except the
 * API, docs, health, readiness and metrics paths, which keep their JSON 404. Brotli or gzip
 * twins written at build time are sent when the browser accepts them.
 *
 * Register it once, after `createHttpApp` and before `listen`. Returns whether a built
 * dashboard was found (a build made later is picked up without a restart).
 */
export async function registerWebAssets(app: FastifyInstance, options: WebAssetsOptions): Promise<boolean> {
  const distDir = resolve(options.distDir);
  let files = await listFiles(distDir);
  let scannedAtMs = Date.now();
  const rescan = async () => {
    if (Date.now() - scannedAtMs < RESCAN_INTERVAL_MS) return;
    files = await listFiles(distDir);
    scannedAtMs = Date.now();
  };
  const found = files.has('index.html');
  if (!found) app.log.warn({ distDir }, 'the dashboard is not built; / explains how to build it');

  const sendIndex = (reply: FastifyReply) => {
    reply.header('cache-control', 'no-cache');
    reply.header('content-security-policy', DASHBOARD_CONTENT_SECURITY_POLICY);
    reply.header('vary', 'accept-encoding');
    return reply.sendFile('index.html', { cacheControl: false });
  };

  // Encapsulated: the `sendFile` decoration stays inside, apart from Swagger UI's own copy.
  await app.register(async (scope) => {
    await scope.register(fastifyStatic, {
      root: distDir,
      serve: false,
      preCompressed: true,
      dotfiles: 'deny',
      index: false,
    });
    scope.route({
      method: ['GET', 'HEAD'],
      url: '/*',
      // Static files cost nothing to serve and must not use up a client's API request budget.
      config: { access: 'public', unlimited: true },
      schema: { hide: true },
      handler: async (request, reply) => {
        const wildcard = (request.params as { '*'?: string })['*'] ?? '';
        const pathname = `/${wildcard}`;
        if (isReservedPath(pathname)) return reply.callNotFound();
        const path = assetPathOf(wildcard);
        if (path === null) return reply.callNotFound();
        if (path !== '' && path !== 'index.html') {
          if (!files.has(path)) await rescan();
          if (files.has(path)) {
            reply.header('vary', 'accept-encoding');
            return path.startsWith('assets/')
              ? reply.sendFile(path, { maxAge: ONE_YEAR_MS, immutable: true })
              : reply.sendFile(path, { maxAge: 3_600_000 });
          }
          // A missing file is a 404; only page addresses (no extension) fall back to the app.
          if (/\.[A-Za-z0-9]{1,8}$/.test(path)) return reply.callNotFound();
        }
        if (!files.has('index.html')) await rescan();
        if (!files.has('index.html')) {
          return reply
            .code(503)
            .header('cache-control', 'no-store')
            .type('text/html; charset=utf-8')
            .send(notBuiltPage(distDir));
        }
        return sendIndex(reply);
      },
    });
  });
  return found;
}
