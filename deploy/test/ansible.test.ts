// deploy/ansible: the playbook passes `ansible-playbook --syntax-check`, and its templates, rendered
// by Ansible itself, make settings Runecast accepts and one systemd unit per role. Needs Ansible
// (Debian's ansible-core, which .ci/run installs); reported as skipped without it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadConfig } from '../../apps/server/src/config/config.ts';
import { ROLE_NAMES } from '../../apps/server/src/roles/role.ts';
import { readYamlFile, repositoryFile } from './deploy-files.ts';

const ansible = spawnSync('ansible-playbook', ['--version'], { encoding: 'utf8' });
const skip =
  ansible.status === 0 ? false : 'ansible-playbook is not installed (apt-get install ansible-core)';
const playbook = repositoryFile('deploy', 'ansible', 'playbook.yml');
const folder = mkdtempSync(join(tmpdir(), 'runecast-ansible-'));
after(() => rmSync(folder, { recursive: true, force: true }));

function ansiblePlaybook(...args: string[]) {
  return spawnSync('ansible-playbook', args, {
    encoding: 'utf8',
    timeout: 120_000,
    env: {
      ...process.env,
      ANSIBLE_LOCAL_TEMP: join(folder, 'tmp'),
      ANSIBLE_NOCOLOR: '1',
      ANSIBLE_RETRY_FILES_ENABLED: '0',
    },
  });
}

function environmentFile(path: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(path, 'utf8')
      .split('\n')
      .filter((line) => line && !line.startsWith('#'))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

describe('Ansible playbook', { skip }, () => {
  test('passes ansible-playbook --syntax-check, and a broken copy does not', () => {
    const result = ansiblePlaybook(
      '-i',
      repositoryFile('deploy', 'ansible', 'inventory.example.ini'),
      '--syntax-check',
      playbook,
    );
    assert.equal(result.status, 0, result.stdout + result.stderr);
    const broken = join(folder, 'broken.yml');
    writeFileSync(
      broken,
      readFileSync(playbook, 'utf8').replace('ansible.builtin.get_url:', 'ansible.builtin.get_urls:'),
    );
    assert.notEqual(ansiblePlaybook('--syntax-check', broken).status, 0);
  });

  test('runs every role, and its templates render settings Runecast accepts and one unit per role', () => {
    const [play] = readYamlFile(playbook) as { vars: { runecast_roles: string[] } }[];
    assert.deepEqual(play!.vars.runecast_roles, [...ROLE_NAMES]);
    const templates = repositoryFile('deploy', 'ansible', 'templates');
    const renderer = join(folder, 'render.yml');
    writeFileSync(
      renderer,
      JSON.stringify([
        {
          hosts: 'localhost',
          connection: 'local',
          gather_facts: false,
          vars: {
            ...(play as unknown as { vars: Record<string, unknown> }).vars,
            runecast_database_url: 'postgres://runecast:secret@db.internal:5432/runecast',
            runecast_bus_url: 'nats://nats.internal:4222',
            runecast_cache_url: 'redis://cache.internal:6379',
            runecast_jwt_secret: 'j'.repeat(48),
            runecast_secrets_key: 'ab'.repeat(32),
            runecast_admin_password: 'a-long-admin-password',
            runecast_settings: { RUNECAST_MARKETS: 'binance:BTC/USDT' },
          },
          tasks: [
            {
              'ansible.builtin.template': {
                src: join(templates, 'runecast.env.j2'),
                dest: join(folder, 'runecast.env'),
              },
            },
            {
              'ansible.builtin.template': {
                src: join(templates, 'role.env.j2'),
                dest: join(folder, '{{ item }}.env'),
              },
              loop: '{{ runecast_roles }}',
              loop_control: { index_var: 'runecast_role_index' },
            },
            {
              'ansible.builtin.template': {
                src: join(templates, 'runecast@.service.j2'),
                dest: join(folder, 'runecast@.service'),
              },
            },
          ],
        },
      ]),
    );
    const result = ansiblePlaybook('-i', 'localhost,', renderer);
    assert.equal(result.status, 0, result.stdout + result.stderr);
    const shared = environmentFile(join(folder, 'runecast.env'));
    const ports = new Set<number>();
    for (const role of ROLE_NAMES) {
      const config = loadConfig({ ...shared, ...environmentFile(join(folder, `${role}.env`)) });
      assert.equal(config.databaseUrl, 'postgres://runecast:secret@db.internal:5432/runecast');
      assert.equal(config.busUrl, 'nats://nats.internal:4222');
      assert.equal(config.trustProxy, role === 'api');
      ports.add(config.port);
    }
    assert.equal(ports.size, ROLE_NAMES.length, 'each role listens on its own port');
    const unit = readFileSync(join(folder, 'runecast@.service'), 'utf8');
    assert.match(
      unit,
      /^ExecStart=\/opt\/runecast\/node\/bin\/node .*\/apps\/server\/bin\/runecast\.js serve --roles %i$/m,
    );
    assert.match(unit, /^EnvironmentFile=\/etc\/runecast\/%i\.env$/m);
    assert.match(unit, /^ReadWritePaths=\/var\/lib\/runecast$/m);
  });
});
