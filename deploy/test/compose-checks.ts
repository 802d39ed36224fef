import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { ENVIRONMENT_VARIABLES } from '../../apps/server/src/config/config.ts';
import { imagePinProblem, interpolateCompose, isRecord, readText } from './deploy-files.ts';

const require = createRequire(import.meta.url);

/**
 * The Compose Specification's JSON schema (compose-spec/compose-spec, `schema/compose-spec.json`,
 * Apache-2.0) as the dclint package ships it in `schemas/compose.schema.json`.
 */
export function composeSpecificationSchemaPath(): string {
  return join(dirname(require.resolve('dclint/package.json')), 'schemas', 'compose.schema.json');
}

let compiled: ValidateFunction | null = null;

function composeValidator(): ValidateFunction {
  if (compiled) return compiled;
  const schema = JSON.parse(readText(composeSpecificationSchemaPath())) as Record<string, unknown>;
  if (schema.title !== 'Compose Specification') throw new Error('dclint no longer ships the Compose schema');
  // The file names draft-07 by its https address, which Ajv (draft-07 by default) knows as http.
  delete schema.$schema;
  const ajv = new Ajv({ allErrors: true, strict: false });
  compiled = ajv.compile(schema);
  return compiled;
}

function describeErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((error) => {
    const extra =
      error.keyword === 'additionalProperties' ? ` (${String(error.params.additionalProperty)})` : '';
    return `${error.instancePath || '/'} ${error.message ?? error.keyword}${extra}`;
  });
}

/** Problems of a Compose model against the Compose Specification schema, after interpolation. */
export function composeSchemaProblems(model: unknown): string[] {
  const validate = composeValidator();
  return validate(interpolateCompose(model)) ? [] : describeErrors(validate.errors);
}

type Service = Record<string, unknown>;

function services(model: unknown): [string, Service][] {
  if (!isRecord(model) || !isRecord(model.services)) return [];
  return Object.entries(model.services).filter((entry): entry is [string, Service] => isRecord(entry[1]));
}

/** Every service's image, after interpolation with no variables set. */
export function composeImages(model: unknown): [string, string][] {
  return services(interpolateCompose(model)).flatMap(([name, service]) =>
    typeof service.image === 'string' ? [[name, service.image] as [string, string]] : [],
  );
}

/** Services whose image is not pinned to a release (or is missing). */
export function composePinProblems(model: unknown): string[] {
  const problems: string[] = [];
  for (const [name, service] of services(interpolateCompose(model))) {
    if (typeof service.image !== 'string') {
      problems.push(`${name}: no image (a built image needs a pinned name too)`);
      continue;
    }
    const problem = imagePinProblem(service.image);
    if (problem) problems.push(`${name}: ${problem}`);
  }
  return problems;
}

/**
 * What a production Compose file owes its operator: each service restarts by itself, is checked
 * for health, waits for what it depends on to be healthy, has CPU and memory limits, and reads
 * secrets only from files declared at the top level.
 */
