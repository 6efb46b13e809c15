import { Query } from 'mingo';
import { update as applyUpdate } from 'mingo';
import type {
  Filter,
  FindOptions,
  ReadCollection,
  ReadDocument,
  ReadStore,
  Update,
} from '../../../application/ports/read-store';

/**
 * In-memory read models. Documents live in a Map by _id; filters and updates run through mingo, which
 * implements MongoDB's query and update language, so projections and queries are written once.
 * Reads return the stored objects themselves (copying a 1,000-seat section per seat-map request was the
 * hot path's biggest cost): the port's contract is that callers treat returned documents as read-only.
 */
class MemoryCollection<T extends ReadDocument> implements ReadCollection<T> {
  readonly docs = new Map<string, T>();

  async get(id: string): Promise<T | null> {
    return this.docs.get(id) ?? null;
  }

  async find(filter: Filter, options: FindOptions = {}): Promise<T[]> {
    const matches = this.matcher(filter);
    let cursor = new Query({}).find<T>([...this.docs.values()].filter(matches) as never);
    if (options.sort) cursor = cursor.sort(options.sort);
    if (options.skip) cursor = cursor.skip(options.skip);
    if (options.limit !== undefined) cursor = cursor.limit(options.limit);
    return cursor.all();
  }

  async count(filter: Filter): Promise<number> {
    if (Object.keys(filter).length === 0) return this.docs.size;
    const matches = this.matcher(filter);
    let n = 0;
    for (const doc of this.docs.values()) if (matches(doc)) n += 1;
    return n;
  }

  /** Plain equality filters on top-level fields skip mingo's query compilation; anything else goes through it. */
  private matcher(filter: Filter): (doc: T) => boolean {
    const entries = Object.entries(filter);
    const simple = entries.every(
      ([key, value]) =>
        !key.startsWith('$') && !key.includes('.') && (value === null || typeof value !== 'object'),
    );
    if (simple)
      return (doc) => entries.every(([key, value]) => (doc as Record<string, unknown>)[key] === value);
    const query = new Query(filter);
    return (doc) => query.test(doc as never);
  }

  async put(doc: T): Promise<void> {
    const existing = this.docs.get(doc._id);
    if (existing && doc._position !== undefined && (existing._position ?? -1) >= doc._position) return;
    this.docs.set(doc._id, doc); // the store takes ownership of the document it is given
  }

  async update(
    id: string,
    update: Update,
    options: { position?: number; upsert?: boolean } = {},
  ): Promise<boolean> {
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
    if (!applySimpleUpdate(doc as Record<string, unknown>, update)) {
      applyUpdate(doc as Record<string, unknown>, update as never, undefined, undefined, {
        cloneMode: 'deep',
      } as never);
    }
    return true;
  }

  async delete(id: string): Promise<void> {
    this.docs.delete(id);
  }

  async all(): Promise<T[]> {
    return [...this.docs.values()];
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

const SIMPLE_OPERATORS = new Set(['$set', '$inc', '$unset', '$push']);

/**
 * $set / $inc / $unset / $push (one value) on dotted paths, applied directly. mingo's update builds a fresh operator context per
 * call (~100 us), which dominated the projection hot path; every other operator still goes through mingo.
 * Returns false (and changes nothing) when the update uses anything else.
 */
function applySimpleUpdate(doc: Record<string, unknown>, update: Update): boolean {
  for (const op of Object.keys(update)) if (!SIMPLE_OPERATORS.has(op)) return false;
  // $push of one plain value only ($each, $slice... go through mingo).
  for (const value of Object.values(update.$push ?? {}))
    if (value !== null && typeof value === 'object') return false;
  for (const path of Object.keys(update.$push ?? {})) {
    const current = getPath(doc, path);
    if (current !== undefined && !Array.isArray(current)) return false;
  }
  for (const [path, value] of Object.entries(update.$set ?? {}))
    setPath(doc, path, structuredCloneIfObject(value));
  for (const [path, delta] of Object.entries(update.$inc ?? {})) {
    const current = getPath(doc, path);
    setPath(doc, path, (typeof current === 'number' ? current : 0) + (delta as number));
  }
  for (const [path, value] of Object.entries(update.$push ?? {})) {
    const current = getPath(doc, path) as unknown[] | undefined;
    if (current) current.push(value);
    else setPath(doc, path, [value]);
  }
  for (const path of Object.keys(update.$unset ?? {})) {
    const { parent, key } = walk(doc, path, false);
    if (parent) delete parent[key];
  }
  return true;
}

function structuredCloneIfObject(value: unknown): unknown {
  return value !== null && typeof value === 'object' ? structuredClone(value) : value;
}

function walk(
  doc: Record<string, unknown>,
  path: string,
  create: boolean,
): { parent?: Record<string, unknown>; key: string } {
  const parts = path.split('.');
  let node: Record<string, unknown> = doc;
  for (let i = 0; i < parts.length - 1; i += 1) {
    let next = node[parts[i]];
    if (next === undefined || next === null) {
      if (!create) return { key: parts[parts.length - 1] };
      next = /^\d+$/.test(parts[i + 1]) ? [] : {};
      node[parts[i]] = next;
    }
    node = next as Record<string, unknown>;
  }
  return { parent: node, key: parts[parts.length - 1] };
}

function getPath(doc: Record<string, unknown>, path: string): unknown {
  const { parent, key } = walk(doc, path, false);
  return parent?.[key];
}

function setPath(doc: Record<string, unknown>, path: string, value: unknown): void {
  const { parent, key } = walk(doc, path, true);
  parent![key] = value;
}
