import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EventToAppend, WrongExpectedVersionError } from '../../src/application/ports/event-store';
import { SqliteEventStore } from '../../src/infrastructure/eventstore/sqlite/sqlite-event-store';
import { eventStoreContract } from './event-store.contract';

eventStoreContract('sqlite', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'event-store-contract-'));
  const file = path.join(dir, 'events.db');
  return {
    store: new SqliteEventStore(file),
    reopen: async () => new SqliteEventStore(file),
    cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
});

describe('SqliteEventStore group commit across streams', () => {
  let dir: string;
  let file: string;
  let store: SqliteEventStore;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'event-store-group-'));
    file = path.join(dir, 'events.db');
    store = new SqliteEventStore(file);
  });

  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const event = (id: string = randomUUID()): EventToAppend => ({
    id,
    type: 'TestEvent',
    data: { id },
    metadata: { correlationId: id, causationId: id, userId: 'group-test', schemaVersion: 1 },
  });

  test('appends made together: a failing one fails alone and writes nothing, the others are stored in call order', async () => {
    const taken = event();
    await store.append('existing', [event(), taken], { expectedRevision: 'no_stream' });

    // Issued in one turn of the event loop, so they are committed together.
    const outcomes = await Promise.allSettled([
      store.append('a', [event(), event()], { expectedRevision: 'no_stream' }),
      store.append('existing', [event()], { expectedRevision: 0 }), // stale: the stream is at 1
      store.append('b', [event()], { expectedRevision: 'no_stream' }),
      // Its first event is new, its second one is stored elsewhere: the whole append must roll back.
      store.append('c', [event(), taken], { expectedRevision: 'no_stream' }),
      store.append('a', [event()], { expectedRevision: 1 }), // sees the first append of 'a' in the same commit
    ]);

    expect(outcomes.map((o) => o.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedVersionError);
    expect(String((outcomes[3] as PromiseRejectedResult).reason)).toMatch(/UNIQUE/); // the id stored in 'existing'
    expect(await store.readStream('existing')).toHaveLength(2);
    expect(await store.readStream('c')).toEqual([]);
    expect((await store.readStream('a')).map((e) => e.revision)).toEqual([0, 1, 2]);
    const [first, , second, , third] = outcomes.map((o) =>
      o.status === 'fulfilled' ? o.value.position : undefined,
    );
    expect(first! < second! && second! < third!).toBe(true);
    expect(await store.headPosition()).toBe(third);
  });

  test('an append that fails inside the commit still answers every other append of the commit', async () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const outcomes = await Promise.allSettled([
      store.append('ok-1', [event()]),
      store.append('bad', [{ ...event(), data: circular }]), // JSON.stringify throws inside its savepoint
      store.append('ok-2', [event()]),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await store.readStream('bad')).toEqual([]);
    expect(await store.readStream('ok-2')).toHaveLength(1);
  });

  test('an append waits for the next turn of the event loop, unless asked to be immediate', async () => {
    const stored = (stream: string) => store.readAllSync(0, 1000).some((e) => e.streamName === stream);
    const grouped = store.append('grouped', [event()]);
    const immediate = store.append('immediate', [event()], { immediate: true });
    expect(stored('immediate')).toBe(true); // written before append() returned
    expect(stored('grouped')).toBe(false); // waits for the group's commit
    await Promise.all([grouped, immediate]);
    expect(stored('grouped')).toBe(true);
  });

  test('appends still queued when the store closes are written before it closes', async () => {
    const pending = store.append('late', [event(), event()], { expectedRevision: 'no_stream' });
    await store.close();
    await expect(pending).resolves.toMatchObject({ nextExpectedRevision: 1 });
    store = new SqliteEventStore(file);
    expect(await store.readStream('late')).toHaveLength(2);
  });

  test('an append after close is refused', async () => {
    await store.close();
    await expect(store.append('after', [event()])).rejects.toThrow('closed');
    store = new SqliteEventStore(file);
  });
});
