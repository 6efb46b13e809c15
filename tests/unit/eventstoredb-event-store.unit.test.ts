import { EventEmitter } from 'node:events';
import {
  ANY,
  EVENT_TYPE,
  MaxAppendSizeExceededError,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  UnavailableError,
  AccessDeniedError,
  WrongExpectedVersionError as EsdbWrongExpectedVersionError,
  excludeSystemEvents,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type Position,
  type ReadAllOptions,
  type StreamingRead,
  type SubscribeToAllOptions,
} from '@eventstore/db-client';
import { firstValueFrom, take, toArray } from 'rxjs';
import { WrongExpectedVersionError, type EventToAppend } from '../../src/application/ports/event-store';
import {
  AppendTooLargeError,
  EventStoreDbEventStore,
  appendBytes,
  fromResolved,
  isSystemEvent,
  isTransient,
  mapAppendError,
  toEsdbExpectedRevision,
  toEsdbPosition,
  toEventData,
  toSafeNumber,
} from '../../src/infrastructure/eventstore/eventstoredb/eventstoredb-event-store';

/**
 * What can be checked of the EventStoreDB adapter without a server: the mapping both ways, the size guard, the
 * $all paging and the subscription's checkpoint, filter and resubscription, with the client's calls replaced.
 * The same adapter runs the full contract suite when a server is there (tests/contract/event-store.eventstoredb).
 */

const CLOSED = 'esdb://127.0.0.1:1?tls=false';

function resolved(
  position: number,
  over: { type?: string; stream?: string; revision?: number; id?: string } = {},
): AllStreamResolvedEvent {
  const pos: Position = { commit: BigInt(position), prepare: BigInt(position) };
  return {
    event: {
      streamId: over.stream ?? 'event-1',
      id: over.id ?? `00000000-0000-7000-8000-${String(position).padStart(12, '0')}`,
      isJson: true,
      revision: BigInt(over.revision ?? 0),
      type: over.type ?? 'SeatsHeld',
      created: new Date('2030-01-01T00:00:00Z'),
      data: { n: position },
      metadata: { correlationId: 'c', causationId: 'c', userId: 'u', schemaVersion: 1 },
      position: pos,
    },
    commitPosition: BigInt(position),
  };
}

function event(id: string, data: unknown = { a: 1 }): EventToAppend {
  return {
    id,
    type: 'T',
    data,
    metadata: { correlationId: 'c', causationId: 'c', userId: 'u', schemaVersion: 1 },
  };
}

