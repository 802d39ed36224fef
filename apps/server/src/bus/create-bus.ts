import { ValidationError } from '@runecast/market';
import type { Bus } from './bus.port.ts';
import { InProcessBus, type InProcessBusOptions } from './in-process.bus.ts';
import { createNatsBus, type NatsBusOptions } from './nats.bus.ts';

export interface CreateBusOptions {
  inProcess?: InProcessBusOptions;
  nats?: Omit<NatsBusOptions, 'url'>;
}

/**
 * The bus named by `url` (RUNECAST_BUS_URL): in-process when absent or `memory://`, NATS
 * JetStream for `nats://host:port`.
 */
export async function createBus(url?: string, options: CreateBusOptions = {}): Promise<Bus> {
  const trimmed = url?.trim();
  if (trimmed === undefined || trimmed === '' || trimmed === 'memory://') {
    return new InProcessBus(options.inProcess);
  }
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    throw new ValidationError(`bus URL "${trimmed}" is not a URL; use memory:// or nats://host:port`);
  }
  if (parsed.protocol === 'nats:') {
    if (parsed.hostname === '')
      throw new ValidationError(`bus URL "${trimmed}" names no host; use nats://host:port`);
    return createNatsBus({ ...options.nats, url: trimmed });
  }
  throw new ValidationError(
    `bus URL scheme "${parsed.protocol}" is not supported; use memory:// (in-process) or nats://host:port (NATS JetStream)`,
  );
}
