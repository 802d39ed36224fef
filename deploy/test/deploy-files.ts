import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** The repository's root folder. */
export const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

/** A file of the repository, from its root (`deploy/compose.yaml`). */
export function repositoryFile(...parts: string[]): string {
  return join(repositoryRoot, ...parts);
}

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}

/**
 * Every YAML document of a text, as plain data. YAML merge keys (`<<: *anchor`) are resolved, as
 * Docker Compose resolves them; a syntax error or a warning (a duplicate key) throws.
 */
export function parseYamlDocuments(text: string, source: string): unknown[] {
  const documents = parseAllDocuments(text, { merge: true, uniqueKeys: true, prettyErrors: true });
  if (!Array.isArray(documents)) throw new Error(`${source}: not a YAML stream`);
  const values: unknown[] = [];
  for (const document of documents) {
    const problems = [...document.errors, ...document.warnings];
    if (problems.length > 0)
      throw new Error(`${source}: ${problems.map((problem) => problem.message).join('; ')}`);
    const value: unknown = document.toJS({ maxAliasCount: 1000 });
    if (value !== null && value !== undefined) values.push(value);
  }
  return values;
}

/** The one YAML document of a file. */
export function readYamlFile(path: string): unknown {
  const documents = parseYamlDocuments(readText(path), path);
  if (documents.length !== 1)
    throw new Error(`${path}: expected one YAML document, found ${documents.length}`);
  return documents[0];
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A deep copy of plain data (for mutated copies in the tests that prove a check can fail). */
export function copyOf<T>(value: T): T {
  return structuredClone(value);
}

/** Image reference parts: `registry.example.com:5000/team/name:tag@sha256:…`. */
export interface ImageReference {
  name: string;
  tag: string | null;
  digest: string | null;
}

export function parseImageReference(reference: string): ImageReference {
  const [withoutDigest, digest] = reference.split('@', 2) as [string, string | undefined];
  const lastSlash = withoutDigest.lastIndexOf('/');
  const lastColon = withoutDigest.lastIndexOf(':');
  // A colon before the last slash belongs to a registry's port, not to a tag.
  const hasTag = lastColon > lastSlash;
  return {
    name: hasTag ? withoutDigest.slice(0, lastColon) : withoutDigest,
    tag: hasTag ? withoutDigest.slice(lastColon + 1) : null,
    digest: digest ?? null,
  };
}

/** A full release version at the start of a tag: 1.2.3, v1.2.3, 17.6-bookworm, 2.10.2-alpine. */
const FULL_VERSION_TAG = /^v?\d+\.\d+(\.\d+)?(?:[-+.][0-9A-Za-z.-]+)?$/;

/**
 * Why an image reference is not pinned, or null when it is: it must carry a sha256 digest, or a
 * tag naming one release — at least major.minor (PostgreSQL's 17.6, Redis's 7.4.5), never
 * `latest`, never a bare major version that moves (`postgres:17`, `node:20-slim`).
 */
export function imagePinProblem(reference: string): string | null {
  if (/\$\{|\$[A-Za-z_]/.test(reference)) return `${reference}: an unresolved variable`;
  const image = parseImageReference(reference);
  if (image.digest !== null) {
    return /^sha256:[0-9a-f]{64}$/.test(image.digest) ? null : `${reference}: a malformed digest`;
  }
  if (image.tag === null) return `${reference}: no tag (means latest)`;
  if (/latest|stable|edge|main|master|nightly/i.test(image.tag)) return `${reference}: a moving tag`;
  if (!FULL_VERSION_TAG.test(image.tag))
    return `${reference}: the tag names no release (major.minor[.patch])`;
  return null;
}

/**
 * Docker Compose variable interpolation with no variable set: `${NAME:-default}` and
 * `${NAME-default}` give the default, `${NAME}` and `$NAME` give '' and `$$` a dollar sign, as
 * `docker compose config` does with an empty environment.
 */
export function interpolateCompose(value: unknown): unknown {
  if (typeof value === 'string') {
    return value.replace(
      /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
      (whole, _braced: string | undefined, operator: string | undefined, fallback: string | undefined) => {
        if (whole === '$$') return '$';
        if (operator === ':?' || operator === '?') throw new Error(`${whole}: a required variable`);
        return operator ? (fallback ?? '') : '';
      },
    );
  }
  if (Array.isArray(value)) return value.map(interpolateCompose);
  if (isRecord(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolateCompose(item)]));
  }
  return value;
}
