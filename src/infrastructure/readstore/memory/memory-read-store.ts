import { Query } from 'mingo';
import { update as applyUpdate } from 'mingo';
import type {
  Filter,
  FindOptions,
  ReadCollection,
  ReadCollectionNow,
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
/**
 * The hot methods (get, put, update) are plain functions answering with a settled promise: an async function
 * allocates its own frame and promise on every call, which a rebuild makes millions of times. An exception
 * still comes back as a rejected promise, as from an async function.
 */
const DONE = Promise.resolve();
const APPLIED = Promise.resolve(true);
const SKIPPED = Promise.resolve(false);

class MemoryCollection<T extends ReadDocument> implements ReadCollection<T> {
  readonly docs = new Map<string, T>();

  /** The port's synchronous face: a rebuild applies events through it without a promise per call. */
  readonly now: ReadCollectionNow<T> = {
    get: (id) => this.docs.get(id) ?? null,
    find: (filter, options) => this.findNow(filter, options),
    put: (doc) => this.putNow(doc),
    update: (id, update, options) => this.updateNow(id, update, options),
    delete: (id) => void this.docs.delete(id),
  };

  get(id: string): Promise<T | null> {
    return Promise.resolve(this.docs.get(id) ?? null);
  }

  async find(filter: Filter, options: FindOptions = {}): Promise<T[]> {
    return this.findNow(filter, options);
  }

  private findNow(filter: Filter, options: FindOptions = {}): T[] {
    const matches = this.matcher(filter);
    const found: T[] = [];
    for (const doc of this.docs.values()) if (matches(doc)) found.push(doc);
    // Without sort, skip or limit mingo's cursor hands back the same documents in the same order: skip building it
    // (projections call this per event, e.g. payment attempts on every OrderPlaced).
    if (!options.sort && !options.skip && options.limit === undefined) return found;
    let cursor = new Query({}).find<T>(found as never);
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
    const mingo = (doc: T) => query.test(doc as never);
    const fields = fieldTests(entries);
    if (!fields) return mingo;
    // Each field decides for the plain values it is sure of; anything else (an array, NaN) asks mingo.
    return (doc) => {
      for (const [key, test] of fields) {
        const verdict = test((doc as Record<string, unknown>)[key]);
        if (verdict === undefined) return mingo(doc);
        if (!verdict) return false;
      }
      return true;
    };
  }

  put(doc: T): Promise<void> {
    try {
      this.putNow(doc);
      return DONE;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private putNow(doc: T): void {
    const existing = this.docs.get(doc._id);
    if (existing && doc._position !== undefined && (existing._position ?? -1) >= doc._position) return;
    this.docs.set(doc._id, doc); // the store takes ownership of the document it is given
  }

  update(id: string, update: Update, options?: { position?: number; upsert?: boolean }): Promise<boolean> {
    try {
      return this.updateNow(id, update, options) ? APPLIED : SKIPPED;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private updateNow(
    id: string,
    update: Update,
    options: { position?: number; upsert?: boolean } = {},
  ): boolean {
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

  /** Collections holding documents (a query alone, such as the cart expiry job's, makes an empty one here). */
  async collectionNames(): Promise<string[]> {
    return [...this.collections.entries()]
      .filter(([, collection]) => collection.docs.size > 0)
      .map(([name]) => name)
      .sort();
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

/** A field's test: true or false where it is sure to answer as mingo would, undefined where mingo must decide. */
type FieldTest = (value: unknown) => boolean | undefined;

const RANGE: Record<string, (a: string | number, b: string | number) => boolean> = {
  $lt: (a, b) => a < b,
  $lte: (a, b) => a <= b,
  $gt: (a, b) => a > b,
  $gte: (a, b) => a >= b,
};

const isPlainValue = (value: unknown) => value === null || typeof value !== 'object';
const isRangeOperand = (value: unknown): value is string | number =>
  typeof value === 'string' || (typeof value === 'number' && !Number.isNaN(value));

/**
 * Filters of top-level fields with plain values and the range operators ($lt, $lte, $gt, $gte on a string or a
 * number), such as the expiry job's `{status: 'HELD', expires_at: {$lte: now}}`, tested directly: mingo's
 * Query.test costs microseconds per document, and that job looks at every hold every second. Undefined for any
 * other filter (mingo takes it whole). The tests answer only where mingo's answer is certain: a range operator
 * compares values of the operand's type and is false for any other plain value; an equality matches the same value
 * (or, for null, a missing field). Arrays and NaN are left to mingo, document by document.
 */
function fieldTests(entries: Array<[string, unknown]>): Array<[string, FieldTest]> | undefined {
  const tests: Array<[string, FieldTest]> = [];
  for (const [key, operand] of entries) {
    if (key.startsWith('$') || key.includes('.')) return undefined;
    if (isPlainValue(operand)) {
      if (typeof operand === 'number' && Number.isNaN(operand)) return undefined;
      tests.push([
        key,
        (value) =>
          !isPlainValue(value) || Number.isNaN(value)
            ? undefined
            : operand === null
              ? value === null || value === undefined
              : value === operand,
      ]);
      continue;
    }
    if (Array.isArray(operand) || Object.getPrototypeOf(operand) !== Object.prototype) return undefined;
    const bounds = Object.entries(operand as Record<string, unknown>);
    if (bounds.length === 0) return undefined;
    for (const [op, bound] of bounds) {
      const compare = RANGE[op];
      if (!compare || !isRangeOperand(bound)) return undefined;
      tests.push([
        key,
        (value) =>
          !isPlainValue(value) || Number.isNaN(value)
            ? undefined
            : typeof value === typeof bound && compare(value as string | number, bound),
      ]);
    }
  }
  return tests;
}

/**
 * $set / $inc / $unset / $push (one value) on dotted paths, applied directly. mingo's update builds a fresh operator
 * context per call (~100 us), which dominated the projection hot path; every other operator still goes through
 * mingo. Returns false (and changes nothing) when the update uses anything else.
 *
 * Written to allocate nothing on the common path (a rebuild runs this several times per event): no
 * Object.entries, paths split once and cached, plain values copied without structuredClone.
 */
function applySimpleUpdate(doc: Record<string, unknown>, update: Update): boolean {
  let $set: Record<string, unknown> | undefined;
  let $inc: Record<string, unknown> | undefined;
  let $push: Record<string, unknown> | undefined;
  let $unset: Record<string, unknown> | undefined;
  for (const op in update) {
    if (op === '$set') $set = update.$set;
    else if (op === '$inc') $inc = update.$inc;
    else if (op === '$push') $push = update.$push;
    else if (op === '$unset') $unset = update.$unset;
    else return false;
  }
  // $push of one plain value onto an array (or a missing field) only ($each, $slice... go through mingo).
  if ($push)
    for (const path in $push) {
      const value = $push[path];
      if (value !== null && typeof value === 'object') return false;
      const current = getPath(doc, path);
      if (current !== undefined && !Array.isArray(current)) return false;
    }
  if ($set) for (const path in $set) setPath(doc, path, copyValue($set[path]));
  if ($inc)
    for (const path in $inc) {
      const current = getPath(doc, path);
      setPath(doc, path, (typeof current === 'number' ? current : 0) + ($inc[path] as number));
    }
  if ($push)
    for (const path in $push) {
      const current = getPath(doc, path) as unknown[] | undefined;
      if (current) current.push($push[path]);
      else setPath(doc, path, [$push[path]]);
    }
  if ($unset)
    for (const path in $unset) {
      const parent = parentOf(doc, path, false);
      if (parent) delete parent[lastPart(path)];
    }
  return true;
}

/**
 * A copy of a $set value, so the stored document never shares objects with the caller. Plain objects and arrays
 * (all a projection sets) are copied directly, several times faster than structuredClone; anything else
 * (a Date...) still goes through structuredClone.
 */
function copyValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i += 1) out[i] = copyValue(value[i]);
    return out;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return structuredClone(value);
  const out: Record<string, unknown> = {};
  for (const key in value) out[key] = copyValue((value as Record<string, unknown>)[key]);
  return out;
}

/** Dotted paths split once: projections write the same few thousand paths (`rows.3.seats.17.status`) again and again. */
const splitPaths = new Map<string, string[]>();
const SPLIT_PATHS_KEPT = 50_000;

function partsOf(path: string): string[] {
  let parts = splitPaths.get(path);
  if (!parts) {
    if (splitPaths.size >= SPLIT_PATHS_KEPT) splitPaths.clear();
    parts = path.split('.');
    splitPaths.set(path, parts);
  }
  return parts;
}

function lastPart(path: string): string {
  if (path.indexOf('.') < 0) return path;
  const parts = partsOf(path);
  return parts[parts.length - 1];
}

/** The object holding the path's last field; missing levels are created ([] before a numeric part) or undefined. */
function parentOf(
  doc: Record<string, unknown>,
  path: string,
  create: boolean,
): Record<string, unknown> | undefined {
  if (path.indexOf('.') < 0) return doc;
  const parts = partsOf(path);
  let node: Record<string, unknown> = doc;
  for (let i = 0; i < parts.length - 1; i += 1) {
    let next = node[parts[i]];
    if (next === undefined || next === null) {
      if (!create) return undefined;
      next = /^\d+$/.test(parts[i + 1]) ? [] : {};
      node[parts[i]] = next;
    }
    node = next as Record<string, unknown>;
  }
  return node;
}

function getPath(doc: Record<string, unknown>, path: string): unknown {
  if (path.indexOf('.') < 0) return doc[path];
  return parentOf(doc, path, false)?.[lastPart(path)];
}

function setPath(doc: Record<string, unknown>, path: string, value: unknown): void {
  if (path.indexOf('.') < 0) doc[path] = value;
  else parentOf(doc, path, true)![lastPart(path)] = value;
}
