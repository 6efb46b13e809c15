import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { of } from 'rxjs';
import type {
  AppendResult,
  EventStore,
  EventToAppend,
  ExpectedRevision,
} from '../../src/application/ports/event-store';
import { WrongExpectedVersionError } from '../../src/application/ports/event-store';
import {
  ConcurrencyConflictError,
  StreamCommandProcessor,
} from '../../src/application/shared/stream-command-processor';
import type { Decider, DomainEvent } from '../../src/domain/shared/decider';
import { fail } from '../../src/domain/shared/errors';
import { SqliteEventStore } from '../../src/infrastructure/eventstore/sqlite/sqlite-event-store';
import { InMemorySnapshotStore } from '../../src/infrastructure/snapshots/sqlite-snapshot-store';

/** A counter that refuses to go above a limit: enough to see batching, ordering, conflicts and snapshots. */
type Added = DomainEvent<'Added', { by: number }>;
type Add = { by: number };
const counter: Decider<Add, Added, { total: number }> = {
  initialState: () => ({ total: 0 }),
  decide: (command, state) => {
    if (state.total + command.by > 1000) fail('LIMIT', 'over the limit');
    return [{ type: 'Added', data: { by: command.by } }];
  },
  evolve: (state, event) => ({ total: state.total + event.data.by }),
};
const meta = { correlationId: 'c', causationId: 'c', userId: 'u' };
const definition = {
  streamName: (id: string) => `counter-${id}`,
  decider: counter,
  context: () => undefined,
  snapshots: {
    snapshotVersion: 1,
    toSnapshot: (s: { total: number }) => ({ ...s }),
    fromSnapshot: (s: unknown) => s as { total: number },
  },
};

