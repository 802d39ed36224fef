// deploy/docker/entrypoint.sh: secrets mounted as files become the settings Runecast reads.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { repositoryFile } from './deploy-files.ts';

const entrypoint = repositoryFile('deploy', 'docker', 'entrypoint.sh');
const folder = mkdtempSync(join(tmpdir(), 'runecast-entrypoint-'));
after(() => rmSync(folder, { recursive: true, force: true }));

function secretFile(name: string, content: string): string {
  const path = join(folder, name);
  writeFileSync(path, content, { mode: 0o600 });
  return path;
}

function run(environment: Record<string, string>, ...command: string[]) {
  const result = spawnSync('/bin/sh', [entrypoint, ...command], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...environment },
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function environmentOf(stdout: string): Map<string, string> {
  return new Map(
    stdout
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

describe('container entrypoint', () => {
  test('exports RUNECAST_X from RUNECAST_X_FILE, without the trailing newline, and runs the command', () => {
    const result = run(
      {
        RUNECAST_JWT_SECRET_FILE: secretFile('jwt', 'a'.repeat(48) + '\n'),
        RUNECAST_DATABASE_URL_FILE: secretFile(
          'database',
          'postgres://runecast:p%40ss@postgres:5432/runecast\n\n',
        ),
        RUNECAST_BUS_URL: 'nats://nats:4222',
      },
      'env',
    );
    assert.equal(result.status, 0, result.stderr);
    const environment = environmentOf(result.stdout);
    assert.equal(environment.get('RUNECAST_JWT_SECRET'), 'a'.repeat(48));
    assert.equal(
      environment.get('RUNECAST_DATABASE_URL'),
      'postgres://runecast:p%40ss@postgres:5432/runecast',
    );
    assert.equal(environment.get('RUNECAST_BUS_URL'), 'nats://nats:4222');
    assert.equal(environment.has('RUNECAST_JWT_SECRET_FILE'), false, 'the _FILE variable is not passed on');
  });

  test('passes the arguments through unchanged', () => {
    const result = run({}, 'printf', '%s|', 'serve', '--roles', 'api,worker', 'two words');
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, 'serve|--roles|api,worker|two words|');
  });

  test('refuses a setting given twice, a missing or empty file, and no command, with exit code 2', () => {
    const cases: [Record<string, string>, string[], RegExp][] = [
      [
        {
          RUNECAST_SECRETS_KEY: 'b'.repeat(64),
          RUNECAST_SECRETS_KEY_FILE: secretFile('key', 'c'.repeat(64)),
        },
        ['true'],
        /RUNECAST_SECRETS_KEY and RUNECAST_SECRETS_KEY_FILE are both set/,
      ],
      [
        { RUNECAST_ADMIN_PASSWORD_FILE: join(folder, 'absent') },
        ['true'],
        /RUNECAST_ADMIN_PASSWORD_FILE=.*no readable file/,
      ],
      [{ RUNECAST_ADMIN_PASSWORD_FILE: secretFile('empty', '\n') }, ['true'], /the file is empty/],
      [{}, [], /no command to run/],
    ];
    for (const [environment, command, message] of cases) {
      const result = run(environment, ...command);
      assert.equal(result.status, 2, JSON.stringify(environment));
      assert.match(result.stderr, message);
      assert.doesNotMatch(result.stderr, /c{64}/, 'a secret value is never printed');
    }
  });
});
