import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { ENVIRONMENT_VARIABLES, FLAG_FOR_VARIABLE } from '../src/config/config.ts';
import { buildProgram } from '../src/cli/main.ts';

const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8');

test('the README documents every environment variable and its flag', () => {
  for (const name of Object.keys(ENVIRONMENT_VARIABLES)) {
    assert.ok(readme.includes(`\`${name}\``), `${name} is missing from the README`);
  }
  for (const flag of Object.values(FLAG_FOR_VARIABLE))
    assert.ok(readme.includes(`\`${flag}\``), `${flag} is missing`);
});

test('the README names every command', () => {
  for (const command of buildProgram().commands) {
    assert.ok(
      readme.includes(`runecast ${command.name()}`),
      `runecast ${command.name()} is missing from the README`,
    );
  }
});

test('the quick start is two commands: install and start, then the tests', () => {
  const quickStart = readme.slice(readme.indexOf('## Quick start'));
  const block = /```sh\n([\s\S]*?)```/.exec(quickStart)?.[1]?.trim().split('\n');
  assert.deepEqual(block, ['npm ci && npx runecast up', 'npm test']);
});