describe('EventStoreDB mapping', () => {
  test('expected revisions map one to one; a bad number is refused', () => {
    expect(toEsdbExpectedRevision('any')).toBe(ANY);
    expect(toEsdbExpectedRevision('no_stream')).toBe(NO_STREAM);
    expect(toEsdbExpectedRevision('stream_exists')).toBe(STREAM_EXISTS);
    expect(toEsdbExpectedRevision(0)).toBe(0n);
    expect(toEsdbExpectedRevision(41)).toBe(41n);
    expect(() => toEsdbExpectedRevision(-1)).toThrow(RangeError);
    expect(() => toEsdbExpectedRevision(1.5)).toThrow(RangeError);
  });

  test("the server's wrong-expected-version becomes ours, with the caller's expectation and the actual revision", () => {
    const existing = new EsdbWrongExpectedVersionError(undefined, {
      streamName: 's',
      expected: 1n,
      current: 3n,
    });
    const mapped = mapAppendError(existing, 's', 1, 100);
    expect(mapped).toBeInstanceOf(WrongExpectedVersionError);
    expect(mapped).toMatchObject({ streamName: 's', expected: 1, actual: 3 });

    const missing = new EsdbWrongExpectedVersionError(undefined, {
      streamName: 's',
      expected: STREAM_EXISTS,
      current: NO_STREAM,
    });
    expect(mapAppendError(missing, 's', 'stream_exists', 100)).toMatchObject({
      expected: 'stream_exists',
      actual: 'no_stream',
    });
    // A partial idempotent replay comes back as a wrong expected version with 'any': we report 'any' too.
    const partial = new EsdbWrongExpectedVersionError(undefined, {
      streamName: 's',
      expected: ANY,
      current: 1n,
    });
    expect(mapAppendError(partial, 's', 'any', 100)).toMatchObject({ expected: 'any', actual: 1 });
  });

  test('the size error becomes AppendTooLargeError; anything else passes through unchanged', () => {
    const tooLarge = mapAppendError(MaxAppendSizeExceededError.fromMaxAppendSize(1024), 's', 'any', 9);
    expect(tooLarge).toBeInstanceOf(AppendTooLargeError);
    expect(tooLarge).toMatchObject({ streamName: 's', limit: 1024 });
    const other = new Error('boom');
    expect(mapAppendError(other, 's', 'any', 9)).toBe(other);
  });

  test('an append over the size limit is refused before anything is sent', async () => {
    const store = new EventStoreDbEventStore(CLOSED, { maxAppendBytes: 200 });
    const append = jest.spyOn(store.client, 'appendToStream');
    try {
      const batch = [event('00000000-0000-7000-8000-000000000001', { text: 'x'.repeat(300) })];
      expect(appendBytes(batch)).toBeGreaterThan(300);
      await expect(store.append('s', batch)).rejects.toBeInstanceOf(AppendTooLargeError);
      expect(append).not.toHaveBeenCalled();
    } finally {
      await store.close();
    }
  });

  test('appendBytes counts data and metadata in UTF-8', () => {
    const one = event('id', { s: 'é' });
    expect(appendBytes([one])).toBe(
      Buffer.byteLength(JSON.stringify(one.data)) + Buffer.byteLength(JSON.stringify(one.metadata)),
    );
    expect(appendBytes([one, one])).toBe(2 * appendBytes([one]));
  });

  test('events go out as JSON with their ids (the server dedupes retries by id)', () => {
    const out = toEventData(event('00000000-0000-7000-8000-0000000000aa'));
    expect(out).toEqual({
      id: '00000000-0000-7000-8000-0000000000aa',
      contentType: 'application/json',
      type: 'T',
      data: { a: 1 },
      metadata: { correlationId: 'c', causationId: 'c', userId: 'u', schemaVersion: 1 },
    });
    expect(() => toEventData(event('id', 42))).toThrow(TypeError);
  });

  test('stored events come back in our terms; binary payloads are decoded; a missing position is an error', () => {
    const recorded = fromResolved(resolved(77, { revision: 3, stream: 'order-9', type: 'OrderPlaced' }));
    expect(recorded).toMatchObject({
      streamName: 'order-9',
      type: 'OrderPlaced',
      revision: 3,
      position: 77,
      data: { n: 77 },
      metadata: { userId: 'u' },
    });
    expect(recorded?.recordedAt).toEqual(new Date('2030-01-01T00:00:00Z'));

    const binary = resolved(5);
    const json = binary.event!;
    const bytes = {
      ...json,
      isJson: false as const,
      data: Buffer.from('{"b":2}'),
      metadata: Buffer.from('{"userId":"x"}'),
    };
    expect(fromResolved({ event: bytes })).toMatchObject({ data: { b: 2 }, metadata: { userId: 'x' } });

    const noPosition = { event: { ...json, position: undefined } };
    expect(() => fromResolved(noPosition as never)).toThrow(/22\.6/);
    expect(fromResolved({})).toBeUndefined();
  });

  test('positions and revisions outside 0..2^53 are refused, not rounded', () => {
    expect(toSafeNumber(123n, 'position')).toBe(123);
    expect(() => toSafeNumber(2n ** 53n, 'position')).toThrow(RangeError);
    expect(() => toSafeNumber(-1n, 'revision')).toThrow(RangeError);
    expect(toEsdbPosition(42)).toEqual({ commit: 42n, prepare: 42n });
  });

  test("the client-side system-event check agrees with the server-side filter's regex", () => {
    const regex = new RegExp(excludeSystemEvents().regex);
    for (const type of ['SeatsHeld', 'OrderPlaced', '$metadata', '$>', '$statsCollected', 'a$b']) {
      expect(isSystemEvent({ type, streamName: 'event-1' })).toBe(!regex.test(type));
    }
    // Events of system streams are system events too (the server filter is on event types only).
    expect(isSystemEvent({ type: 'Anything', streamName: '$settings' })).toBe(true);
  });

  test('dropped connections are transient; access denied is final', () => {
    expect(isTransient(new UnavailableError())).toBe(true);
    expect(isTransient(new Error('subscription ended'))).toBe(true);
    expect(isTransient(new AccessDeniedError())).toBe(false);
  });
});

/** A stand-in for the client's subscription: a readable that the test feeds. */
class FakeSubscription extends EventEmitter {
  unsubscribed = false;
  async unsubscribe(): Promise<void> {
    this.unsubscribed = true;
  }
}

