import type { Bus, Subscription } from '../bus/bus.port.ts';
import { topicPattern } from '../bus/topics.ts';

export type LiveFamily = 'candles' | 'book' | 'forecasts' | 'jobProgress' | 'alertsFired';
export type LiveListener = (topic: string, data: unknown) => void;

/**
 * Fans bus messages out to live-stream clients: one bus subscription per topic family for the
 * whole process (made when the first client wants it), however many clients listen.
 */
export class LiveFeed {
  private readonly listeners = new Map<string, Set<LiveListener>>();
  private readonly familyListeners = new Map<LiveFamily, Set<LiveListener>>();
  private readonly subscriptions = new Map<LiveFamily, Promise<Subscription>>();
  private closed = false;

  constructor(
    private readonly bus: Bus,
    private readonly onListenerError: (error: unknown) => void = () => undefined,
  ) {}

  /** Calls `listener` for every message on `topics`; resolves to a function that stops it. */
  async listen(
    families: readonly LiveFamily[],
    topics: readonly string[],
    listener: LiveListener,
  ): Promise<() => void> {
    if (this.closed) throw new Error('the live feed is closed');
    await Promise.all(families.map((family) => this.ensureSubscribed(family)));
    for (const topic of topics) {
      let set = this.listeners.get(topic);
      if (set === undefined) {
        set = new Set();
        this.listeners.set(topic, set);
      }
      set.add(listener);
    }
    return () => {
      for (const topic of topics) {
        const set = this.listeners.get(topic);
        set?.delete(listener);
        if (set?.size === 0) this.listeners.delete(topic);
      }
    };
  }

  /** Calls `listener` for every message of a whole family (e.g. every job's progress); resolves to a function that stops it. */
  async listenFamily(family: LiveFamily, listener: LiveListener): Promise<() => void> {
    if (this.closed) throw new Error('the live feed is closed');
    await this.ensureSubscribed(family);
    let set = this.familyListeners.get(family);
    if (set === undefined) {
      set = new Set();
      this.familyListeners.set(family, set);
    }
    set.add(listener);
    return () => {
      const current = this.familyListeners.get(family);
      current?.delete(listener);
      if (current?.size === 0) this.familyListeners.delete(family);
    };
  }

  private ensureSubscribed(family: LiveFamily): Promise<Subscription> {
    let subscription = this.subscriptions.get(family);
    if (subscription === undefined) {
      subscription = this.bus.subscribe(topicPattern(family), (message) => {
        this.dispatch(message.topic, message.data);
        this.dispatchFamily(family, message.topic, message.data);
      });
      // A failed subscription is retried by the next client rather than cached.
      subscription.catch(() => this.subscriptions.delete(family));
      this.subscriptions.set(family, subscription);
    }
    return subscription;
  }

  private dispatch(topic: string, data: unknown): void {
    const set = this.listeners.get(topic);
    if (set === undefined) return;
    for (const listener of set) {
      try {
        listener(topic, data);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }

  private dispatchFamily(family: LiveFamily, topic: string, data: unknown): void {
    const set = this.familyListeners.get(family);
    if (set === undefined) return;
    for (const listener of set) {
      try {
        listener(topic, data);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    this.familyListeners.clear();
    const subscriptions = [...this.subscriptions.values()];
    this.subscriptions.clear();
    await Promise.allSettled(subscriptions.map(async (subscription) => (await subscription).unsubscribe()));
  }
}
