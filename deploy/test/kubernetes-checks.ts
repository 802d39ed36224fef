import { Ajv, type ValidateFunction } from 'ajv';
import { ENVIRONMENT_VARIABLES } from '../../apps/server/src/config/config.ts';
import { imagePinProblem, isRecord, readText, repositoryFile } from './deploy-files.ts';
import { containersOf, podSpecOf, type KubernetesObject } from './kustomize.ts';

interface Model {
  new (data: unknown): { validate(): void };
}

let cnpgCluster: ValidateFunction | null = null;

function cnpgClusterValidator(): ValidateFunction {
  if (!cnpgCluster) {
    const schema = JSON.parse(
      readText(repositoryFile('deploy', 'kubernetes', 'schemas', 'cnpg-cluster.schema.json')),
    ) as object;
    cnpgCluster = new Ajv({ allErrors: true, strict: true }).compile(schema);
  }
  return cnpgCluster;
}

/** The module of kubernetes-models (or its prometheus-operator package) that models a kind. */
function modelModule(object: KubernetesObject): string {
  const [group, version] = object.apiVersion.includes('/')
    ? object.apiVersion.split('/')
    : ['', object.apiVersion];
  if (group === 'monitoring.coreos.com')
    return `@kubernetes-models/prometheus-operator/${group}/${version}/${object.kind}`;
  return group === ''
    ? `kubernetes-models/${version}/${object.kind}`
    : `kubernetes-models/${group}/${version}/${object.kind}`;
}

function describe(object: KubernetesObject): string {
  return `${object.kind}/${object.metadata.name}`;
}

/**
 * Problems of each object against the Kubernetes schemas: the API's OpenAPI schemas as
 * kubernetes-models compiles them (Kubernetes' own kinds, and the Prometheus Operator's), and
 * CloudNativePG's Cluster against schemas/cnpg-cluster.schema.json. A kind without a schema is
 * a problem too.
 */
export async function schemaProblems(objects: KubernetesObject[]): Promise<string[]> {
  const problems: string[] = [];
  for (const object of objects) {
    if (object.apiVersion === 'postgresql.cnpg.io/v1' && object.kind === 'Cluster') {
      const validate = cnpgClusterValidator();
      if (!validate(object)) {
        problems.push(
          ...(validate.errors ?? []).map(
            (error) => `${describe(object)}: ${error.instancePath || '/'} ${error.message ?? ''}`,
          ),
        );
      }
      continue;
    }
    let model: Model;
    try {
      const loaded = (await import(modelModule(object))) as Record<string, unknown>;
      model = loaded[object.kind] as Model;
      if (typeof model !== 'function') throw new Error('no model');
    } catch {
      problems.push(`${describe(object)}: no schema for ${object.apiVersion} ${object.kind}`);
      continue;
    }
    try {
      new model(object).validate();
    } catch (error) {
      problems.push(`${describe(object)}: ${(error as Error).message}`);
    }
  }
  return problems;
}

function labelsMatch(selector: unknown, labels: unknown): boolean {
  if (!isRecord(selector) || !isRecord(labels)) return false;
  const wanted = isRecord(selector.matchLabels) ? selector.matchLabels : selector;
  return (
    Object.keys(wanted).length > 0 && Object.entries(wanted).every(([key, value]) => labels[key] === value)
  );
}

function templateLabels(object: KubernetesObject): Record<string, unknown> {
  const spec = object.spec as Record<string, unknown>;
  const template = isRecord(spec?.template) ? spec.template : {};
  return isRecord(template.metadata) && isRecord(template.metadata.labels) ? template.metadata.labels : {};
}

function httpProbe(probe: unknown): { path: unknown; port: unknown } | null {
  return isRecord(probe) && isRecord(probe.httpGet)
    ? { path: probe.httpGet.path, port: probe.httpGet.port }
    : null;
}

/** Ports a role may open outside its pod: DNS, PostgreSQL, NATS, Redis, HTTPS, SMTP submission. */
const ALLOWED_EGRESS_PORTS = new Set([53, 5432, 4222, 6379, 443, 587, 465]);