describe('EventStoreDB subscription (client calls replaced)', () => {
  let store: EventStoreDbEventStore;
  let opened: Array<{ options: SubscribeToAllOptions | undefined; sub: FakeSubscription }>;

  beforeEach(() => {
    store = new EventStoreDbEventStore(CLOSED, { resubscribeDelayMs: () => 1 });
    opened = [];
    jest.spyOn(store.client, 'subscribeToAll').mockImplementation((options) => {
      const sub = new FakeSubscription();
      opened.push({ options, sub });
      return sub as unknown as AllStreamSubscription;
    });
  });

  afterEach(async () => {
    await store.close();
  });

  test('starts after the checkpoint (exclusive, as the server) with the server-side system-event filter', async () => {
    const received = firstValueFrom(store.subscribeToAll({ fromPosition: 100 }).pipe(take(1)));
    expect(opened).toHaveLength(1);
    const { options } = opened[0];
    expect(options?.fromPosition).toEqual({ commit: 100n, prepare: 100n });
    expect(options?.filter).toMatchObject({ filterOn: EVENT_TYPE, regex: excludeSystemEvents().regex });
    opened[0].sub.emit('data', resolved(120));
    expect((await received).position).toBe(120);
  });

  test('from the start when there is no checkpoint', () => {
    const subscription = store.subscribeToAll().subscribe();
    expect(opened[0].options?.fromPosition).toBe(START);
    subscription.unsubscribe();
    expect(opened[0].sub.unsubscribed).toBe(true);
  });

  test('after a dropped connection it resubscribes from the last delivered position and never repeats', async () => {
    const all = firstValueFrom(store.subscribeToAll({ fromPosition: 10 }).pipe(take(4), toArray()));
    opened[0].sub.emit('data', resolved(11));
    opened[0].sub.emit('data', resolved(12));
    opened[0].sub.emit('error', new UnavailableError());
    await waitFor(() => opened.length === 2);
    expect(opened[1].options?.fromPosition).toEqual({ commit: 12n, prepare: 12n });
    // A server may resend what was delivered: positions only move forward.
    opened[1].sub.emit('data', resolved(12));
    opened[1].sub.emit('data', resolved(13));
    opened[1].sub.emit('end');
    await waitFor(() => opened.length === 3);
    expect(opened[2].options?.fromPosition).toEqual({ commit: 13n, prepare: 13n });
    opened[2].sub.emit('data', resolved(14, { type: '$metadata' }));
    opened[2].sub.emit('data', resolved(15));
    expect((await all).map((e) => e.position)).toEqual([11, 12, 13, 15]);
  });

  test('eventTypes: only those types are delivered, and a resubscription starts after the skipped ones too', async () => {
    const all = firstValueFrom(
      store.subscribeToAll({ eventTypes: ['OrderPlaced'] }).pipe(take(2), toArray()),
    );
    opened[0].sub.emit('data', resolved(1, { type: 'SeatsHeld' }));
    opened[0].sub.emit('data', resolved(2, { type: 'OrderPlaced' }));
    opened[0].sub.emit('data', resolved(3, { type: 'SeatsHeld' }));
    opened[0].sub.emit('error', new UnavailableError());
    await waitFor(() => opened.length === 2);
    expect(opened[1].options?.fromPosition).toEqual({ commit: 3n, prepare: 3n });
    opened[1].sub.emit('data', resolved(4, { type: 'OrderPlaced' }));
    expect((await all).map((e) => [e.position, e.type])).toEqual([
      [2, 'OrderPlaced'],
      [4, 'OrderPlaced'],
    ]);
  });

  test('a final error (access denied) ends the Observable instead of retrying', async () => {
    const ended = firstValueFrom(store.subscribeToAll()).catch((error: unknown) => error);
    opened[0].sub.emit('error', new AccessDeniedError());
    expect(await ended).toBeInstanceOf(AccessDeniedError);
    expect(opened).toHaveLength(1);
  });
});

describe('EventStoreDB readAll and headPosition (client calls replaced)', () => {
  let store: EventStoreDbEventStore;
  let log: AllStreamResolvedEvent[];
  let calls: Array<ReadAllOptions | undefined>;

  beforeEach(() => {
    store = new EventStoreDbEventStore(CLOSED);
    calls = [];
    // 2,500 events at positions 10, 20, ...; every 7th is a system event.
    log = Array.from({ length: 2_500 }, (_, i) =>
      resolved((i + 1) * 10, i % 7 === 6 ? { type: '$statsCollected', stream: '$stats' } : {}),
    );
    jest.spyOn(store.client, 'readAll').mockImplementation((options) => {
      calls.push(options);
      const backwards = options?.direction === 'backwards';
      const from = options?.fromPosition;
      const ordered = backwards ? [...log].reverse() : log;
      const start =
        from === undefined || from === 'start' || from === 'end'
          ? 0
          : ordered.findIndex((e) =>
              backwards ? e.event!.position.commit <= from.commit : e.event!.position.commit >= from.commit,
            );
      const page = ordered.slice(start, start + Number(options?.maxCount ?? ordered.length));
      return (async function* () {
        yield* page;
      })() as unknown as StreamingRead<AllStreamResolvedEvent>;
    });
  });

  afterEach(async () => {
    await store.close();
  });

  test('pages through $all without repeats or gaps, skipping system events, exclusive of fromPosition', async () => {
    const all = await store.readAll();
    const expected = log.map(fromResolved).filter((e) => e && !isSystemEvent(e));
    expect(all.map((e) => e.position)).toEqual(expected.map((e) => e!.position));
    expect(calls.length).toBeGreaterThan(2); // several server pages

    const after = await store.readAll({ fromPosition: 50, maxCount: 3 });
    expect(after.map((e) => e.position)).toEqual([60, 80, 90]); // 70 is a system event
  });

  test('headPosition is the newest event that is not a system event', async () => {
    log.push(resolved(999_999, { type: '$metadata', stream: '$$event-1' }));
    expect(await store.headPosition()).toBe(25_000);
    expect(calls[0]).toMatchObject({ direction: 'backwards', fromPosition: 'end' });
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 2));
  expect(condition()).toBe(true);
}
