// deploy/kubernetes, rendered offline (base and each overlay) and checked against the Kubernetes
// schemas and the rules Runecast's manifests must hold.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { createMetrics } from '../../apps/server/src/observability/metrics.ts';
import { ROLE_NAMES } from '../../apps/server/src/roles/role.ts';
import {
  copyOf,
  isRecord,
  parseYamlDocuments,
  readText,
  readYamlFile,
  repositoryFile,
} from './deploy-files.ts';
import { policyProblems, schemaProblems } from './kubernetes-checks.ts';
import { applyJsonPatch, containersOf, renderKustomization, type KubernetesObject } from './kustomize.ts';

const kubernetes = (...parts: string[]) => repositoryFile('deploy', 'kubernetes', ...parts);
const overlays = ['staging', 'production'];
const rendered = new Map<string, KubernetesObject[]>([
  ['base', renderKustomization(kubernetes('base'))],
  ...overlays.map(
    (overlay) =>
      [overlay, renderKustomization(kubernetes('overlays', overlay))] as [string, KubernetesObject[]],
  ),
]);

function find(objects: KubernetesObject[], kind: string, name: string): KubernetesObject {
  const object = objects.find((item) => item.kind === kind && item.metadata.name === name);
  assert.ok(object, `${kind}/${name} is rendered`);
  return object;
}

function withObject(
  kind: string,
  name: string,
  change: (object: KubernetesObject) => void,
): KubernetesObject[] {
  const objects = copyOf(rendered.get('production')!);
  change(find(objects, kind, name));
  return objects;
}

