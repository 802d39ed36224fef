import type { WebSocket } from 'ws';
import type { EmulatedExchangeId, FaultInjector } from './fault-injector.ts';

// Fields that identify or order events; corrupting them would hide the bad prices the fault is about.
const KEPT_FIELDS = new Set([
  'e',
  'E',
  's',
  'i',
  't',
  'T',
  'x',
  'stream',
  'channel',
  'type',
  'symbol',
  'interval_begin',
]);

/** Well-formed JSON whose numbers are invalid: numeric strings become "NaN", numbers turn negative. */
export function corruptValues(value: unknown, key = ''): unknown {
  if (KEPT_FIELDS.has(key)) return value;
  if (Array.isArray(value)) return value.map((item) => corruptValues(item));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, corruptValues(item, name)]));
  }
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) return 'NaN';
  if (typeof value === 'number' && value !== 0) return -Math.abs(value);
  return value;
}

/**
 * A client connection whose outgoing market messages pass through the fault injector: dropped
 * (socket torn down without a close frame), malformed, held back behind the next message, or sent
 * twice. Replies to the client's own requests go out untouched.
 */
export class FaultyConnection {
  private heldText: string | null = null;
  private dropped = false;

  constructor(
    readonly socket: WebSocket,
    private readonly exchange: EmulatedExchangeId,
    private readonly faults: FaultInjector,
  ) {}

  get isOpen(): boolean {
    return !this.dropped && this.socket.readyState === this.socket.OPEN;
  }

  /** Sends a reply or control message without faults. */
  reply(payload: unknown): void {
    if (this.isOpen) this.socket.send(JSON.stringify(payload));
  }

  /** Sends a market message of `stream`; false once the connection is gone. */
  send(payload: unknown, stream: string): boolean {
    if (!this.isOpen) return false;
    let text = JSON.stringify(payload);
    const fault = this.faults.forMessage(this.exchange, stream);
    if (fault?.kind === 'ws-drop') {
      this.dropped = true;
      this.socket.terminate();
      return false;
    }
    if (fault?.kind === 'ws-malformed') {
      text =
        fault.variant === 'bad-values'
          ? JSON.stringify(corruptValues(payload))
          : text.slice(0, Math.max(1, Math.floor(text.length / 2)));
    }
    if (fault?.kind === 'ws-out-of-order' && this.heldText === null) {
      this.heldText = text;
      return true;
    }
    this.socket.send(text);
    if (fault?.kind === 'ws-duplicate') this.socket.send(text);
    if (this.heldText !== null) {
      this.socket.send(this.heldText);
      this.heldText = null;
    }
    return true;
  }
}