/**
 * What Runecast's manifests must hold beyond the schemas: one Deployment per role started as
 * `serve --roles <role>`, probes on /health and /ready, requests and limits, a locked-down
 * security context, pinned images, settings Runecast knows, Services, PDBs, HPAs, the Ingress and
 * the ServiceMonitor pointing at what exists, and network policies that deny by default and let
 * only the api in from outside.
 */
export function policyProblems(objects: KubernetesObject[], roles: readonly string[]): string[] {
  const problems: string[] = [];
  const of = (kind: string) => objects.filter((object) => object.kind === kind);
  const named = (kind: string, name: string) => of(kind).find((object) => object.metadata.name === name);
  const deployments = of('Deployment');
  const configMapKeys = new Set(
    of('ConfigMap').flatMap((object) => Object.keys(isRecord(object.data) ? object.data : {})),
  );
  const known = new Set<string>(Object.keys(ENVIRONMENT_VARIABLES));

  for (const object of of('ConfigMap')) {
    for (const key of Object.keys(isRecord(object.data) ? object.data : {})) {
      if (key.startsWith('RUNECAST_') && !known.has(key))
        problems.push(`${describe(object)}: ${key} is not a Runecast setting`);
    }
  }

  for (const deployment of deployments) {
    const name = describe(deployment);
    const spec = deployment.spec as Record<string, unknown>;
    if (!labelsMatch(spec.selector, templateLabels(deployment)))
      problems.push(`${name}: the selector does not match the pod labels`);
    const pod = podSpecOf(deployment) ?? {};
    const podSecurity = isRecord(pod.securityContext) ? pod.securityContext : {};
    if (podSecurity.runAsNonRoot !== true) problems.push(`${name}: runAsNonRoot is not set`);
    if (podSecurity.runAsUser === 0) problems.push(`${name}: runs as uid 0`);
    for (const container of containersOf(deployment)) {
      const where = `${name} container ${String(container.name)}`;
      const pin = imagePinProblem(String(container.image));
      if (pin) problems.push(`${where}: ${pin}`);
      const resources = isRecord(container.resources) ? container.resources : {};
      for (const kind of ['requests', 'limits']) {
        const list = resources[kind];
        if (!isRecord(list) || list.cpu === undefined || list.memory === undefined)
          problems.push(`${where}: no CPU and memory ${kind}`);
      }
      const security = isRecord(container.securityContext) ? container.securityContext : {};
      if (security.readOnlyRootFilesystem !== true)
        problems.push(`${where}: the root filesystem is writable`);
      if (security.allowPrivilegeEscalation !== false)
        problems.push(`${where}: privilege escalation is allowed`);
      const drop =
        isRecord(security.capabilities) && Array.isArray(security.capabilities.drop)
          ? security.capabilities.drop
          : [];
      if (!drop.includes('ALL')) problems.push(`${where}: capabilities are not all dropped`);
      if (!container.livenessProbe) problems.push(`${where}: no liveness probe`);
      if (!container.readinessProbe) problems.push(`${where}: no readiness probe`);
    }
  }

  for (const role of roles) {
    const deployment = named('Deployment', `runecast-${role}`);
    if (!deployment) {
      problems.push(`no Deployment for the ${role} role`);
      continue;
    }
    const name = describe(deployment);
    if (templateLabels(deployment)['app.kubernetes.io/component'] !== role)
      problems.push(`${name}: pods are not labelled with the role`);
    const [container, ...others] = containersOf(deployment);
    if (!container || others.length > 0) {
      problems.push(`${name}: expected one container`);
      continue;
    }
    if (JSON.stringify(container.args) !== JSON.stringify(['serve', '--roles', role]))
      problems.push(`${name}: args are not serve --roles ${role}`);
    const ports = (Array.isArray(container.ports) ? container.ports : []).filter(isRecord);
    const http = ports.find((port) => port.name === 'http');
    if (http?.containerPort !== 8080) problems.push(`${name}: no http port 8080`);
    const liveness = httpProbe(container.livenessProbe);
    const readiness = httpProbe(container.readinessProbe);
    if (liveness?.path !== '/health' || liveness.port !== 'http')
      problems.push(`${name}: liveness is not GET /health on http`);
    if (readiness?.path !== '/ready' || readiness.port !== 'http')
      problems.push(`${name}: readiness is not GET /ready on http`);
    const mounts = (Array.isArray(container.volumeMounts) ? container.volumeMounts : [])
      .filter(isRecord)
      .map((mount) => mount.mountPath);
    for (const path of ['/tmp', '/var/lib/runecast']) {
      if (!mounts.includes(path)) problems.push(`${name}: nothing writable is mounted at ${path}`);
    }
    const variables = new Set([
      ...configMapKeys,
      ...(Array.isArray(container.env) ? container.env : [])
        .filter(isRecord)
        .map((item) => String(item.name)),
    ]);
    for (const needed of [
      'RUNECAST_DATABASE_URL',
      'RUNECAST_BUS_URL',
      'RUNECAST_CACHE_URL',
      'RUNECAST_HOST',
    ]) {
      if (!variables.has(needed)) problems.push(`${name}: ${needed} is not set`);
    }
    for (const variable of variables) {
      if (variable.startsWith('RUNECAST_') && !known.has(variable))
        problems.push(`${name}: ${variable} is not a Runecast setting`);
    }
    for (const source of (Array.isArray(container.envFrom) ? container.envFrom : []).filter(isRecord)) {
      if (isRecord(source.configMapRef) && !named('ConfigMap', String(source.configMapRef.name))) {
        problems.push(`${name}: reads ConfigMap ${String(source.configMapRef.name)}, which is not rendered`);
      }
    }
    if (
      !of('PodDisruptionBudget').some((budget) =>
        labelsMatch((budget.spec as Record<string, unknown>).selector, templateLabels(deployment)),
      )
    ) {
      problems.push(`${name}: no PodDisruptionBudget`);
    }
  }

  const podsOf = (selector: unknown) =>
    deployments.filter((deployment) => labelsMatch(selector, templateLabels(deployment)));
  for (const service of of('Service')) {
    const spec = service.spec as Record<string, unknown>;
    const targets = podsOf(spec.selector);
    if (targets.length === 0) problems.push(`${describe(service)}: selects no pods`);
    if (spec.type === 'LoadBalancer' || spec.type === 'NodePort')
      problems.push(`${describe(service)}: exposed outside the cluster; use the Ingress`);
    for (const port of (Array.isArray(spec.ports) ? spec.ports : []).filter(isRecord)) {
      const portNames = targets
        .flatMap(containersOf)
        .flatMap((container) =>
          (Array.isArray(container.ports) ? container.ports : []).filter(isRecord).map((item) => item.name),
        );
      if (typeof port.targetPort === 'string' && !portNames.includes(port.targetPort)) {
        problems.push(`${describe(service)}: targetPort ${port.targetPort} is no container port`);
      }
    }
  }

  for (const budget of of('PodDisruptionBudget')) {
    if (podsOf((budget.spec as Record<string, unknown>).selector).length === 0)
      problems.push(`${describe(budget)}: selects no pods`);
  }
  for (const autoscaler of of('HorizontalPodAutoscaler')) {
    const target = (autoscaler.spec as Record<string, unknown>).scaleTargetRef as Record<string, unknown>;
    if (!named(String(target.kind), String(target.name)))
      problems.push(`${describe(autoscaler)}: scales ${String(target.name)}, which is not rendered`);
  }

  const ingressBackends = of('Ingress').flatMap((ingress) =>
    (
      ((ingress.spec as Record<string, unknown>).rules as Record<string, unknown>[] | undefined) ?? []
    ).flatMap((rule) =>
      ((isRecord(rule.http) ? (rule.http.paths as Record<string, unknown>[]) : []) ?? []).map(
        (path) => ((path.backend as Record<string, unknown>).service as Record<string, unknown>).name,
      ),
    ),
  );
  for (const backend of ingressBackends) {
    if (backend !== 'runecast-api')
      problems.push(`Ingress: routes to ${String(backend)}; only the api is reachable from outside`);
  }
  if (!ingressBackends.includes('runecast-api')) problems.push('no Ingress routes to runecast-api');

  const policies = of('NetworkPolicy').map((policy) => ({
    name: describe(policy),
    spec: policy.spec as Record<string, unknown>,
  }));
  const defaultDeny = policies.some(
    ({ spec }) =>
      isRecord(spec.podSelector) &&
      Object.keys(spec.podSelector).length === 0 &&
      JSON.stringify(spec.policyTypes) === JSON.stringify(['Ingress', 'Egress']) &&
      spec.ingress === undefined &&
      spec.egress === undefined,
  );
  if (!defaultDeny) problems.push('no default-deny NetworkPolicy for ingress and egress');
  for (const { name, spec } of policies) {
    const selected = podsOf(spec.podSelector);
    const selectsRoles =
      isRecord(spec.podSelector) &&
      (Object.keys(spec.podSelector).length === 0 ||
        selected.some(
          (deployment) =>
            deployment.metadata.name.startsWith('runecast-') &&
            roles.includes(String(templateLabels(deployment)['app.kubernetes.io/component'])),
        ));
    if (!selectsRoles) continue;
    for (const rule of (Array.isArray(spec.egress) ? spec.egress : []).filter(isRecord)) {
      const ports = (Array.isArray(rule.ports) ? rule.ports : []).filter(isRecord);
      if (ports.length === 0) problems.push(`${name}: lets role pods out on every port`);
      for (const port of ports) {
        if (!ALLOWED_EGRESS_PORTS.has(Number(port.port)))
          problems.push(`${name}: lets role pods out on port ${String(port.port)}`);
      }
    }
    for (const rule of (Array.isArray(spec.ingress) ? spec.ingress : []).filter(isRecord)) {
      for (const peer of (Array.isArray(rule.from) ? rule.from : []).filter(isRecord)) {
        const namespace =
          isRecord(peer.namespaceSelector) && isRecord(peer.namespaceSelector.matchLabels)
            ? peer.namespaceSelector.matchLabels['kubernetes.io/metadata.name']
            : undefined;
        if (peer.ipBlock !== undefined) problems.push(`${name}: lets addresses in by IP block`);
        if (namespace === 'monitoring') continue;
        const onlyApi =
          selected.length > 0 &&
          selected.every((deployment) => templateLabels(deployment)['app.kubernetes.io/component'] === 'api');
        if (peer.namespaceSelector !== undefined && !onlyApi)
          problems.push(`${name}: lets another namespace reach a role other than the api`);
      }
    }
  }

  for (const monitor of of('ServiceMonitor')) {
    const spec = monitor.spec as Record<string, unknown>;
    const services = of('Service').filter((service) =>
      labelsMatch(spec.selector, isRecord(service.metadata.labels) ? service.metadata.labels : {}),
    );
    const monitoredRoles = services.map(
      (service) => (service.metadata.labels as Record<string, unknown>)['app.kubernetes.io/component'],
    );
    for (const role of roles) {
      if (!monitoredRoles.includes(role))
        problems.push(`${describe(monitor)}: does not scrape the ${role} role`);
    }
    for (const endpoint of (Array.isArray(spec.endpoints) ? spec.endpoints : []).filter(isRecord)) {
      for (const service of services) {
        const ports = ((service.spec as Record<string, unknown>).ports as Record<string, unknown>[]).map(
          (port) => port.name,
        );
        if (!ports.includes(endpoint.port))
          problems.push(`${describe(monitor)}: ${describe(service)} has no port ${String(endpoint.port)}`);
      }
    }
    if (spec.jobLabel !== 'app.kubernetes.io/component')
      problems.push(`${describe(monitor)}: the job label is not the role`);
  }
  return problems;
}
