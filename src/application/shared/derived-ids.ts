import { createHash } from 'node:crypto';
import { v5 as uuidv5 } from 'uuid';

/** A UUID of version 7 (time-ordered random) or 8 (derivedId's layout): its first 48 bits are a millisecond time. */
const TIME_ORDERED = /^[0-9a-f]{8}-[0-9a-f]{4}-[78][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

export const isTimeOrderedId = (id: string): boolean => TIME_ORDERED.test(id);

/**
 * An id derived from another one (a hold's order, an order's tickets): always the same for the same source and
 * name, so a retried command or a redelivered saga message names the same stream and does nothing twice.
 *
 * A v5 UUID does that, but it is random from its first bit: each new order or ticket stream then lands on a random
 * page of the event store's stream index, and SQLite writes every page a commit touched into its WAL, so a commit
 * of 80 new orders rewrote some 80 scattered index pages (3 times the cost per row of time-ordered keys on this
 * machine's disk: bench/results/issue-14). So a time-ordered source gives a time-ordered id: the UUID v8 layout
 * (RFC 9562) with the source's 48-bit millisecond prefix, then 74 bits of SHA-1 of the namespace and the name.
 * Streams made at about the same time then sit together in the index, as v7 ids do.
 *
 * Which scheme made an id is told by its source's version, never by the clock or a setting: a v7 or v8 source
 * (hold ids from now on, and the order ids derived from them) gives the v8 id, any other (the v4 hold ids and the
 * v5 order ids of logs written before) the v5 id it always gave. An order placed before an upgrade and retried
 * after it therefore keeps its id, and so do its tickets. Never change either scheme: logs name their ids.
 */
export function derivedId(source: string, name: string, namespace: string): string {
  if (!isTimeOrderedId(source)) return uuidv5(name, namespace);
  const hash = createHash('sha1').update(namespace).update(':').update(name).digest('hex');
  const variant = ((parseInt(hash[3], 16) & 0x3) | 0x8).toString(16);
  const hex = `${source.replace(/-/g, '').slice(0, 12).toLowerCase()}8${hash.slice(0, 3)}${variant}${hash.slice(4, 19)}`;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
