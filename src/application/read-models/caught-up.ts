import type { ReadCollection, ReadDocument } from '../ports/read-store';

/**
 * A document by id, read once more after the read models reached the log's head when it is missing: an id the
 * caller was just given (a reservation, an order) may not be projected yet. Null when it is still missing.
 */
export async function getCaughtUp<T extends ReadDocument>(
  collection: ReadCollection<T>,
  id: string,
  catchUp: () => Promise<unknown>,
): Promise<T | null> {
  const doc = await collection.get(id);
  if (doc) return doc;
  await catchUp();
  return collection.get(id);
}
