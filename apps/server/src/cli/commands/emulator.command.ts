import { existsSync } from 'node:fs';
import { startEmulator } from '@runecast/exchange-emulator';
import type { Command } from 'commander';
import { configFor } from '../command-config.ts';
import { UsageError } from '../usage-error.ts';

interface EmulatorOptions {
  port: string;
  host: string;
  speed?: string;
  replayDir?: string;
}

export function registerEmulatorCommand(program: Command): void {
  program
    .command('emulator')
    .description(
      'Run the local Binance/Kraken exchange emulator (replays RUNECAST_REPLAY_DIR, or simulates a market)',
    )
    .option('--port <port>', 'port to listen on', '8090')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--speed <factor>', 'replay speed, 1 to 10000 (RUNECAST_EMULATOR_SPEED)')
    .option('--replay-dir <dir>', 'folder of kline files to replay (RUNECAST_REPLAY_DIR)')
    .action(async (options: EmulatorOptions, command: Command) => {
      const config = configFor(
        command,
        options.speed === undefined ? {} : { RUNECAST_EMULATOR_SPEED: options.speed },
      );
      if (!/^\d+$/.test(options.port) || Number(options.port) > 65535) {
        throw new UsageError(`--port "${options.port}" must be a whole number from 0 to 65535`);
      }
      const replayDir = options.replayDir ?? config.replayDir;
      if (replayDir && !existsSync(replayDir))
        throw new UsageError(`replay folder "${replayDir}" does not exist`);
      const emulator = await startEmulator({
        host: options.host,
        port: Number(options.port),
        speed: config.emulatorSpeed,
        ...(replayDir ? { replayDir } : {}),
      });
      process.stdout.write(
        `exchange emulator listening at ${emulator.url} (${replayDir ? `replaying ${replayDir}` : 'SIMULATED market'}, speed ${config.emulatorSpeed}x)\n` +
          `point Runecast at it with RUNECAST_EMULATOR_URL=${emulator.url}\n`,
      );
      await new Promise<void>((resolvePromise) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void emulator.close().finally(resolvePromise);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
