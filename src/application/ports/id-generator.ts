export interface IdGenerator {
  /** A new random UUID. */
  uuid(): string;
  /**
   * A new UUID v7: random but for its first 48 bits, the time in milliseconds. For ids that the on-sale makes by the
   * thousand and that name streams (holds, and the orders and tickets derived from them: see derivedId), so that
   * new ones sit together in the event store's indexes. Its time is readable: not for ids whose age is private.
   */
  timeOrdered(): string;
}

export const ID_GENERATOR = Symbol.for('IdGenerator');
