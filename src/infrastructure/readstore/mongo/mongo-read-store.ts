import {
  MongoClient,
  MongoServerError,
  type AnyBulkWriteOperation,
  type Collection,
  type Db,
  type Filter as MongoFilter,
  type UpdateFilter,
} from 'mongodb';
import type {
  Filter,
  FindOptions,
  ReadCollection,
  ReadDocument,
  ReadStore,
  Update,
} from '../../../application/ports/read-store';

/**
 * Read models on MongoDB (the `mongodb` driver). The port already speaks MongoDB's query and update language,
 * so filters and updates pass through; what this adapter adds is the position guard that makes a replayed
 * event change nothing (each document keeps the `_position` of the last event applied to it, and every positioned
 * write matches only a document below that position), the indexes of each read model, and bulk loading.
 *
 * One file: a swap of driver or database replaces it, nothing else.
 */

type Doc = ReadDocument & Record<string, unknown>;

export interface IndexSpec {
  name: string;
  key: Record<string, 1 | -1>;
}

export interface MongoReadStoreOptions {
  /** The indexes per collection, created at start (and again after reset). */
  indexes?: ReadonlyArray<{ collection: string; indexes: ReadonlyArray<IndexSpec> }>;
  /** Database name when the URL names none (default `ticketing`). */
  database?: string;
  /** How long start-up waits for a reachable server before failing (default 10 s). */
  connectTimeoutMs?: number;
  /** Only read (an auditor's replay comparing with the read models): no index is created. */
  readOnly?: boolean;
}

/** Where projection checkpoints live, beside the documents they describe. */
export const CHECKPOINTS_COLLECTION = '_checkpoints';

/**
 * Read models are the collections without a leading `_`: reset() drops those and the projection checkpoints,
 * and leaves the other `_` collections of the database (snapshots, consumer checkpoints, idempotency keys) alone.
 */
export function isReadModel(name: string): boolean {
  return !name.startsWith('_') && !name.startsWith('system.');
}
const DUPLICATE_KEY = 11000;
const BULK_CHUNK = 1_000;

/** Matches the document only while it is below `position` (or has none): a replay or an older event misses. */
export function positionGuard(id: string, position: number): MongoFilter<Doc> {
  return { _id: id, $or: [{ _position: { $lt: position } }, { _position: { $exists: false } }] };
}

/** The update as applied: with a position, the guard plus recording the position in the same write. */
export function guardedUpdate(
  id: string,
  update: Update,
  position: number | undefined,
): { filter: MongoFilter<Doc>; update: UpdateFilter<Doc> } {
  if (position === undefined) return { filter: { _id: id }, update: update as UpdateFilter<Doc> };
  return {
    filter: positionGuard(id, position),
    update: { ...update, $set: { ...(update.$set ?? {}), _position: position } } as UpdateFilter<Doc>,
  };
}

/** put() as one bulk operation: replace (or insert) unless the stored document is as new or newer. */
export function guardedReplace(doc: Doc): AnyBulkWriteOperation<Doc> {
  return {
    replaceOne: {
      filter: doc._position === undefined ? { _id: doc._id } : positionGuard(doc._id, doc._position),
      replacement: doc,
      upsert: true,
    },
  };
}

/** A guarded upsert that found a newer document tries to insert a second `_id`: that is "skipped", not a failure. */
export function isDuplicateKey(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === DUPLICATE_KEY;
}

class MongoCollection<T extends ReadDocument> implements ReadCollection<T> {
  constructor(private readonly collection: Collection<Doc>) {}

  async get(id: string): Promise<T | null> {
    return (await this.collection.findOne({ _id: id })) as T | null;
  }

  async find(filter: Filter, options: FindOptions = {}): Promise<T[]> {
    let cursor = this.collection.find(filter as MongoFilter<Doc>);
    if (options.sort) cursor = cursor.sort(options.sort);
    if (options.skip) cursor = cursor.skip(options.skip);
    if (options.limit !== undefined) cursor = cursor.limit(options.limit);
    return (await cursor.toArray()) as T[];
  }

  async count(filter: Filter): Promise<number> {
    return this.collection.countDocuments(filter as MongoFilter<Doc>);
  }

  async put(doc: T): Promise<void> {
    await this.putMany([doc]);
  }

