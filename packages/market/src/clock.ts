/** Where time comes from, so every service can be run on a clock a test controls. */
export interface Clock {
  /** UTC epoch milliseconds. */
  now(): number;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };
