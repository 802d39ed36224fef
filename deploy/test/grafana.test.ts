// deploy/grafana: the dashboard's per-role panels read the jobs Prometheus is given, one per role.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ROLE_NAMES } from '../../apps/server/src/roles/role.ts';
import { readText, readYamlFile, repositoryFile } from './deploy-files.ts';

interface Panel {
  id: number;
  type: string;
  title: string;
  targets?: { expr: string }[];
}

const dashboard = JSON.parse(
  readText(repositoryFile('deploy', 'grafana', 'dashboards', 'runecast.json')),
) as {
  panels: Panel[];
  templating: { list: { name: string; query: string; allValue: string }[] };
};

test('the role variable lists every role, and the per-role panels group by job', () => {
  const role = dashboard.templating.list.find((variable) => variable.name === 'role');
  assert.ok(role);
  assert.deepEqual(role.query.split(','), [...ROLE_NAMES]);
  assert.deepEqual(role.allValue.split('|'), [...ROLE_NAMES]);
  const perRole = dashboard.panels.filter((panel) => /by role/.test(panel.title));
  assert.ok(perRole.length >= 4);
  for (const panel of perRole) {
    for (const target of panel.targets ?? []) {
      assert.match(target.expr, /job=~"\$role"/, panel.title);
      assert.match(target.expr, /by \(job/, panel.title);
    }
  }
  const prometheus = readYamlFile(repositoryFile('deploy', 'prometheus', 'prometheus.yml')) as {
    scrape_configs: { job_name: string }[];
  };
  const jobs = prometheus.scrape_configs.map((config) => config.job_name);
  for (const name of ROLE_NAMES) assert.ok(jobs.includes(name), `Prometheus has a ${name} job`);
});

test('panel ids are unique and the queue is not counted once per api replica', () => {
  const ids = dashboard.panels.map((panel) => panel.id);
  assert.equal(new Set(ids).size, ids.length);
  const queue = dashboard.panels
    .flatMap((panel) => panel.targets ?? [])
    .filter((target) => /runecast_jobs\b(?!_)/.test(target.expr));
  assert.ok(queue.length > 0);
  for (const target of queue) assert.doesNotMatch(target.expr, /^sum by \(type, state\) \(runecast_jobs\)/);
});
