import type { FastifySwaggerUiOptions } from '@fastify/swagger-ui';

/**
 * The interactive API docs at /docs (Swagger UI), branded Runecast, with a content security
 * policy of its own that allows exactly what the page needs.
 */

/** The dashboard's mark: a rising line on a dark tile. */
const MARK = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#0f1623"/><path d="M6 22 L12 14 L17 18 L26 8" stroke="#4cc38a" stroke-width="3" fill="none" stroke-linecap="round" stroke-linejoin="round"/><circle cx="26" cy="8" r="2.5" fill="#f5b942"/></svg>`;

/** The mark and the name, shown in the docs' top bar instead of Swagger's logo. */
const LOGO = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 190 32" width="190" height="32"><g>${MARK.replace(/^<svg[^>]*>|<\/svg>$/g, '')}</g><text x="42" y="23" font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif" font-size="20" font-weight="700" fill="#e6ebf2">Runecast API</text></svg>`;

/**
 * Swagger UI writes one inline style into the page (its syntax highlighter's theme, through
 * React's innerHTML); its hash is allowed, nothing else inline. A new Swagger UI version with
 * another style fails the docs page's browser test, which names the hash to put here.
 */
export const DOCS_INLINE_STYLE_HASHES = ["'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='"];

/** Adds the allowed inline style to the policy Swagger UI's plugin builds for its own files. */
export function docsContentSecurityPolicy(header: string): string {
  return header.replace(
    /style-src ([^;]*);/,
    (_match, sources: string) =>
      `style-src ${sources.trim()} 'unsafe-hashes' ${DOCS_INLINE_STYLE_HASHES.join(' ')};`,
  );
}

/** Options of @fastify/swagger-ui for the docs page. */
export function docsPageOptions(routePrefix: string): FastifySwaggerUiOptions {
  return {
    routePrefix,
    staticCSP: true,
    transformStaticCSP: docsContentSecurityPolicy,
    logo: { type: 'image/svg+xml', content: Buffer.from(LOGO), href: routePrefix, target: '_self' },
    theme: {
      title: 'Runecast API',
      favicon: [
        {
          filename: 'favicon.svg',
          rel: 'icon',
          sizes: 'any',
          type: 'image/svg+xml',
          content: Buffer.from(MARK),
        },
      ],
      css: [
        {
          filename: 'runecast.css',
          content:
            '.swagger-ui .topbar { background-color: #0f1623; } .swagger-ui .topbar a img { height: 32px; }',
        },
      ],
    },
  };
}
