import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlibConstants, gzip } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/** Where `npm run dev` sends API calls; `runecast up` listens on 8080 by default. */
const apiUrl = process.env.RUNECAST_API_URL ?? 'http://127.0.0.1:8080';
const COMPRESSIBLE = /\.(js|css|html|svg|json|txt)$/;
const MINIMUM_COMPRESSED_BYTES = 1024;

async function listFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) =>
      entry.isDirectory() ? listFiles(join(folder, entry.name)) : [join(folder, entry.name)],
    ),
  );
  return nested.flat();
}

/**
 * Writes `.br` and `.gz` twins of the text assets so the API server can send them compressed
 * without compressing on every request.
 */
function precompressAssets(): Plugin {
  let outDir = 'dist';
  return {
    name: 'runecast-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = config.build.outDir;
    },
    async closeBundle() {
      const files = (await listFiles(outDir)).filter((file) => COMPRESSIBLE.test(file));
      await Promise.all(
        files.map(async (file) => {
          if ((await stat(file)).size < MINIMUM_COMPRESSED_BYTES) return;
          const content = await readFile(file);
          await writeFile(`${file}.gz`, await gzipAsync(content, { level: 9 }));
          await writeFile(
            `${file}.br`,
            await brotliAsync(content, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11 } }),
          );
        }),
      );
    },
  };
}

export default defineConfig({
  plugins: [react(), precompressAssets()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: true,
    rolldownOptions: {
      output: {
        // Libraries every page needs change less often than the pages: separate, long-cached files.
        codeSplitting: {
          groups: [
            { name: 'react', test: /node_modules[\\/](react|react-dom|scheduler|react-router|cookie)[\\/]/ },
            { name: 'query', test: /node_modules[\\/]@tanstack[\\/]/ },
            { name: 'contracts', test: /node_modules[\\/]zod[\\/]|packages[\\/]contracts[\\/]/ },
            // Chart libraries load with the first page that draws a chart, never before.
            { name: 'lightweight-charts', test: /node_modules[\\/](lightweight-charts|fancy-canvas)[\\/]/ },
            { name: 'uplot', test: /node_modules[\\/]uplot[\\/]/ },
          ],
        },
      },
    },
  },
  server: {
    port: 5173,
    proxy: Object.fromEntries(
      ['/api', '/health', '/ready', '/docs', '/metrics'].map((path) => [path, { target: apiUrl }]),
    ),
  },
  preview: {
    proxy: Object.fromEntries(
      ['/api', '/health', '/ready', '/docs', '/metrics'].map((path) => [path, { target: apiUrl }]),
    ),
  },
});
