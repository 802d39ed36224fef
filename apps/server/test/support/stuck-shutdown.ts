// A process whose stop never finishes, for the shutdown test: prints "ready", then waits.
import { stopOnSignals } from '../../src/cli/shutdown-signals.ts';

const timeoutMs = Number(process.argv[2] ?? '1000');
void stopOnSignals({
  stop: () => new Promise<void>(() => undefined),
  timeoutMs,
  say: (line) => process.stdout.write(`${line}\n`),
}).then(() => process.exit(0));
// Stands in for the server that keeps a real process running.
setInterval(() => undefined, 60_000);
process.stdout.write('ready\n');
