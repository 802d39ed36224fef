import { existsSync } from 'node:fs';
import type { Config } from '../config/config.ts';
import { ValidationError } from '@runecast/market';
import type { Logger } from '../observability/logger.ts';
import { SourceRegistry } from '../sources/source-registry.ts';
import type { DataMode } from '../sources/data-mode.ts';
import { startEmulatorProcess } from './emulator-process.ts';

/** Exchanges the built-in emulator speaks. */
export const EMULATED_EXCHANGES = ['binance', 'kraken'] as const;

export interface RunningEmulator {
  url: string;
  close(): Promise<void>;
}

const REACHABILITY_TIMEOUT_MS = 5_000;

/**
 * Decides where market data comes from: the real exchanges when they answer, otherwise (or
 * with --offline) a built-in emulator replaying RUNECAST_REPLAY_DIR, or simulating a market
 * when there is no such folder. A configured RUNECAST_EMULATOR_URL is used as it is.
 */
export async function openEmulatorForConfig(
  config: Config,
  exchanges: readonly string[],
  logger: Logger,
): Promise<{ emulator: RunningEmulator | null; dataMode: DataMode }> {
  if (config.emulatorUrl) {
    const simulated = await emulatorIsSimulated(config.emulatorUrl);
    return {
      emulator: null,
      dataMode: {
        mode: simulated ? 'simulated' : 'replay',
        description: `exchange emulator at ${config.emulatorUrl} (${simulated ? 'SIMULATED market data' : 'replayed real data'})`,
        emulatorUrl: config.emulatorUrl,
      },
    };
  }
  let reason = 'offline mode (--offline)';
  if (!config.offline) {
    const unreachable = await findUnreachableExchange(exchanges);
    if (unreachable === null) {
      return {
        emulator: null,
        dataMode: { mode: 'live', description: `live data from ${exchanges.join(', ')}`, emulatorUrl: null },
      };
    }
    reason = `${unreachable.exchange} cannot be reached (${unreachable.reason})`;
    logger.warn(
      { exchange: unreachable.exchange, reason: unreachable.reason },
      'exchange unreachable; using the emulator',
    );
  }
  const unsupported = exchanges.filter(
    (exchange) => !(EMULATED_EXCHANGES as readonly string[]).includes(exchange),
  );
  if (unsupported.length > 0) {
    throw new ValidationError(
      `${reason}, and the built-in emulator speaks only ${EMULATED_EXCHANGES.join(' and ')}; ` +
        `remove ${unsupported.join(', ')} from RUNECAST_MARKETS or run with network access`,
    );
  }
  const replayDir = config.replayDir && existsSync(config.replayDir) ? config.replayDir : null;
  if (config.replayDir && !replayDir) {
    logger.warn(
      { replayDir: config.replayDir },
      'RUNECAST_REPLAY_DIR does not exist; simulating a market instead',
    );
  }
  const emulator = await startEmulatorProcess({
    speed: config.emulatorSpeed,
    logger,
    ...(replayDir ? { replayDir } : {}),
  });
  const simulated = replayDir === null;
  return {
    emulator,
    dataMode: {
      mode: simulated ? 'simulated' : 'replay',
      description: simulated
        ? `${reason}: SIMULATED market data from the built-in exchange emulator at ${emulator.url} (no RUNECAST_REPLAY_DIR)`
        : `${reason}: replaying real data from ${replayDir} through the built-in exchange emulator at ${emulator.url} (speed ${config.emulatorSpeed}x)`,
      emulatorUrl: emulator.url,
    },
  };
}

async function emulatorIsSimulated(url: string): Promise<boolean> {
  try {
    const response = await fetch(new URL('/__emulator/status', url), {
      signal: AbortSignal.timeout(REACHABILITY_TIMEOUT_MS),
    });
    const status = (await response.json()) as { simulated?: unknown };
    return status.simulated === true;
  } catch (error) {
    throw new ValidationError(`the exchange emulator at ${url} does not answer: ${(error as Error).message}`);
  }
}

async function findUnreachableExchange(
  exchanges: readonly string[],
): Promise<{ exchange: string; reason: string } | null> {
  const registry = new SourceRegistry({ defaults: { timeoutMs: REACHABILITY_TIMEOUT_MS } });
  try {
    for (const exchange of exchanges) {
      const source = registry.get(exchange);
      try {
        await source.loadMarkets();
      } catch (error) {
        return { exchange, reason: (error as Error).message.split('\n')[0] ?? 'no answer' };
      }
    }
    return null;
  } finally {
    await registry.close();
  }
}
