import { RunecastError } from '@runecast/market';

/** The bus was closed; nothing more can be published or subscribed. */
export class BusClosedError extends RunecastError {
  constructor(message = 'the bus is closed') {
    super('bus_closed', message);
  }
}

/** The broker could not be reached or refused an operation. */
export class BusUnavailableError extends RunecastError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('bus_unavailable', message, details);
  }
}
