export interface ShutdownOptions {
  /** Stops everything the process runs; may take a while, or hang. */
  stop: () => Promise<void>;
  /** After the first signal, the process exits (code 1) if `stop` has not finished by then. */
  timeoutMs: number;
  say: (line: string) => void;
  exit?: (code: number) => void;
  signals?: readonly NodeJS.Signals[];
}

/**
 * Resolves once a SIGINT or SIGTERM has stopped the process cleanly. SIGTERM is always honoured:
 * a second signal exits at once, and a stop that hangs (a store that never answers) is cut
 * short after `timeoutMs`.
 */
export function stopOnSignals(options: ShutdownOptions): Promise<void> {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const signals = options.signals ?? ['SIGINT', 'SIGTERM'];
  return new Promise<void>((resolvePromise) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        options.say(`runecast: ${signal} again; exiting now`);
        exit(1);
        return;
      }
      stopping = true;
      options.say('runecast: stopping');
      // Not unref'd: this timer is what ends a stop that hangs.
      const timer = setTimeout(() => {
        options.say(`runecast: did not stop within ${Math.round(options.timeoutMs / 1000)} s; exiting`);
        exit(1);
      }, options.timeoutMs);
      void options
        .stop()
        .catch((error: unknown) => options.say(`runecast: error while stopping: ${(error as Error).message}`))
        .finally(() => {
          clearTimeout(timer);
          for (const name of signals) process.off(name, onSignal);
          resolvePromise();
        });
    };
    for (const name of signals) process.on(name, onSignal);
  });
}
