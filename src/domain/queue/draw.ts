/**
 * The pre-queue draw: at the opening, the entries that joined before it are put in a random order that anyone
 * can recompute from the seed QueueOpened records. mulberry32 (a well-known 32-bit PRNG, Tommy Ettinger) feeds
 * a Fisher-Yates shuffle. It is not a cryptographic generator and need not be one: fairness rests on the seed
 * being unknown before the opening (the application draws it with crypto.randomInt when the command is made),
 * and auditability on the draw being a pure function of (join order, seed).
 */

/** A seed as QueueOpened records it (an unsigned 32-bit integer) or as an auditor may type it (hex). */
export type DrawSeed = number | string;

/** The seed as an unsigned 32-bit integer: a number in [0, 2^32), or 1-8 hex digits (optionally 0x-prefixed). */
export function seedToUint32(seed: DrawSeed): number {
  if (typeof seed === 'number') {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
      throw new RangeError(`A draw seed must be an integer in [0, 2^32), got ${seed}`);
    return seed;
  }
  const hex = seed.trim().replace(/^0x/i, '');
  if (!/^[0-9a-f]{1,8}$/i.test(hex))
    throw new RangeError(`A draw seed must be 1-8 hex digits, got "${seed}"`);
  return parseInt(hex, 16) >>> 0;
}

/** mulberry32: a generator of floats in [0, 1) from a 32-bit state. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The drawn line order of the pre-queue: `entryIds` (in join order) shuffled by Fisher-Yates with mulberry32(seed).
 * floor(r * (i + 1)) from a 32-bit r has a bias below n / 2^32 per pick: irrelevant at 100,000 entries.
 * Pure and deterministic: the same ids and seed give the same order. The input array is not modified.
 */
export function drawPreQueueOrder(entryIds: readonly string[], seed: DrawSeed): string[] {
  const order = [...entryIds];
  const random = mulberry32(seedToUint32(seed));
  for (let i = order.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    const swap = order[i];
    order[i] = order[j];
    order[j] = swap;
  }
  return order;
}
