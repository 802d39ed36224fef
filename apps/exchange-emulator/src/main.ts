import { parseArgs } from 'node:util';
import { EmulatorOptionsError, type EmulatorOptions } from './emulator-options.ts';
import { startEmulator } from './emulator.server.ts';

const HELP = `Usage: node --import tsx apps/exchange-emulator/src/main.ts [options]

Local Binance spot + Kraken spot API emulator (REST and websockets) for ccxt.

Options:
  --port N            port to listen on (default 0: a free port)
  --host HOST         address to bind (default 127.0.0.1)
  --replay-dir DIR    kline files to replay (default: $RUNECAST_REPLAY_DIR; none: simulated market)
  --simulated         simulate even when RUNECAST_REPLAY_DIR is set
  --speed N           emulated time runs N times faster than the wall clock, 1..10000 (default 1)
  --start TIME        emulated start, ISO date or epoch ms (default: middle of the replayed data's last stretch)
  --paused            start with the clock stopped
  --seed N            seed of the simulated market, synthetic trades and fault draws (default 1)
  --history-days N    days of simulated history before the start, 1..365 (default 30)
  --exit-with-stdin   stop when standard input closes (when another process runs this one)
  --help              show this text
`;

function numberOption(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) {
    throw new EmulatorOptionsError([`--${name}: "${text}" is not a number`]);
  }
  return value;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'replay-dir': { type: 'string' },
      simulated: { type: 'boolean', default: false },
      speed: { type: 'string' },
      start: { type: 'string' },
      paused: { type: 'boolean', default: false },
      seed: { type: 'string' },
      'history-days': { type: 'string' },
      'exit-with-stdin': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const replayDir = values.simulated
    ? undefined
    : (values['replay-dir'] ?? process.env.RUNECAST_REPLAY_DIR ?? undefined);
  const start =
    values.start === undefined ? undefined : /^\d+$/.test(values.start) ? Number(values.start) : values.start;
  const options: EmulatorOptions = {
    port: numberOption('port', values.port),
    host: values.host,
    replayDir: replayDir === '' ? undefined : replayDir,
    speed: numberOption('speed', values.speed),
    startTime: start,
    paused: values.paused,
    simulatedHistoryDays: numberOption('history-days', values['history-days']),
    seed: numberOption('seed', values.seed),
  };
  const emulator = await startEmulator(options);
  const status = emulator.status();
  const source = emulator.simulated
    ? `SIMULATED market (seeded, not real data): ${status.symbols.join(', ')}`
    : `replaying ${replayDir} (${status.symbols.length} symbols)`;
  console.log(`Runecast exchange emulator on ${emulator.url}`);
  console.log(`  ${source}`);
  console.log(`  emulated now ${status.now}, speed ${status.speed}x${status.paused ? ', paused' : ''}`);
  console.log(`  Binance REST ${emulator.url}/binance/api/v3, streams ${emulator.wsUrl}/binance/stream/ws`);
  console.log(`  Kraken REST ${emulator.url}/kraken/0/public, streams ${emulator.wsUrl}/kraken/ws/v2`);
  console.log(`  control ${emulator.url}/__emulator/status, /__emulator/faults, /__emulator/clock`);
  const stop = (): void => {
    void emulator.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // The process that started this one holds the other end: when it dies, even by SIGKILL, the
  // pipe closes and the emulator goes with it.
  if (values['exit-with-stdin']) {
    process.stdin.once('close', stop);
    process.stdin.resume();
  }
}

main().catch((error: unknown) => {
  console.error(`exchange emulator: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
