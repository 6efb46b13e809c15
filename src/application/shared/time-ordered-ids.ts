import { randomUUID } from 'node:crypto';

/**
 * A UUID v7 (RFC 9562): a random v4 UUID with its first 48 bits replaced by the time in milliseconds and its version
 * set to 7, leaving 74 random bits. Ids made one after the other sort by time, so new keys land beside each other in
 * an index (the event store's event ids, new streams). The uuid package's v7 spends 32 of the random bits on a
 * per-millisecond counter, which makes ids of one millisecond predictable from each other (a hold id is handed to
 * the client), and refills its random pool with a call per 16 ids, about as costly here as everything else an event
 * id costs: node's randomUUID draws from a larger cache.
 */
export function timeOrderedUuid(now = Date.now()): string {
  const random = randomUUID(); // xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx
  const ms = now.toString(16).padStart(12, '0');
  return `${ms.slice(0, 8)}-${ms.slice(8)}-7${random.slice(15)}`;
}
