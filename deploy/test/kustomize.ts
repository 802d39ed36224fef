import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  copyOf,
  isRecord,
  parseImageReference,
  parseYamlDocuments,
  readText,
  readYamlFile,
} from './deploy-files.ts';

/** A Kubernetes object as plain data. */
export type KubernetesObject = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: Record<string, unknown> & { name: string; namespace?: string };
};

/** The kustomization fields deploy/kubernetes uses; anything else is refused, never ignored. */
const SUPPORTED_FIELDS = new Set([
  'apiVersion',
  'kind',
  'namespace',
  'resources',
  'images',
  'replicas',
  'patches',
]);
const CLUSTER_SCOPED_KINDS = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'PersistentVolume',
  'StorageClass',
  'PriorityClass',
  'IngressClass',
]);
const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']);

function asObject(value: unknown, source: string): KubernetesObject {
  if (
    !isRecord(value) ||
    typeof value.apiVersion !== 'string' ||
    typeof value.kind !== 'string' ||
    !isRecord(value.metadata) ||
    typeof value.metadata.name !== 'string'
  ) {
    throw new Error(`${source}: not a Kubernetes object (apiVersion, kind, metadata.name)`);
  }
  return value as KubernetesObject;
}

/** Containers and init containers of a workload's pod template (or a Pod). */
export function podSpecOf(object: KubernetesObject): Record<string, unknown> | null {
  const spec = object.spec;
  if (!isRecord(spec)) return null;
  if (object.kind === 'Pod') return spec;
  return isRecord(spec.template) && isRecord(spec.template.spec) ? spec.template.spec : null;
}

export function containersOf(object: KubernetesObject): Record<string, unknown>[] {
  const pod = podSpecOf(object);
  if (!pod) return [];
  return [
    ...(Array.isArray(pod.initContainers) ? pod.initContainers : []),
    ...(Array.isArray(pod.containers) ? pod.containers : []),
  ].filter(isRecord);
}

