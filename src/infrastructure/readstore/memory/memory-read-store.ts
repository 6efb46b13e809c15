import { Query } from 'mingo';
import { update as applyUpdate } from 'mingo';
import type { Filter, FindOptions, ReadCollection, ReadDocument, ReadStore, Update } from '../../../application/ports/read-store';

/**
 * In-memory read models. Documents live in a Map by _id; filters and updates run through mingo, which
 * implements MongoDB's query and update language, so projections and queries are written once.
 * Queries get copies: a caller can never change a stored document by accident.
 */
class MemoryCollection<T extends ReadDocument> implements ReadCollection<T> {
  readonly docs = new Map<string, T>();

  async get(id: string): Promise<T | null> {
    const doc = this.docs.get(id);
    return doc ? structuredClone(doc) : null;
  }

  /** Zero-copy read for hot queries that serialize immediately (seat maps). */
  peek(id: string): T | undefined {
    return this.docs.get(id);
  }

  async find(filter: Filter, options: FindOptions = {}): Promise<T[]> {
    let cursor = new Query(filter).find<T>([...this.docs.values()] as never);
    if (options.sort) cursor = cursor.sort(options.sort);
    if (options.skip) cursor = cursor.skip(options.skip);
    if (options.limit !== undefined) cursor = cursor.limit(options.limit);
    return cursor.all().map((doc) => structuredClone(doc));
  }

  async count(filter: Filter): Promise<number> {
    if (Object.keys(filter).length === 0) return this.docs.size;
    const query = new Query(filter);
    let n = 0;
    for (const doc of this.docs.values()) if (query.test(doc as never)) n += 1;
    return n;
  }

  async put(doc: T): Promise<void> {
    const existing = this.docs.get(doc._id);
    if (existing && doc._position !== undefined && (existing._position ?? -1) >= doc._position) return;
    this.docs.set(doc._id, structuredClone(doc));
  }

  async update(id: string, update: Update, options: { position?: number; upsert?: boolean } = {}): Promise<boolean> {
    let doc = this.docs.get(id);
    if (!doc) {
      if (!options.upsert) return false;
      doc = { _id: id } as T;
      this.docs.set(id, doc);
    }
    if (options.position !== undefined) {
      if ((doc._position ?? -1) >= options.position) return false;
      doc._position = options.position;
    }
    applyUpdate(doc as Record<string, unknown>, update as never, undefined, undefined, { cloneMode: 'deep' } as never);
    return true;
  }

  async delete(id: string): Promise<void> {
    this.docs.delete(id);
  }

  async all(): Promise<T[]> {
    return [...this.docs.values()].map((doc) => structuredClone(doc));
  }
}

export class MemoryReadStore implements ReadStore {
  readonly durable = false;
  private readonly collections = new Map<string, MemoryCollection<ReadDocument>>();
  private readonly checkpoints = new Map<string, number>();

  collection<T extends ReadDocument>(name: string): MemoryCollection<T> {
    let collection = this.collections.get(name);
    if (!collection) this.collections.set(name, (collection = new MemoryCollection()));
    return collection as unknown as MemoryCollection<T>;
  }

  async collectionNames(): Promise<string[]> {
    return [...this.collections.keys()].sort();
  }

  async getCheckpoint(name: string): Promise<number> {
    return this.checkpoints.get(name) ?? 0;
  }

  async setCheckpoint(name: string, position: number): Promise<void> {
    this.checkpoints.set(name, position);
  }

  async reset(): Promise<void> {
    this.collections.clear();
    this.checkpoints.clear();
  }

  async close(): Promise<void> {}
}
