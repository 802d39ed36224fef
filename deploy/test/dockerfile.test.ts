// deploy/Dockerfile and .dockerignore, checked statically: this machine has no Docker engine to
// build the image (deploy/README.md says how to build and run it).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readText, repositoryFile } from './deploy-files.ts';
import { baseNodeVersion, copiedWorkspaceManifests, dockerfileProblems } from './dockerfile-checks.ts';

const dockerfile = readText(repositoryFile('deploy', 'Dockerfile'));
const rootPackage = JSON.parse(readText(repositoryFile('package.json'))) as {
  engines: { node: string };
  workspaces: string[];
};

describe('deploy/Dockerfile', () => {
  test('passes the linter and the image rules', () => {
    assert.deepEqual(dockerfileProblems(dockerfile), []);
  });

  test('each broken rule is reported', () => {
    const cases: [string, string, RegExp][] = [
      [
        'ARG NODE_IMAGE=node:20.20.2-bookworm-slim',
        'ARG NODE_IMAGE=node:latest',
        /FROM node:latest: a moving tag/,
      ],
      ['USER 1000:1000', 'USER root', /USER root: runs as root/],
      ['USER 1000:1000', 'USER node', /numeric uid/],
      ['\nHEALTHCHECK', '\n# HEALTHCHECK', /no HEALTHCHECK/],
      ['"/usr/bin/tini", "--", ', '', /tini/],
      ['tini=0.19.0-1+b3', 'tini', /apt package tini has no pinned version/],
      [
        'VOLUME ["/var/lib/runecast"]',
        'VOLUME ["/data"]',
        /RUNECAST_HOME \(\/var\/lib\/runecast\) is not a VOLUME/,
      ],
      ['COPY --from=builder', 'COPY', /copies nothing from the build stage|COPY \/app: no such file/],
      [
        'deploy/docker/entrypoint.sh',
        'deploy/docker/missing.sh',
        /COPY deploy\/docker\/missing\.sh: no such file/,
      ],
      ['EXPOSE 8080', 'EXPSE 8080', /Unknown instruction: EXPSE/],
    ];
    for (const [from, to, expected] of cases) {
      assert.ok(dockerfile.includes(from), `the Dockerfile has ${from}`);
      assert.match(dockerfileProblems(dockerfile.replace(from, to)).join('\n'), expected, `${from} → ${to}`);
    }
  });

  test('the base image runs a Node.js release the package accepts', () => {
    const version = baseNodeVersion(dockerfile);
    assert.ok(version, 'the base image is node:MAJOR.MINOR.PATCH');
    const minimum = /^>=(\d+)\.(\d+)/.exec(rootPackage.engines.node);
    assert.ok(minimum, `engines.node is ${rootPackage.engines.node}`);
    const [major, minor] = version;
    assert.ok(
      major > Number(minimum[1]) || (major === Number(minimum[1]) && minor >= Number(minimum[2])),
      `${version.join('.')} satisfies ${rootPackage.engines.node}`,
    );
    assert.equal(major, Number(process.versions.node.split('.')[0]), 'the major version the suite runs on');
  });

  test('the build stage copies every workspace manifest before npm ci, so the lock file installs', () => {
    assert.deepEqual(copiedWorkspaceManifests(dockerfile).sort(), [...rootPackage.workspaces].sort());
  });

  test('.dockerignore keeps installed packages, builds, local data and secrets out of the build context', () => {
    const ignored = readText(repositoryFile('.dockerignore'))
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    for (const entry of ['.git', '**/node_modules', '**/dist', '**/.runecast', '.env', 'deploy/secrets']) {
      assert.ok(ignored.includes(entry), `.dockerignore lists ${entry}`);
    }
  });
});
