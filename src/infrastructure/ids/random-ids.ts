import { randomUUID } from 'node:crypto';
import type { IdGenerator } from '../../application/ports/id-generator';
import { timeOrderedUuid } from '../../application/shared/time-ordered-ids';

export class RandomIds implements IdGenerator {
  uuid(): string {
    return randomUUID();
  }

  /** A UUID v7 with 74 random bits (see timeOrderedUuid). */
  timeOrdered(): string {
    return timeOrderedUuid();
  }
}
