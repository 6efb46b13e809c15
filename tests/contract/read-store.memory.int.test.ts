import { MemoryReadStore } from '../../src/infrastructure/readstore/memory/memory-read-store';
import { readStoreContract } from './read-store.contract';

readStoreContract('memory', async () => ({ store: new MemoryReadStore(), cleanup: async () => undefined }));

describe('memory read store: $set copies', () => {
  // Plain objects and arrays are copied by hand (the rebuild's hot path); anything else still by structuredClone.
  test('a Date inside a set value stays a Date, and a copy of it', async () => {
    const store = new MemoryReadStore();
    const docs = store.collection<{ _id: string; at?: { when: Date } }>('dates');
    await docs.put({ _id: 'd' });
    const when = new Date('2030-01-01T00:00:00Z');
    await docs.update('d', { $set: { at: { when } } });
    when.setUTCFullYear(2040);
    const stored = (await docs.get('d'))?.at?.when;
    // structuredClone makes its Date in Node's realm, not the test's: compare the kind, not the constructor.
    expect(Object.prototype.toString.call(stored)).toBe('[object Date]');
    expect(stored?.toISOString()).toBe('2030-01-01T00:00:00.000Z');
  });

  test('numeric path parts create arrays; the same dotted path keeps working across documents', async () => {
    const store = new MemoryReadStore();
    const docs = store.collection<{ _id: string; rows?: Array<{ seats: Array<{ status: string }> }> }>(
      'maps',
    );
    for (const id of ['a', 'b']) {
      await docs.put({ _id: id });
      await docs.update(id, { $set: { 'rows.0.seats.1.status': `SOLD-${id}` } });
    }
    expect((await docs.get('a'))?.rows?.[0].seats[1]).toEqual({ status: 'SOLD-a' });
    expect(Array.isArray((await docs.get('b'))?.rows)).toBe(true);
    expect((await docs.get('b'))?.rows?.[0].seats[1]).toEqual({ status: 'SOLD-b' });
  });

  test('a failing update answers with a rejected promise, as an async method would, not a throw', async () => {
    const store = new MemoryReadStore();
    const docs = store.collection<{ _id: string; n?: number }>('failing');
    await docs.put({ _id: 'f', n: 1 });
    let pending: Promise<boolean> | undefined;
    expect(() => {
      pending = docs.update('f', { $noSuchOperator: { n: 2 } });
    }).not.toThrow();
    await expect(pending).rejects.toThrow();
  });
});
