import { randomUUID } from 'node:crypto';
import type { IdGenerator } from '../../application/ports/id-generator';

export class RandomIds implements IdGenerator {
  uuid(): string {
    return randomUUID();
  }

  /**
   * A random v4 UUID with its first 48 bits replaced by the time and its version set to 7: 74 random bits, as
   * RFC 9562 allows (the uuid package's v7 spends 32 of them on a counter that makes ids of one millisecond
   * predictable from each other, and a hold id is handed to the client).
   */
  timeOrdered(): string {
    const random = randomUUID(); // xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx
    const ms = Date.now().toString(16).padStart(12, '0');
    return `${ms.slice(0, 8)}-${ms.slice(8)}-7${random.slice(15)}`;
  }
}
