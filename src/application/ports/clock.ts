/** Time comes from here so tests (and replays) can control it. */
export interface Clock {
  now(): Date;
}

export const CLOCK = Symbol.for('Clock');
