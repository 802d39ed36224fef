import { existsSync } from 'node:fs';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { imagePinProblem, repositoryFile } from './deploy-files.ts';

interface Stage {
  name: string | null;
  image: string;
  instructions: Instruction[];
}

function stagesOf(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const instruction of DockerfileParser.parse(text).getInstructions()) {
    const keyword = instruction.getKeyword();
    if (keyword === 'FROM') {
      // Expanded arguments have the ARG defaults above the first FROM filled in.
      const [image = '', as, name] = instruction
        .getExpandedArguments()
        .map((argument) => argument.getValue());
      stages.push({ name: as?.toUpperCase() === 'AS' ? (name ?? null) : null, image, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

function execForm(instruction: Instruction): string[] | null {
  try {
    const value: unknown = JSON.parse(instruction.getArgumentsContent() ?? '');
    return Array.isArray(value) && value.every((item) => typeof item === 'string') ? value : null;
  } catch {
    return null;
  }
}

function flagValue(instruction: Instruction, name: string): string | null {
  const flags = (
    instruction as Instruction & { getFlags?: () => { getName(): string; getValue(): string | null }[] }
  ).getFlags?.();
  return flags?.find((flag) => flag.getName() === name)?.getValue() ?? null;
}

/**
 * What the image must be, read from the Dockerfile without building it: the linter's findings,
 * pinned base images, a build stage whose files alone reach the runtime stage, a non-root user,
 * a health check, tini as PID 1, apt packages at pinned versions, data under one volume, and
 * build-context files that exist.
 */
export function dockerfileProblems(text: string): string[] {
  const problems: string[] = validate(text).map(
    (diagnostic) => `line ${diagnostic.range.start.line + 1}: ${diagnostic.message}`,
  );
  const stages = stagesOf(text);
  if (stages.length < 2) problems.push('not multi-stage: build and runtime must be separate stages');
  for (const stage of stages) {
    const problem = imagePinProblem(stage.image);
    if (problem && !stages.some((other) => other.name === stage.image)) problems.push(`FROM ${problem}`);
  }
  const runtime = stages.at(-1);
  if (!runtime) return [...problems, 'no FROM'];
  const builderNames = new Set(stages.slice(0, -1).map((stage) => stage.name));
  const of = (keyword: string) =>
    runtime.instructions.filter((instruction) => instruction.getKeyword() === keyword);

  if (!of('COPY').some((instruction) => builderNames.has(flagValue(instruction, 'from')))) {
    problems.push('the runtime stage copies nothing from the build stage');
  }
  for (const instruction of of('RUN')) {
    const command = instruction.getArgumentsContent() ?? '';
    if (/\bnpm (ci|install)\b/.test(command)) problems.push('the runtime stage installs packages with npm');
    const installs = /apt-get install((?:\s+[^&;|]+)+)/.exec(command)?.[1] ?? '';
    for (const word of installs
      .split(/\s+/)
      .filter((item) => item && !item.startsWith('-') && item !== '\\')) {
      if (!word.includes('=')) problems.push(`apt package ${word} has no pinned version`);
    }
  }

  const user = of('USER').at(-1)?.getArgumentsContent()?.trim() ?? null;
  const uid = user?.split(':')[0] ?? null;
  if (uid === null) problems.push('no USER: the runtime stage runs as root');
  else if (uid === 'root' || uid === '0') problems.push(`USER ${user}: runs as root`);
  else if (!/^\d+$/.test(uid))
    problems.push(`USER ${user}: give a numeric uid, so Kubernetes can check runAsNonRoot`);

  const healthcheck = of('HEALTHCHECK').at(-1);
  if (!healthcheck || /^\s*NONE\b/i.test(healthcheck.getArgumentsContent() ?? ''))
    problems.push('no HEALTHCHECK');

  const entrypoint = of('ENTRYPOINT').at(-1);
  const entrypointCommand = entrypoint ? execForm(entrypoint) : null;
  if (!entrypointCommand) problems.push('ENTRYPOINT must be in exec form');
  else if (!/(^|\/)tini$/.test(entrypointCommand[0] ?? '') || entrypointCommand[1] !== '--') {
    problems.push('ENTRYPOINT must start tini (tini --) as PID 1 to forward signals');
  }

  const environment = new Map<string, string>();
  for (const instruction of of('ENV')) {
    for (const property of (
      instruction as Instruction & { getProperties(): { getName(): string; getValue(): string | null }[] }
    ).getProperties()) {
      environment.set(property.getName(), property.getValue() ?? '');
    }
  }
  const home = environment.get('RUNECAST_HOME');
  const volumes = of('VOLUME').flatMap((instruction) => execForm(instruction) ?? []);
  if (!home) problems.push('RUNECAST_HOME is not set');
  else if (!volumes.includes(home)) problems.push(`RUNECAST_HOME (${home}) is not a VOLUME`);
  if (environment.get('RUNECAST_HOST') !== '0.0.0.0')
    problems.push('RUNECAST_HOST must be 0.0.0.0 in a container');

  for (const stage of stages) {
    for (const instruction of stage.instructions.filter((item) =>
      ['COPY', 'ADD'].includes(item.getKeyword()),
    )) {
      if (flagValue(instruction, 'from') !== null) continue;
      const sources = instruction
        .getArguments()
        .map((argument) => argument.getValue())
        .slice(0, -1);
      for (const source of sources) {
        if (source !== '.' && !existsSync(repositoryFile(source)))
          problems.push(`COPY ${source}: no such file`);
      }
    }
  }
  return problems;
}

/** The base image's Node.js version (`node:20.20.2-bookworm-slim` → [20, 20, 2]), or null. */
export function baseNodeVersion(text: string): [number, number, number] | null {
  const image = stagesOf(text).at(-1)?.image ?? '';
  const match = /^node:(\d+)\.(\d+)\.(\d+)/.exec(image);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : null;
}

/** The workspaces whose package.json the build stage copies before `npm ci`. */
export function copiedWorkspaceManifests(text: string): string[] {
  return stagesOf(text)[0]!
    .instructions.filter((instruction) => instruction.getKeyword() === 'COPY')
    .flatMap((instruction) =>
      instruction
        .getArguments()
        .map((argument) => argument.getValue())
        .slice(0, -1),
    )
    .filter((path) => /\/package\.json$/.test(path))
    .map((path) => path.replace(/\/package\.json$/, ''));
}
