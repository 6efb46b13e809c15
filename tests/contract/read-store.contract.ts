import { randomUUID } from 'node:crypto';
import type { ReadDocument, ReadStore } from '../../src/application/ports/read-store';

/**
 * What a test needs from a read-store adapter. The suite closes `store` after each test, then calls `cleanup`.
 * `reopen` (durable adapters) opens a new store on the same data; the suite closes it itself.
 */
export interface ReadStoreFixture {
  store: ReadStore;
  reopen?: () => Promise<ReadStore>;
  cleanup: () => Promise<void>;
}

interface Doc extends ReadDocument {
  name: string;
  city?: string;
  n?: number;
  tags?: string[];
  nested?: { a?: number; b?: string };
  status?: string;
  date?: string;
}

/**
 * The ReadStore port's behaviour, runnable against every adapter: the in-memory store (mingo) and MongoDB must
 * answer the same filters, sorts and updates the same way, and apply a replayed event at most once.
 * Collection names carry a random suffix, so the suite also runs against a shared MongoDB database.
 */
export function readStoreContract(name: string, factory: () => Promise<ReadStoreFixture>): void {
  describe(`ReadStore contract: ${name}`, () => {
    let fixture: ReadStoreFixture;
    let store: ReadStore;
    let coll: string;

    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
      coll = `contract_${randomUUID().slice(0, 8)}`;
    });

    afterEach(async () => {
      try {
        await store.close();
      } finally {
        await fixture.cleanup();
      }
    });

    const docs = () => store.collection<Doc>(coll);
    const seed = async () => {
      const c = docs();
      await c.put({
        _id: 'a',
        name: 'Alpha',
        city: 'Oslo',
        n: 3,
        tags: ['x'],
        status: 'HELD',
        date: '2030-01-02',
      });
      await c.put({
        _id: 'b',
        name: 'Beta',
        city: 'oslo',
        n: 1,
        tags: [],
        status: 'SOLD',
        date: '2030-01-01',
      });
      await c.put({
        _id: 'c',
        name: 'Gamma',
        city: 'Rome',
        n: 2,
        tags: ['x', 'y'],
        status: 'HELD',
        date: '2030-01-03',
      });
      await c.put({ _id: 'd', name: 'Delta', city: 'Rome', n: 2, status: 'HELD', date: '2030-01-01' });
    };
    const ids = (found: Doc[]) => found.map((d) => d._id);

    describe('queries', () => {
      test('get by id, null when missing', async () => {
        await seed();
        expect(await docs().get('a')).toMatchObject({ _id: 'a', name: 'Alpha', n: 3 });
        expect(await docs().get('zzz')).toBeNull();
        expect(await store.collection<Doc>(`${coll}_empty`).get('a')).toBeNull();
      });

      test('find with equality, operators, $and/$or, $regex with options, $size, $in and dotted paths', async () => {
        await seed();
        await docs().update('a', { $set: { 'nested.a': 7 } });
        const sorted = { sort: { _id: 1 as const } };
        expect(ids(await docs().find({ status: 'HELD' }, sorted))).toEqual(['a', 'c', 'd']);
        expect(ids(await docs().find({ n: { $gte: 2 } }, sorted))).toEqual(['a', 'c', 'd']);
        expect(ids(await docs().find({ city: { $regex: '^oslo$', $options: 'i' } }, sorted))).toEqual([
          'a',
          'b',
        ]);
        expect(
          ids(await docs().find({ $and: [{ status: 'HELD' }, { city: { $regex: 'Ro' } }] }, sorted)),
        ).toEqual(['c', 'd']);
        expect(ids(await docs().find({ $or: [{ n: 1 }, { tags: { $size: 2 } }] }, sorted))).toEqual([
          'b',
          'c',
        ]);
        expect(ids(await docs().find({ status: { $in: ['SOLD'] } }, sorted))).toEqual(['b']);
        expect(ids(await docs().find({ 'nested.a': 7 }, sorted))).toEqual(['a']);
        expect(ids(await docs().find({ date: { $lte: '2030-01-01' } }, sorted))).toEqual(['b', 'd']);
      });

      test('sort on several keys, skip and limit; count matches find', async () => {
        await seed();
        const page = (skip: number, limit: number) =>
          docs().find({}, { sort: { date: 1, _id: 1 }, skip, limit });
        expect(ids(await page(0, 10))).toEqual(['b', 'd', 'a', 'c']);
        expect(ids(await page(1, 2))).toEqual(['d', 'a']);
        expect(ids(await docs().find({}, { sort: { n: -1, _id: -1 } }))).toEqual(['a', 'd', 'c', 'b']);
        expect(await docs().count({})).toBe(4);
        expect(await docs().count({ status: 'HELD' })).toBe(3);
        expect(await docs().count({ status: 'NONE' })).toBe(0);
      });

      test('all returns every document; delete removes one', async () => {
        await seed();
        expect(ids(await docs().all()).sort()).toEqual(['a', 'b', 'c', 'd']);
        await docs().delete('b');
        await docs().delete('missing');
        expect(ids(await docs().all()).sort()).toEqual(['a', 'c', 'd']);
        expect(await docs().get('b')).toBeNull();
      });
    });

    describe('updates', () => {
      test('$set, $inc and $unset on top-level and dotted paths', async () => {
        await docs().put({ _id: 'u', name: 'U', n: 1, nested: { a: 1, b: 'keep' } });
        expect(await docs().update('u', { $set: { name: 'V', 'nested.a': 5 }, $inc: { n: 2 } })).toBe(true);
        expect(await docs().update('u', { $unset: { 'nested.b': '' } })).toBe(true);
        expect(await docs().update('u', { $inc: { 'nested.c': 3 } })).toBe(true);
        const doc = await docs().get('u');
        expect(doc).toMatchObject({ _id: 'u', name: 'V', n: 3, nested: { a: 5, c: 3 } });
        expect(doc?.nested?.b).toBeUndefined();
      });

      test('update of a missing document: false without upsert, created with it', async () => {
        expect(await docs().update('new', { $set: { name: 'N' } })).toBe(false);
        expect(await docs().get('new')).toBeNull();
        expect(await docs().update('new', { $set: { name: 'N' } }, { upsert: true })).toBe(true);
        expect(await docs().get('new')).toMatchObject({ _id: 'new', name: 'N' });
      });

      test('$set of a whole sub-document replaces it', async () => {
        await docs().put({ _id: 'm', name: 'Before', nested: { a: 1, b: 'gone' } });
        await docs().update('m', { $set: { nested: { a: 2 } } });
        expect((await docs().get('m'))?.nested).toEqual({ a: 2 });
      });

      test('$set stores a copy: changing the given value afterwards changes nothing; $push starts an array', async () => {
        await docs().put({ _id: 'k', name: 'K' });
        const nested = { a: 1, b: 'x' };
        const tags = ['one'];
        expect(await docs().update('k', { $set: { nested, tags } })).toBe(true);
        nested.a = 99;
        tags.push('changed');
        expect(await docs().get('k')).toMatchObject({ nested: { a: 1, b: 'x' }, tags: ['one'] });
        await docs().update('k', { $push: { tags: 'two' } });
        await docs().put({ _id: 'l', name: 'L' });
        await docs().update('l', { $push: { tags: 'first' } });
        expect((await docs().get('k'))?.tags).toEqual(['one', 'two']);
        expect((await docs().get('l'))?.tags).toEqual(['first']);
      });
    });

    describe('idempotency by log position', () => {
      test('an update at a position applies once: a replay or an older event changes nothing', async () => {
        await docs().put({ _id: 'p', name: 'P', n: 0, _position: 10 });
        expect(await docs().update('p', { $inc: { n: 1 } }, { position: 11 })).toBe(true);
        expect(await docs().update('p', { $inc: { n: 1 } }, { position: 11 })).toBe(false);
        expect(await docs().update('p', { $inc: { n: 1 } }, { position: 5 })).toBe(false);
        expect(await docs().get('p')).toMatchObject({ n: 1, _position: 11 });
        expect(await docs().update('p', { $inc: { n: 1 } }, { position: 12 })).toBe(true);
        expect(await docs().get('p')).toMatchObject({ n: 2, _position: 12 });
      });

      test('an upsert at a position creates once, and does not clobber a newer document', async () => {
        expect(await docs().update('q', { $inc: { n: 1 } }, { position: 20, upsert: true })).toBe(true);
        expect(await docs().update('q', { $inc: { n: 1 } }, { position: 20, upsert: true })).toBe(false);
        expect(await docs().update('q', { $inc: { n: 1 } }, { position: 19, upsert: true })).toBe(false);
        expect(await docs().get('q')).toMatchObject({ _id: 'q', n: 1, _position: 20 });
        expect(await docs().count({})).toBe(1);
      });

      test('a document without a position takes any positioned update', async () => {
        await docs().put({ _id: 'r', name: 'R', n: 0 });
        expect(await docs().update('r', { $inc: { n: 1 } }, { position: 1 })).toBe(true);
        expect(await docs().get('r')).toMatchObject({ n: 1, _position: 1 });
      });

      test('put with a position replaces only an older document', async () => {
        await docs().put({ _id: 's', name: 'v30', _position: 30 });
        await docs().put({ _id: 's', name: 'v20', _position: 20 });
        await docs().put({ _id: 's', name: 'v30-again', _position: 30 });
        expect(await docs().get('s')).toMatchObject({ name: 'v30', _position: 30 });
        await docs().put({ _id: 's', name: 'v31', _position: 31 });
        expect(await docs().get('s')).toMatchObject({ name: 'v31', _position: 31 });
        // Without a position, put always replaces (admin rewrites, tests).
        await docs().put({ _id: 's', name: 'plain' });
        expect((await docs().get('s'))?.name).toBe('plain');
        expect(await docs().count({})).toBe(1);
      });
    });

    describe('checkpoints and lifecycle', () => {
      test('checkpoints are 0 until set, then kept per name', async () => {
        const a = `cp-${randomUUID()}`;
        const b = `cp-${randomUUID()}`;
        expect(await store.getCheckpoint(a)).toBe(0);
        await store.setCheckpoint(a, 42);
        await store.setCheckpoint(b, 7);
        expect(await store.getCheckpoint(a)).toBe(42);
        expect(await store.getCheckpoint(b)).toBe(7);
        await store.setCheckpoint(a, 43);
        expect(await store.getCheckpoint(a)).toBe(43);
      });

      test('collectionNames lists the collections written to; reset drops documents and checkpoints', async () => {
        await seed();
        await store.setCheckpoint('projections', 99);
        expect(await store.collectionNames()).toContain(coll);
        await store.reset();
        expect(await store.collectionNames()).not.toContain(coll);
        expect(await docs().count({})).toBe(0);
        expect(await store.getCheckpoint('projections')).toBe(0);
      });

      test('durable stores keep documents and checkpoints across a reopen', async () => {
        if (!fixture.reopen) {
          // The memory store is rebuilt from the log at start; there is nothing to reopen.
          expect(store.durable).toBe(false);
          return;
        }
        expect(store.durable).toBe(true);
        await seed();
        const checkpoint = `cp-${randomUUID()}`;
        await store.setCheckpoint(checkpoint, 1234);
        await store.close();
        const reopened = await fixture.reopen();
        try {
          expect(await reopened.collection<Doc>(coll).count({})).toBe(4);
          expect(await reopened.getCheckpoint(checkpoint)).toBe(1234);
        } finally {
          await reopened.close();
        }
      });
    });
  });
}