describe('StreamCommandProcessor', () => {
  let store: SqliteEventStore;
  beforeEach(() => {
    store = new SqliteEventStore(':memory:');
  });
  afterEach(() => store.close());

  it('group commit: concurrent commands on one stream are decided in order and appended together', async () => {
    const processor = new StreamCommandProcessor(store, definition);
    const results = await Promise.all(
      Array.from({ length: 100 }, () => processor.execute('a', { by: 1 }, meta)),
    );
    expect(processor.stats.appends).toBeLessThan(10);
    expect(new Set(results.map((r) => r.revision)).size).toBeLessThan(10);
    expect((await processor.read('a')).state.total).toBe(100);
    expect(await store.readStream('counter-a')).toHaveLength(100);
  });

  it('appends its events with time-ordered ids (UUID v7 stamped with the time), so they sit together in the id index', async () => {
    const processor = new StreamCommandProcessor(store, definition);
    const before = Date.now();
    await Promise.all(Array.from({ length: 20 }, () => processor.execute('t', { by: 1 }, meta)));
    const ids = (await store.readStream('counter-t')).map((e) => e.id);
    expect(new Set(ids).size).toBe(20);
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const ms = parseInt(id.replace(/-/g, '').slice(0, 12), 16);
      expect(ms).toBeGreaterThanOrEqual(before);
      expect(ms).toBeLessThanOrEqual(Date.now());
    }
  });

  it('a refused command fails alone; the rest of its batch is written', async () => {
    const processor = new StreamCommandProcessor(store, definition);
    const outcomes = await Promise.allSettled([
      processor.execute('b', { by: 600 }, meta),
      processor.execute('b', { by: 600 }, meta),
      processor.execute('b', { by: 300 }, meta),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason.code).toBe('LIMIT');
    expect((await store.readStream('counter-b')).map((e) => (e.data as { by: number }).by)).toEqual([
      600, 300,
    ]);
  });

  it('another writer: the conflict reloads the state and decides again', async () => {
    const a = new StreamCommandProcessor(store, definition);
    const b = new StreamCommandProcessor(store, definition);
    await a.execute('c', { by: 500 }, meta);
    await b.execute('c', { by: 400 }, meta); // a's cache is now stale
    // a decides on its stale 500 (ok), the append conflicts, a reloads 900 and decides again: refused.
    await expect(a.execute('c', { by: 200 }, meta)).rejects.toMatchObject({ code: 'LIMIT' });
    expect(a.stats.conflicts).toBe(1);
    await a.execute('c', { by: 50 }, meta); // the reloaded cache is current: no conflict
    expect(a.stats.conflicts).toBe(1);
    expect((await a.read('c')).state.total).toBe(950);
  });

  it('the retry after a conflict is appended at once, not with the next group commit', async () => {
    const a = new StreamCommandProcessor(store, definition);
    await a.execute('r', { by: 1 }, meta);
    await new StreamCommandProcessor(store, definition).execute('r', { by: 1 }, meta); // a is stale now
    const appends = jest.spyOn(store, 'append');
    await a.execute('r', { by: 1 }, meta);
    expect(appends.mock.calls.map(([, , options]) => options?.immediate)).toEqual([false, true]);
    expect((await a.read('r')).state.total).toBe(3);
  });

  it('after bounded retries a stream that keeps changing answers ConcurrencyConflictError', async () => {
    const alwaysConflicting: EventStore = {
      ...store,
      append: async (
        stream: string,
        _events: EventToAppend[],
        options?: { expectedRevision?: ExpectedRevision },
      ): Promise<AppendResult> => {
        throw new WrongExpectedVersionError(stream, options?.expectedRevision ?? 'any', 7);
      },
      readStream: async () => [],
      readAll: async () => [],
      headPosition: async () => 0,
      subscribeToAll: () => of(),
      close: async () => undefined,
    };
    const processor = new StreamCommandProcessor(alwaysConflicting, definition, undefined, {
      maxConflictRetries: 3,
    });
    await expect(processor.execute('d', { by: 1 }, meta)).rejects.toBeInstanceOf(ConcurrencyConflictError);
    expect(processor.stats.conflicts).toBe(4);
  });

  it('snapshots: a cold load starts from the snapshot, not from the first event', async () => {
    const snapshots = new InMemorySnapshotStore();
    const writer = new StreamCommandProcessor(store, definition, snapshots, {
      snapshotEvery: 10,
      snapshotMinIntervalMs: 0,
    });
    for (let i = 0; i < 25; i += 1) await writer.execute('e', { by: 2 }, meta);
    const saved = await snapshots.load('counter-e');
    expect(saved!.revision).toBeGreaterThanOrEqual(9);
    // Tamper with an early event's effect through the snapshot: if the cold load used it, the total shows it.
    await snapshots.save('counter-e', {
      ...saved!,
      state: { total: (saved!.state as { total: number }).total + 1000 },
    });
    const reader = new StreamCommandProcessor(store, definition, snapshots);
    expect((await reader.read('e')).state.total).toBe(50 + 1000);
  });
  describe('assumeNewStreams', () => {
    const assumeNew = { assumeNewStreams: true };

    it('a new stream is decided without reading it, and appended with no_stream', async () => {
      const reads = jest.spyOn(store, 'readStream');
      const processor = new StreamCommandProcessor(store, definition, undefined, assumeNew);
      await processor.execute('n1', { by: 5 }, meta);
      expect(reads).not.toHaveBeenCalled();
      expect(processor.stats.reloads).toBe(0);
      // The proven state is cached: the next command needs no read either.
      await processor.execute('n1', { by: 5 }, meta);
      expect(reads).not.toHaveBeenCalled();
      expect((await processor.read('n1')).state.total).toBe(10);
      expect((await store.readStream('counter-n1')).map((e) => e.revision)).toEqual([0, 1]);
    });

    it('a stream that exists after all: the append conflicts, the stream is read and the batch decided again', async () => {
      await new StreamCommandProcessor(store, definition).execute('n2', { by: 900 }, meta);
      const processor = new StreamCommandProcessor(store, definition, undefined, assumeNew);
      // Decided on an assumed empty stream this would pass; on the real 900 it is over the limit.
      await expect(processor.execute('n2', { by: 200 }, meta)).rejects.toMatchObject({ code: 'LIMIT' });
      await processor.execute('n2', { by: 50 }, meta);
      expect((await processor.read('n2')).state.total).toBe(950);
      expect(await store.readStream('counter-n2')).toHaveLength(2);
    });

    it('a refusal is never answered from the assumption: it is decided again on the stream as it is', async () => {
      const refusesWhenEmpty: typeof counter = {
        ...counter,
        decide: (command, state) => {
          if (state.total === 0 && command.by < 0) fail('EMPTY', 'nothing to take from');
          return counter.decide(command, state, undefined);
        },
      };
      const withRefusal = { ...definition, decider: refusesWhenEmpty };
      await new StreamCommandProcessor(store, withRefusal).execute('n3', { by: 10 }, meta);
      const reads = jest.spyOn(store, 'readStream');
      const processor = new StreamCommandProcessor(store, withRefusal, undefined, assumeNew);
      // Assumed empty, -3 is refused; but the stream holds 10, where it is accepted.
      await processor.execute('n3', { by: -3 }, meta);
      expect(reads).toHaveBeenCalled();
      expect((await processor.read('n3')).state.total).toBe(7);
      expect(processor.stats.conflicts).toBe(0);
    });

    it('a read while the assumed batch is being written never sees the assumed state', async () => {
      await new StreamCommandProcessor(store, definition).execute('n4', { by: 100 }, meta);
      const processor = new StreamCommandProcessor(store, definition, undefined, assumeNew);
      const write = processor.execute('n4', { by: 1 }, meta);
      await new Promise((resolve) => setImmediate(resolve)); // the batch is decided, its append queued
      const seenMeanwhile = (await processor.read('n4')).state.total;
      await write;
      expect(seenMeanwhile).toBe(100);
      expect((await processor.read('n4')).state.total).toBe(101);
    });
  });

  describe('readFresh while an append is committed but not yet answered', () => {
    const added = (by: number): EventToAppend => ({
      id: randomUUID(),
      type: 'Added',
      data: { by },
      metadata: { ...meta, schemaVersion: 1 },
    });
    /** The store, with appends that resolve only when `release` is called, after their commit. */
    function heldAnswers(inner: EventStore) {
      const held: Array<() => void> = [];
      const store: EventStore = Object.assign(Object.create(inner) as EventStore, {
        // Hidden, so that readFresh reads the stream, as with a store that cannot tell (the mark: below).
        externalWriteMark: undefined,
        append: async (...args: Parameters<EventStore['append']>) => {
          const result = await inner.append(...args);
          await new Promise<void>((resolve) => held.push(resolve));
          return result;
        },
      });
      const committed = async () => {
        while (held.length === 0) await new Promise((r) => setImmediate(r));
      };
      return { store, committed, release: () => held.splice(0).forEach((resolve) => resolve()) };
    }

    /** A processor over such a store whose stream `id` holds 1, with a second command (2) committed, not answered. */
    async function secondAppendCommitted(id: string) {
      const { store: slow, committed, release } = heldAnswers(store);
      const processor = new StreamCommandProcessor(slow, definition);
      const first = processor.execute(id, { by: 1 }, meta);
      await committed();
      release();
      await first;
      const pending = processor.execute(id, { by: 2 }, meta);
      await committed(); // in the store, not yet answered
      const answer = async () => {
        release();
        await pending;
      };
      return { processor, answer };
    }

    it('answers the cached state, which folds that append, without reloading the stream', async () => {
      const { processor, answer } = await secondAppendCommitted('f');
      const reloads = processor.stats.reloads;
      const fresh = await processor.readFresh('f');
      expect(fresh).toEqual({ state: { total: 3 }, revision: 1 });
      expect(processor.stats.reloads).toBe(reloads);
      await answer();
    });

    it('reads the stream when another writer appended after that append', async () => {
      const { processor, answer } = await secondAppendCommitted('g');
      await store.append('counter-g', [added(40)], { expectedRevision: 1 }); // another process, after ours
      const fresh = await processor.readFresh('g');
      expect(fresh).toEqual({ state: { total: 43 }, revision: 2 });
      await answer();
    });
  });

  describe("the store's externalWriteMark", () => {
    let dir: string;
    let file: SqliteEventStore;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'processor-mark-'));
      file = new SqliteEventStore(path.join(dir, 'events.sqlite'));
    });
    afterEach(async () => {
      await file.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });
    const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

    it('readFresh reads nothing while no other connection wrote, and reads once one did', async () => {
      const processor = new StreamCommandProcessor(file, definition);
      await processor.execute('h', { by: 1 }, meta);
      await processor.execute('h', { by: 2 }, meta); // its own appends leave the mark as it was
      const reads = jest.spyOn(file, 'readStream');
      await nextTurn();
      expect(await processor.readFresh('h')).toEqual({ state: { total: 3 }, revision: 1 });
      expect(reads).not.toHaveBeenCalled();

      const other = new SqliteEventStore(path.join(dir, 'events.sqlite')); // another process's connection
      try {
        await other.append(
          'counter-h',
          [{ id: randomUUID(), type: 'Added', data: { by: 40 }, metadata: { ...meta, schemaVersion: 1 } }],
          { expectedRevision: 1 },
        );
      } finally {
        await other.close();
      }
      await nextTurn();
      expect(await processor.readFresh('h')).toEqual({ state: { total: 43 }, revision: 2 });
      expect(reads).toHaveBeenCalled();
    });

    it('a stream forgotten while a batch holds it is read by the next readFresh', async () => {
      const processor = new StreamCommandProcessor(file, definition);
      await processor.execute('i', { by: 1 }, meta);
      const pending = processor.execute('i', { by: 2 }, meta); // the slot is busy: forget keeps its state
      processor.forget('i');
      const reads = jest.spyOn(file, 'readStream');
      await processor.readFresh('i');
      expect(reads).toHaveBeenCalled();
      await pending;
    });
  });
});
