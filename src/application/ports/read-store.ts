/**
 * The read-model store port. Queries and updates use MongoDB's language (filters, $set/$inc/... updates),
 * so the in-memory adapter (mingo) and the MongoDB adapter answer the same way.
 *
 * Returned documents are read-only: adapters may hand out the stored objects themselves.
 *
 * Idempotency: an update given a log `position` applies only if the document's `_position` is below it,
 * and records the position: replaying an event (after a crash, before the checkpoint was saved) changes nothing.
 */
export type Filter = Record<string, unknown>;
export type Update = Record<string, Record<string, unknown>>;

export interface ReadDocument {
  _id: string;
  _position?: number;
}

export interface FindOptions {
  sort?: Record<string, 1 | -1>;
  skip?: number;
  limit?: number;
}

export interface ReadCollection<T extends ReadDocument> {
  get(id: string): Promise<T | null>;
  find(filter: Filter, options?: FindOptions): Promise<T[]>;
  count(filter: Filter): Promise<number>;
  /** Inserts or replaces the whole document; skipped if the stored one has a newer `_position`. */
  put(doc: T): Promise<void>;
  /** Applies a Mongo-style update; with `position`, only to documents below it. Returns whether it applied. */
  update(id: string, update: Update, options?: { position?: number; upsert?: boolean }): Promise<boolean>;
  delete(id: string): Promise<void>;
  /** Every document, for rebuild comparisons and exports. */
  all(): Promise<T[]>;
  /**
   * Adapters holding their documents in memory only: the same operations answered at once. A rebuild runs
   * several per event of a log of millions, and a promise awaited per call was most of what it cost.
   */
  readonly now?: ReadCollectionNow<T>;
}

/** A collection's operations without promises (same contracts as ReadCollection's; errors are thrown). */
export interface ReadCollectionNow<T extends ReadDocument> {
  get(id: string): T | null;
  find(filter: Filter, options?: FindOptions): T[];
  put(doc: T): void;
  update(id: string, update: Update, options?: { position?: number; upsert?: boolean }): boolean;
  delete(id: string): void;
}

export interface ReadStore {
  collection<T extends ReadDocument>(name: string): ReadCollection<T>;
  collectionNames(): Promise<string[]>;
  /** Projection checkpoints live beside the documents they describe. */
  getCheckpoint(name: string): Promise<number>;
  setCheckpoint(name: string, position: number): Promise<void>;
  /** Drops every collection and checkpoint (rebuild from the log). */
  reset(): Promise<void>;
  /** True when documents survive a restart (MongoDB); false for memory, which is rebuilt from the log at start. */
  readonly durable: boolean;
  close(): Promise<void>;
}

export const READ_STORE = Symbol.for('ReadStore');
