// deploy/compose.yaml, checked offline (no Docker engine needed): the Compose Specification's
// schema, pinned images, what operating it needs, the roles, and that Prometheus and the proxy
// find the services it defines.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ROLE_NAMES } from '../../apps/server/src/roles/role.ts';
import {
  composeImages,
  composeOperationProblems,
  composePinProblems,
  composeRoleProblems,
  composeSchemaProblems,
} from './compose-checks.ts';
import { copyOf, isRecord, readText, readYamlFile, repositoryFile } from './deploy-files.ts';

const compose = readYamlFile(repositoryFile('deploy', 'compose.yaml')) as {
  services: Record<string, Record<string, unknown>>;
};
const replicas = { api: 2, ingest: 2, worker: 2 };

describe('deploy/compose.yaml', () => {
  test('validates against the Compose Specification schema', () => {
    assert.deepEqual(composeSchemaProblems(compose), []);
  });

  test('the schema rejects what Compose would reject', () => {
    const unknownKey = copyOf(compose);
    unknownKey.services.api!.restart_policy = 'always';
    assert.match(composeSchemaProblems(unknownKey).join('\n'), /\/services\/api .*restart_policy/);

    const badCondition = copyOf(compose);
    badCondition.services.worker!.depends_on = { postgres: { condition: 'service_happy' } };
    assert.match(
      composeSchemaProblems(badCondition).join('\n'),
      /\/services\/worker\/depends_on\/postgres\/condition/,
    );

    const badNetworks = copyOf(compose);
    badNetworks.services.ingest!.networks = 'backend';
    assert.match(composeSchemaProblems(badNetworks).join('\n'), /\/services\/ingest\/networks/);
  });

  test('every image is pinned to a release, and the Runecast image to the package version', () => {
    assert.deepEqual(composePinProblems(compose), []);
    const packageVersion = (JSON.parse(readText(repositoryFile('package.json'))) as { version: string })
      .version;
    const runecastImages = composeImages(compose).filter(([name]) =>
      (ROLE_NAMES as readonly string[]).includes(name),
    );
    assert.equal(runecastImages.length, ROLE_NAMES.length);
    for (const [name, image] of runecastImages) assert.equal(image, `runecast:${packageVersion}`, name);
    assert.ok(
      composeImages(compose).length >= ROLE_NAMES.length + 8,
      'infrastructure and monitoring services are there',
    );
  });

  test('a moving or missing tag is refused', () => {
    for (const image of ['postgres:latest', 'redis', 'postgres:17', 'node:20-slim', 'caddy:${CADDY_TAG}']) {
      const mutated = copyOf(compose);
      mutated.services.postgres!.image = image;
      assert.match(composePinProblems(mutated).join('\n'), /^postgres: /, image);
    }
    const withDigest = copyOf(compose);
    withDigest.services.postgres!.image = `postgres@sha256:${'a'.repeat(64)}`;
    assert.deepEqual(composePinProblems(withDigest), []);
  });

  test('every service restarts, is health-checked, is limited, and waits for healthy dependencies', () => {
    assert.deepEqual(composeOperationProblems(compose), []);
    const roles = ['api', 'ingest', 'worker', 'scheduler', 'alerts'];
    for (const role of roles) {
      assert.deepEqual(Object.keys(compose.services[role]!.depends_on as object).sort(), [
        'nats',
        'postgres',
        'redis',
      ]);
    }
  });

  test('operation checks catch a missing healthcheck, an unconditioned dependency and an inline secret', () => {
    const mutated = copyOf(compose);
    delete mutated.services.redis!.healthcheck;
    mutated.services.proxy!.depends_on = ['api'];
    (mutated.services.postgres!.environment as Record<string, string>).POSTGRES_PASSWORD = 'hunter2';
    delete (mutated.services.scheduler!.deploy as Record<string, unknown>).resources;
    const problems = composeOperationProblems(mutated).join('\n');
    assert.match(problems, /redis: no healthcheck/);
    assert.match(problems, /api: waits for redis to be healthy, which has no healthcheck/);
    assert.match(problems, /proxy: depends_on without conditions/);
    assert.match(problems, /postgres: POSTGRES_PASSWORD is set in the file/);
    assert.match(problems, /scheduler: no CPU and memory limits/);
  });

  test('one service per role, started with serve --roles, on settings Runecast knows', () => {
    assert.deepEqual(composeRoleProblems(compose, ROLE_NAMES, replicas), []);
    const mutated = copyOf(compose);
    (mutated.services.alerts!.environment as Record<string, string>).RUNECAST_DATABSE_URL = 'postgres://x';
    mutated.services.ingest!.command = ['up'];
    (mutated.services.worker!.deploy as Record<string, unknown>).replicas = 1;
    const problems = composeRoleProblems(mutated, ROLE_NAMES, replicas).join('\n');
    assert.match(problems, /alerts: RUNECAST_DATABSE_URL is not a Runecast setting/);
    assert.match(problems, /ingest: command is not serve --roles ingest/);
    assert.match(problems, /worker: 1 replica\(s\), fewer than 2/);
  });

  test('Prometheus scrapes every role under a job named after it, and the proxy balances the api service', () => {
    const prometheus = readYamlFile(repositoryFile('deploy', 'prometheus', 'prometheus.yml')) as {
      scrape_configs: {
        job_name: string;
        dns_sd_configs?: { names: string[]; port: number }[];
        static_configs?: { targets: string[] }[];
      }[];
    };
    for (const role of ROLE_NAMES) {
      const job = prometheus.scrape_configs.find((config) => config.job_name === role);
      assert.ok(job, `a scrape job for ${role}`);
      assert.deepEqual(job.dns_sd_configs?.[0]?.names, [role]);
      assert.equal(job.dns_sd_configs?.[0]?.port, 8080);
    }
    for (const config of prometheus.scrape_configs) {
      for (const target of config.static_configs?.flatMap((entry) => entry.targets) ?? []) {
        const host = target.split(':')[0]!;
        assert.ok(
          host === '127.0.0.1' || host in compose.services,
          `${config.job_name} scrapes ${target}, a service of the file`,
        );
      }
    }
    const caddyfile = readText(repositoryFile('deploy', 'caddy', 'Caddyfile'));
    assert.match(caddyfile, /dynamic a \{\s+name api\s+port 8080/);
    assert.match(caddyfile, /flush_interval -1/, 'live streams pass through unbuffered');
    assert.doesNotMatch(caddyfile, /lb_policy (cookie|ip_hash|client_ip_hash|header)/, 'no sticky sessions');
    const volumes = (compose.services.proxy!.volumes as string[]).join('\n');
    assert.match(volumes, /\.\/caddy\/Caddyfile:\/etc\/caddy\/Caddyfile:ro/);
  });

  test('Runecast services run read-only, without capabilities, with the data folder on tmpfs', () => {
    for (const role of ROLE_NAMES) {
      const service = compose.services[role]!;
      assert.equal(service.read_only, true, role);
      assert.deepEqual(service.cap_drop, ['ALL'], role);
      assert.ok(
        (service.tmpfs as string[]).some((entry) => entry.startsWith('/var/lib/runecast:')),
        role,
      );
      assert.ok(isRecord(service.environment) && service.environment.RUNECAST_HOST === '0.0.0.0');
    }
  });
});
