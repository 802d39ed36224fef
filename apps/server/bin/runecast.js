#!/usr/bin/env node
// Entry point of the `runecast` command: runs the compiled server bundle, compiling it first when
// it is missing or older than the TypeScript sources (scripts/build-server.mjs).
import { ensureServerBuild } from '../scripts/build-server.mjs';

const { runCli } = await import(await ensureServerBuild());
process.exitCode = await runCli(process.argv);