export function composeOperationProblems(model: unknown): string[] {
  const problems: string[] = [];
  const all = new Map(services(model));
  const declaredSecrets = isRecord(model) && isRecord(model.secrets) ? model.secrets : {};
  for (const [name, secret] of Object.entries(declaredSecrets)) {
    if (!isRecord(secret) || typeof secret.file !== 'string' || !secret.file.startsWith('./secrets/')) {
      problems.push(`secret ${name}: must be read from a file under ./secrets/`);
    }
  }
  for (const [name, service] of all) {
    if (!['always', 'unless-stopped', 'on-failure'].includes(String(service.restart))) {
      problems.push(`${name}: no restart policy`);
    }
    const healthcheck = service.healthcheck;
    if (!isRecord(healthcheck) || !Array.isArray(healthcheck.test) || healthcheck.disable === true) {
      problems.push(`${name}: no healthcheck`);
    }
    const limits =
      isRecord(service.deploy) && isRecord(service.deploy.resources) ? service.deploy.resources.limits : null;
    if (!isRecord(limits) || limits.cpus === undefined || limits.memory === undefined) {
      problems.push(`${name}: no CPU and memory limits`);
    }
    const dependsOn = service.depends_on;
    if (Array.isArray(dependsOn)) problems.push(`${name}: depends_on without conditions`);
    if (isRecord(dependsOn)) {
      for (const [dependency, condition] of Object.entries(dependsOn)) {
        const target = all.get(dependency);
        if (!target) problems.push(`${name}: depends on ${dependency}, which is not a service`);
        if (!isRecord(condition) || condition.condition !== 'service_healthy') {
          problems.push(`${name}: waits for ${dependency} without condition service_healthy`);
        } else if (target && !isRecord(target.healthcheck)) {
          problems.push(`${name}: waits for ${dependency} to be healthy, which has no healthcheck`);
        }
      }
    }
    const mounted = new Set(
      (Array.isArray(service.secrets) ? service.secrets : []).map((secret) =>
        isRecord(secret) ? String(secret.source) : String(secret),
      ),
    );
    for (const secret of mounted) {
      if (!(secret in declaredSecrets))
        problems.push(`${name}: mounts secret ${secret}, which is not declared`);
    }
    const environment = isRecord(service.environment) ? service.environment : {};
    for (const [variable, value] of Object.entries(environment)) {
      if (/PASSWORD|SECRET|_KEY$|DATABASE_URL/.test(variable) && !/_FILE$/.test(variable)) {
        problems.push(`${name}: ${variable} is set in the file; read it from a secret (${variable}_FILE)`);
      }
      if (/_FILE$/.test(variable)) {
        const secret = /^\/run\/secrets\/([A-Za-z0-9_.-]+)$/.exec(String(value))?.[1];
        if (!secret || !mounted.has(secret)) {
          problems.push(`${name}: ${variable}=${String(value)} is not a secret the service mounts`);
        }
      }
    }
  }
  return problems;
}

/**
 * Runecast's own services: one per role, each started as `serve --roles <role>`, with only
 * settings Runecast knows (README "Configuration"; a `_FILE` variant reads one from a file).
 */
export function composeRoleProblems(
  model: unknown,
  roles: readonly string[],
  minimumReplicas: Record<string, number>,
): string[] {
  const problems: string[] = [];
  const all = new Map(services(model));
  const known = new Set<string>(Object.keys(ENVIRONMENT_VARIABLES));
  for (const role of roles) {
    const service = all.get(role);
    if (!service) {
      problems.push(`no service for the ${role} role`);
      continue;
    }
    if (JSON.stringify(service.command) !== JSON.stringify(['serve', '--roles', role])) {
      problems.push(`${role}: command is not serve --roles ${role}`);
    }
    const replicas =
      isRecord(service.deploy) && typeof service.deploy.replicas === 'number' ? service.deploy.replicas : 1;
    if (replicas < (minimumReplicas[role] ?? 1))
      problems.push(`${role}: ${replicas} replica(s), fewer than ${minimumReplicas[role]}`);
    const environment = isRecord(service.environment) ? service.environment : {};
    for (const variable of Object.keys(environment)) {
      if (!known.has(variable.replace(/_FILE$/, '')))
        problems.push(`${role}: ${variable} is not a Runecast setting`);
    }
    for (const needed of [
      'RUNECAST_DATABASE_URL',
      'RUNECAST_BUS_URL',
      'RUNECAST_CACHE_URL',
      'RUNECAST_JWT_SECRET',
      'RUNECAST_SECRETS_KEY',
    ]) {
      if (!(needed in environment) && !(`${needed}_FILE` in environment)) {
        problems.push(`${role}: ${needed} is not set (replicas must share it)`);
      }
    }
    if (environment.RUNECAST_HOST !== '0.0.0.0')
      problems.push(`${role}: RUNECAST_HOST must be 0.0.0.0 in a container`);
  }
  return problems;
}