  /** Bulk put (rebuilds, imports): one round trip per 1,000 documents, each guarded like put(). */
  async putMany(docs: readonly T[]): Promise<void> {
    for (let i = 0; i < docs.length; i += BULK_CHUNK) {
      const ops = docs.slice(i, i + BULK_CHUNK).map((doc) => guardedReplace(doc as unknown as Doc));
      try {
        // Unordered: distinct documents, and a skipped (newer) one must not stop the others.
        await this.collection.bulkWrite(ops, { ordered: false });
      } catch (error) {
        if (!onlyDuplicateKeys(error)) throw error;
      }
    }
  }

  async update(
    id: string,
    update: Update,
    options: { position?: number; upsert?: boolean } = {},
  ): Promise<boolean> {
    const guarded = guardedUpdate(id, update, options.position);
    try {
      const result = await this.collection.updateOne(guarded.filter, guarded.update, {
        upsert: options.upsert ?? false,
      });
      return result.matchedCount > 0 || result.upsertedCount > 0;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  async delete(id: string): Promise<void> {
    await this.collection.deleteOne({ _id: id });
  }

  async all(): Promise<T[]> {
    return (await this.collection.find({}).toArray()) as T[];
  }
}

function onlyDuplicateKeys(error: unknown): boolean {
  const writeErrors = (error as { writeErrors?: unknown }).writeErrors;
  const list = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : [];
  return list.length > 0 && list.every((e: { code?: unknown }) => e.code === DUPLICATE_KEY);
}

export class MongoReadStore implements ReadStore {
  readonly durable = true;
  private readonly collections = new Map<string, MongoCollection<ReadDocument>>();

  private constructor(
    readonly client: MongoClient,
    readonly db: Db,
    private readonly indexes: NonNullable<MongoReadStoreOptions['indexes']>,
  ) {}

  /** Connects (failing within connectTimeoutMs when no server answers) and creates the indexes. */
  static async connect(url: string, options: MongoReadStoreOptions = {}): Promise<MongoReadStore> {
    const timeout = options.connectTimeoutMs ?? 10_000;
    const client = new MongoClient(url, { serverSelectionTimeoutMS: timeout, connectTimeoutMS: timeout });
    try {
      await client.connect();
      const store = new MongoReadStore(client, client.db(options.database), options.indexes ?? []);
      if (options.readOnly) await store.ping();
      else await store.ensureIndexes();
      return store;
    } catch (error) {
      await client.close().catch(() => undefined);
      throw error;
    }
  }

  collection<T extends ReadDocument>(name: string): MongoCollection<T> {
    let collection = this.collections.get(name);
    if (!collection)
      this.collections.set(name, (collection = new MongoCollection(this.db.collection<Doc>(name))));
    return collection as unknown as MongoCollection<T>;
  }

  async ensureIndexes(): Promise<void> {
    for (const { collection, indexes } of this.indexes) {
      if (indexes.length === 0) continue;
      await this.db.collection(collection).createIndexes(indexes.map(({ name, key }) => ({ name, key })));
    }
  }

  async collectionNames(): Promise<string[]> {
    const listed = await this.db.listCollections({}, { nameOnly: true }).toArray();
    return listed
      .map((c) => c.name)
      .filter(isReadModel)
      .sort();
  }

  async getCheckpoint(name: string): Promise<number> {
    const doc = await this.checkpoints().findOne({ _id: name });
    return doc?.position ?? 0;
  }

  /** Never moves back: several processes may project into the same database, one of them behind. */
  async setCheckpoint(name: string, position: number): Promise<void> {
    await this.checkpoints().updateOne({ _id: name }, { $max: { position } }, { upsert: true });
  }

  async reset(): Promise<void> {
    const listed = await this.db.listCollections({}, { nameOnly: true }).toArray();
    for (const { name } of listed)
      if (isReadModel(name) || name === CHECKPOINTS_COLLECTION) await this.db.dropCollection(name);
    this.collections.clear();
    await this.ensureIndexes();
  }

  async ping(): Promise<void> {
    await this.db.command({ ping: 1 });
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private checkpoints(): Collection<{ _id: string; position: number }> {
    return this.db.collection<{ _id: string; position: number }>(CHECKPOINTS_COLLECTION);
  }
}
