export interface IdGenerator {
  /** A new random UUID. */
  uuid(): string;
}

export const ID_GENERATOR = Symbol.for('IdGenerator');
