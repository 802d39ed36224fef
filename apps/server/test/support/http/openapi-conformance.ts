/** A part of an OpenAPI 3.0 document, as far as checking answers against it needs. */
interface SchemaNode {
  $ref?: string;
  type?: string;
  nullable?: boolean;
  enum?: unknown[];
  required?: string[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
  items?: SchemaNode;
  allOf?: SchemaNode[];
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
}

interface OperationNode {
  responses: Record<string, { content?: Record<string, { schema?: SchemaNode }> }>;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OperationNode>>;
  components?: { schemas?: Record<string, SchemaNode> };
}

/** An answer as a client saw it. */
export interface ObservedAnswer {
  method: string;
  /** The route pattern, e.g. `/api/v1/jobs/:jobId`. */
  route: string;
  statusCode: number;
  contentType: string | undefined;
  body: string;
}

/**
 * What a validating proxy would object to in `answer`: a status the operation does not
 * document, a media type not documented for that status, or a JSON body that breaks the
 * documented schema (types, required and enumerated values, recursively). Empty when it conforms.
 */
export function conformanceProblems(document: OpenApiDocument, answer: ObservedAnswer): string[] {
  const where = `${answer.method} ${answer.route} → ${answer.statusCode}`;
  const path = answer.route.replace(/:([A-Za-z]+)/g, '{$1}');
  const operation = document.paths[path]?.[answer.method.toLowerCase()];
  if (operation === undefined) return [`${where}: the operation is not in the document`];
  const status = String(answer.statusCode);
  const documented =
    operation.responses[status] ??
    operation.responses[`${status[0]}XX`] ??
    operation.responses[`${status[0]}xx`] ??
    operation.responses.default;
  if (documented === undefined) return [`${where}: status not documented`];
  if (answer.body.length === 0 && documented.content === undefined) return [];
  const mediaType = (answer.contentType ?? '').split(';')[0]!.trim();
  const media = documented.content?.[mediaType];
  if (media === undefined) {
    return [
      `${where}: answered ${mediaType || 'no media type'}, documented ${Object.keys(documented.content ?? {}).join(', ') || 'no body'}`,
    ];
  }
  if (mediaType !== 'application/json' || media.schema === undefined) return [];
  const problems: string[] = [];
  check(document, media.schema, JSON.parse(answer.body) as unknown, where, problems, 0);
  return problems;
}

function resolve(document: OpenApiDocument, node: SchemaNode): SchemaNode {
  let current = node;
  for (let depth = 0; current.$ref !== undefined && depth < 20; depth += 1) {
    const name = current.$ref.replace('#/components/schemas/', '');
    const target = document.components?.schemas?.[name];
    if (target === undefined) return {};
    current = target;
  }
  return current;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function check(
  document: OpenApiDocument,
  raw: SchemaNode,
  value: unknown,
  at: string,
  problems: string[],
  depth: number,
): void {
  if (depth > 40) return;
  const node = resolve(document, raw);
  if (node.allOf) for (const part of node.allOf) check(document, part, value, at, problems, depth + 1);
  for (const choices of [node.anyOf, node.oneOf]) {
    if (choices === undefined) continue;
    const fits = choices.some((choice) => {
      const found: string[] = [];
      check(document, choice, value, at, found, depth + 1);
      return found.length === 0;
    });
    if (!fits && !(value === null && node.nullable))
      problems.push(`${at}: fits none of the documented shapes`);
  }
  if (value === null) {
    if (node.type !== undefined && !node.nullable)
      problems.push(`${at}: null where ${node.type} is documented`);
    return;
  }
  const actual = typeOf(value);
  if (node.type !== undefined && node.type !== actual && !(node.type === 'number' && actual === 'integer')) {
    problems.push(`${at}: ${actual} where ${node.type} is documented`);
    return;
  }
  if (node.enum !== undefined && !node.enum.some((item) => item === value)) {
    problems.push(`${at}: ${JSON.stringify(value)} is not one of the documented values`);
  }
  if (actual === 'object') {
    const record = value as Record<string, unknown>;
    for (const name of node.required ?? []) {
      if (!(name in record)) problems.push(`${at}.${name}: required but missing`);
    }
    for (const [name, item] of Object.entries(record)) {
      const property = node.properties?.[name];
      if (property !== undefined) check(document, property, item, `${at}.${name}`, problems, depth + 1);
      else if (node.additionalProperties === false) problems.push(`${at}.${name}: not documented`);
      else if (typeof node.additionalProperties === 'object')
        check(document, node.additionalProperties, item, `${at}.${name}`, problems, depth + 1);
    }
  }
  if (actual === 'array' && node.items !== undefined) {
    (value as unknown[]).forEach((item, index) =>
      check(document, node.items!, item, `${at}[${index}]`, problems, depth + 1),
    );
  }
}