function decodePointer(path: string): string[] {
  if (!path.startsWith('/')) throw new Error(`patch path ${path} is not a JSON pointer`);
  return path
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Applies RFC 6902 operations (add, remove, replace, test); a path that is not there throws. */
export function applyJsonPatch(target: unknown, operations: unknown, source: string): void {
  if (!Array.isArray(operations))
    throw new Error(`${source}: a patch must be a list of JSON 6902 operations`);
  for (const operation of operations) {
    if (!isRecord(operation) || typeof operation.op !== 'string' || typeof operation.path !== 'string') {
      throw new Error(`${source}: an operation needs op and path`);
    }
    const parts = decodePointer(operation.path);
    const last = parts.pop();
    let parent: unknown = target;
    for (const part of parts) {
      parent = Array.isArray(parent) ? parent[Number(part)] : isRecord(parent) ? parent[part] : undefined;
      if (parent === undefined) throw new Error(`${source}: ${operation.path} does not exist`);
    }
    if (last === undefined || (!Array.isArray(parent) && !isRecord(parent))) {
      throw new Error(`${source}: ${operation.path} does not exist`);
    }
    const exists = Array.isArray(parent) ? Number(last) < parent.length : last in parent;
    switch (operation.op) {
      case 'add':
        if (Array.isArray(parent))
          parent.splice(last === '-' ? parent.length : Number(last), 0, copyOf(operation.value));
        else parent[last] = copyOf(operation.value);
        break;
      case 'replace':
      case 'remove':
        if (!exists) throw new Error(`${source}: ${operation.path} does not exist`);
        if (operation.op === 'replace') {
          if (Array.isArray(parent)) parent[Number(last)] = copyOf(operation.value);
          else parent[last] = copyOf(operation.value);
        } else if (Array.isArray(parent)) parent.splice(Number(last), 1);
        else delete parent[last];
        break;
      case 'test': {
        const current: unknown = Array.isArray(parent) ? parent[Number(last)] : parent[last];
        if (JSON.stringify(current) !== JSON.stringify(operation.value))
          throw new Error(`${source}: test of ${operation.path} failed`);
        break;
      }
      default:
        throw new Error(`${source}: operation ${operation.op} is not supported here`);
    }
  }
}

function matchesTarget(object: KubernetesObject, target: Record<string, unknown>): boolean {
  const [group, version] = object.apiVersion.includes('/')
    ? object.apiVersion.split('/')
    : ['', object.apiVersion];
  return (
    (target.kind === undefined || target.kind === object.kind) &&
    (target.name === undefined || target.name === object.metadata.name) &&
    (target.group === undefined || target.group === group) &&
    (target.version === undefined || target.version === version) &&
    (target.namespace === undefined || target.namespace === object.metadata.namespace)
  );
}

/**
 * Renders a kustomization folder as `kubectl kustomize` does, for the fields deploy/kubernetes
 * uses: resources (files and folders), JSON 6902 patches with a target, namespace, images and
 * replicas. Every patch must change at least one object.
 */
export function renderKustomization(directory: string): KubernetesObject[] {
  const file = ['kustomization.yaml', 'kustomization.yml']
    .map((name) => join(directory, name))
    .find(existsSync);
  if (!file) throw new Error(`${directory}: no kustomization.yaml`);
  const kustomization = readYamlFile(file);
  if (!isRecord(kustomization)) throw new Error(`${file}: not a mapping`);
  for (const field of Object.keys(kustomization)) {
    if (!SUPPORTED_FIELDS.has(field))
      throw new Error(`${file}: field ${field} is not supported by this renderer`);
  }
  const objects: KubernetesObject[] = [];
  for (const entry of (kustomization.resources as unknown[] | undefined) ?? []) {
    const path = resolve(directory, String(entry));
    if (statSync(path).isDirectory()) objects.push(...renderKustomization(path));
    else objects.push(...parseYamlDocuments(readText(path), path).map((value) => asObject(value, path)));
  }
  for (const patch of (kustomization.patches as unknown[] | undefined) ?? []) {
    if (!isRecord(patch) || typeof patch.path !== 'string' || !isRecord(patch.target)) {
      throw new Error(`${file}: a patch needs path and target`);
    }
    const patchFile = resolve(directory, patch.path);
    const operations = readYamlFile(patchFile);
    const targets = objects.filter((object) =>
      matchesTarget(object, patch.target as Record<string, unknown>),
    );
    if (targets.length === 0) throw new Error(`${patchFile}: its target matches no object`);
    for (const object of targets) applyJsonPatch(object, operations, patchFile);
  }
  if (typeof kustomization.namespace === 'string') {
    for (const object of objects) {
      if (!CLUSTER_SCOPED_KINDS.has(object.kind)) object.metadata.namespace = kustomization.namespace;
    }
  }
  for (const image of (kustomization.images as unknown[] | undefined) ?? []) {
    if (!isRecord(image) || typeof image.name !== 'string') throw new Error(`${file}: an image needs a name`);
    for (const container of objects.flatMap(containersOf)) {
      const current = parseImageReference(String(container.image));
      if (current.name !== image.name) continue;
      const name = typeof image.newName === 'string' ? image.newName : current.name;
      const suffix =
        typeof image.digest === 'string'
          ? `@${image.digest}`
          : typeof image.newTag === 'string'
            ? `:${image.newTag}`
            : current.digest
              ? `@${current.digest}`
              : current.tag
                ? `:${current.tag}`
                : '';
      container.image = `${name}${suffix}`;
    }
  }
  for (const replicas of (kustomization.replicas as unknown[] | undefined) ?? []) {
    if (!isRecord(replicas) || typeof replicas.name !== 'string' || typeof replicas.count !== 'number') {
      throw new Error(`${file}: replicas need name and count`);
    }
    const targets = objects.filter(
      (object) => WORKLOAD_KINDS.has(object.kind) && object.metadata.name === replicas.name,
    );
    if (targets.length === 0)
      throw new Error(`${file}: replicas of ${replicas.name}, which is not a workload here`);
    for (const object of targets) (object.spec as Record<string, unknown>).replicas = replicas.count;
  }
  return objects;
}
