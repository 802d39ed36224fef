#!/usr/bin/env -S node --max-semi-space-size=2
// Entry point of the `runecast` command: runs the compiled server bundle, compiling it first when
// it is missing or older than the TypeScript sources (scripts/build-server.mjs).
//
// The first line starts Node.js with a young generation of 2 MB per semi-space. V8 sizes the
// main thread's young generation when the process starts, so this cannot be set from inside;
// with Node's default (up to 16 MB, which `runecast up` grew into) a restarted `runecast up`
// peaked at 289–291 MB and settled at 234–236 MB, with this at 251–252 MB and 207 MB
// (`docs/adr/0008-young-generation-at-start.md`). Run as `node bin/runecast.js`, the long-running
// roles fall back to keeping the young generation at its starting size (runtime/heap-settings.ts).
import { ensureServerBuild } from '../scripts/build-server.mjs';

const { runCli } = await import(await ensureServerBuild());
process.exitCode = await runCli(process.argv);