describe('Kubernetes manifests', () => {
  for (const [name, objects] of rendered) {
    test(`${name}: every object validates against its Kubernetes schema`, async () => {
      assert.ok(objects.length >= 30);
      assert.deepEqual(await schemaProblems(objects), []);
    });

    test(`${name}: the manifests hold Runecast's rules`, () => {
      assert.deepEqual(policyProblems(objects, ROLE_NAMES), []);
    });
  }

  test('the example Secret validates and carries no usable value', async () => {
    const [secret] = parseYamlDocuments(
      readText(kubernetes('base', 'secret.example.yaml')),
      'secret.example.yaml',
    ) as KubernetesObject[];
    assert.deepEqual(await schemaProblems([secret!]), []);
    for (const value of Object.values(secret!.stringData as Record<string, string>))
      assert.equal(value, 'replace-me');
    const kustomization = readYamlFile(kubernetes('base', 'kustomization.yaml')) as { resources: string[] };
    assert.ok(!kustomization.resources.includes('secret.example.yaml'), 'the example is never applied');
  });

  test('overlays set the namespace, the image and their own sizes', () => {
    const production = rendered.get('production')!;
    const staging = rendered.get('staging')!;
    assert.ok(production.every((object) => object.metadata.namespace === 'runecast'));
    assert.ok(staging.every((object) => object.metadata.namespace === 'runecast-staging'));
    for (const role of ROLE_NAMES) {
      const [container] = containersOf(find(production, 'Deployment', `runecast-${role}`));
      assert.equal(container!.image, 'registry.example.com/runecast:0.1.0');
    }
    assert.equal((find(production, 'Deployment', 'runecast-api').spec as { replicas: number }).replicas, 3);
    assert.equal((find(production, 'Cluster', 'runecast-db').spec as { instances: number }).instances, 3);
    assert.equal((find(staging, 'Cluster', 'runecast-db').spec as { instances: number }).instances, 1);
    const stagingIngress = find(staging, 'Ingress', 'runecast-api');
    assert.equal(
      (stagingIngress.metadata.annotations as Record<string, string>)['cert-manager.io/cluster-issuer'],
      'letsencrypt-staging',
    );
  });

  test('the worker scales on the queue through the Prometheus adapter rule, from a metric Runecast exports', async () => {
    const autoscaler = find(rendered.get('production')!, 'HorizontalPodAutoscaler', 'runecast-worker');
    const metric = (
      autoscaler.spec as { metrics: { type: string; external?: { metric: { name: string } } }[] }
    ).metrics[0]!;
    assert.equal(metric.type, 'External');
    const adapter = readYamlFile(kubernetes('helm', 'prometheus-adapter-values.yaml')) as {
      rules: { external: { seriesQuery: string; name: { as: string }; metricsQuery: string }[] };
    };
    const rule = adapter.rules.external.find((item) => item.name.as === metric.external?.metric.name);
    assert.ok(rule, `an adapter rule serves ${metric.external?.metric.name}`);
    const series = /^(\w+)\{([^}]*)\}/.exec(rule.seriesQuery);
    assert.ok(series);
    const declared = (await createMetrics({ processMetrics: false }).registry.getMetricsAsJSON()).find(
      (item) => item.name === series[1],
    );
    assert.ok(declared, `${series[1]} is a metric Runecast declares`);
    assert.equal(declared.type, 'gauge');
    assert.match(series[2]!, /state="queued"/);
    assert.match(rule.metricsQuery, /max by \(namespace, type\)/, 'api replicas each report the whole queue');
    const api = find(rendered.get('production')!, 'HorizontalPodAutoscaler', 'runecast-api');
    assert.deepEqual((api.spec as { metrics: unknown[] }).metrics, [
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
      },
    ]);
  });

  test('NATS comes from its chart with JetStream, under the name the roles connect to', () => {
    const values = readYamlFile(kubernetes('helm', 'nats-values.yaml')) as {
      fullnameOverride: string;
      config: { jetstream: { enabled: boolean; fileStore: { enabled: boolean } } };
    };
    assert.equal(values.config.jetstream.enabled, true);
    assert.equal(values.config.jetstream.fileStore.enabled, true);
    const config = find(rendered.get('production')!, 'ConfigMap', 'runecast-config').data as Record<
      string,
      string
    >;
    assert.equal(new URL(config.RUNECAST_BUS_URL!).hostname, values.fullnameOverride);
    assert.equal(
      rendered.get('production')!.filter((object) => object.kind === 'StatefulSet').length,
      0,
      'no home-made StatefulSets',
    );
  });

  test('schema validation rejects broken objects', async () => {
    const cases: [KubernetesObject[], RegExp][] = [
      [
        withObject(
          'Deployment',
          'runecast-api',
          (object) => ((object.spec as Record<string, unknown>).replicas = 'two'),
        ),
        /Deployment\/runecast-api: .*replicas must be integer/,
      ],
      [
        withObject('Deployment', 'runecast-worker', (object) => delete containersOf(object)[0]!.name),
        /runecast-worker: .*must have required property name/,
      ],
      [
        withObject(
          'ServiceMonitor',
          'runecast',
          (object) =>
            (((object.spec as Record<string, unknown>).endpoints as Record<string, unknown>[])[0]!.interval =
              'often'),
        ),
        /ServiceMonitor\/runecast: .*interval must match pattern/,
      ],
      [
        withObject(
          'Cluster',
          'runecast-db',
          (object) => ((object.spec as Record<string, unknown>).instances = 0),
        ),
        /Cluster\/runecast-db: \/spec\/instances must be >= 1/,
      ],
      [
        withObject(
          'Cluster',
          'runecast-db',
          (object) => ((object.spec as Record<string, unknown>).instance = 3),
        ),
        /Cluster\/runecast-db: \/spec must NOT have additional properties/,
      ],
      [
        withObject(
          'HorizontalPodAutoscaler',
          'runecast-api',
          (object) => (object.apiVersion = 'autoscaling/v9'),
        ),
        /no schema for autoscaling\/v9 HorizontalPodAutoscaler/,
      ],
    ];
    for (const [objects, expected] of cases)
      assert.match((await schemaProblems(objects)).join('\n'), expected);
  });

  test('the rules catch a missing probe, a moving image, a writable root, an open port and a stray route', () => {
    const cases: [KubernetesObject[], RegExp][] = [
      [
        withObject('Deployment', 'runecast-api', (object) => delete containersOf(object)[0]!.readinessProbe),
        /runecast-api: readiness is not GET \/ready/,
      ],
      [
        withObject(
          'Deployment',
          'runecast-ingest',
          (object) => (containersOf(object)[0]!.image = 'registry.example.com/runecast:latest'),
        ),
        /runecast-ingest container runecast: .*a moving tag/,
      ],
      [
        withObject(
          'Deployment',
          'runecast-alerts',
          (object) =>
            ((containersOf(object)[0]!.securityContext as Record<string, unknown>).readOnlyRootFilesystem =
              false),
        ),
        /runecast-alerts container runecast: the root filesystem is writable/,
      ],
      [
        withObject('NetworkPolicy', 'runecast-roles-egress', (object) =>
          applyJsonPatch(
            object,
            [{ op: 'add', path: '/spec/egress/0/ports/-', value: { protocol: 'TCP', port: 22 } }],
            'test',
          ),
        ),
        /runecast-roles-egress: lets role pods out on port 22/,
      ],
      [
        withObject(
          'NetworkPolicy',
          'default-deny',
          (object) => ((object.spec as Record<string, unknown>).policyTypes = ['Ingress']),
        ),
        /no default-deny NetworkPolicy/,
      ],
      [
        withObject('Ingress', 'runecast-api', (object) =>
          applyJsonPatch(
            object,
            [
              {
                op: 'replace',
                path: '/spec/rules/0/http/paths/0/backend/service/name',
                value: 'runecast-worker',
              },
            ],
            'test',
          ),
        ),
        /only the api is reachable from outside/,
      ],
      [
        withObject(
          'Service',
          'runecast-scheduler',
          (object) =>
            ((object.metadata.labels as Record<string, string>)['app.kubernetes.io/part-of'] = 'other'),
        ),
        /does not scrape the scheduler role/,
      ],
      [
        withObject(
          'ConfigMap',
          'runecast-config',
          (object) => ((object.data as Record<string, string>).RUNECAST_BUS = 'nats://nats:4222'),
        ),
        /RUNECAST_BUS is not a Runecast setting/,
      ],
    ];
    for (const [objects, expected] of cases)
      assert.match(policyProblems(objects, ROLE_NAMES).join('\n'), expected);
  });

  test('the renderer refuses what it does not understand instead of rendering something else', () => {
    assert.throws(
      () => applyJsonPatch({ spec: {} }, [{ op: 'replace', path: '/spec/replicas', value: 2 }], 'p'),
      /\/spec\/replicas does not exist/,
    );
    assert.throws(() => applyJsonPatch({}, { op: 'add' }, 'p'), /a list of JSON 6902 operations/);
  });

  const kubectl = spawnSync('kubectl', ['kustomize', '--help'], { encoding: 'utf8', timeout: 20_000 });
  test(
    'renders what kubectl kustomize renders',
    { skip: kubectl.status === 0 ? false : 'kubectl with kustomize is not installed on this machine' },
    () => {
      for (const overlay of overlays) {
        const result = spawnSync('kubectl', ['kustomize', kubernetes('overlays', overlay)], {
          encoding: 'utf8',
          timeout: 60_000,
        });
        assert.equal(result.status, 0, result.stderr);
        const key = (object: KubernetesObject) =>
          `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;
        const sorted = (objects: KubernetesObject[]) =>
          [...objects].sort((a, b) => key(a).localeCompare(key(b)));
        const expected = sorted(parseYamlDocuments(result.stdout, 'kubectl kustomize') as KubernetesObject[]);
        assert.deepEqual(sorted(rendered.get(overlay)!), expected, overlay);
        assert.ok(expected.every((object) => isRecord(object.metadata)));
      }
    },
  );
});
