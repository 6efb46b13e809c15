import { randomUUID } from 'node:crypto';
import type { Observable } from 'rxjs';
import {
  EventMetadata,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  RecordedEvent,
  WrongExpectedVersionError,
} from '../../src/application/ports/event-store';

/**
 * What a test needs from an adapter. The suite closes `store` after each test, then calls `cleanup`;
 * `reopen` (file-backed adapters) opens a new store on the same data after the suite closed the first one,
 * and the suite closes the reopened store itself.
 */
export interface EventStoreFixture {
  store: EventStore;
  reopen?: () => Promise<EventStore>;
  cleanup: () => Promise<void>;
}

/** Longest any single wait in this suite may take, so a broken subscription fails instead of hanging. */
const WAIT_MS = 20_000;

/**
 * The EventStore port's behaviour, runnable against every adapter. Stream names carry a random suffix and
 * global-log assertions only look at this test's streams (after the head seen at the start), so the suite
 * also runs against a shared EventStoreDB server.
 */
export function eventStoreContract(name: string, factory: () => Promise<EventStoreFixture>): void {
  describe(`EventStore contract: ${name}`, () => {
    let fixture: EventStoreFixture;
    let store: EventStore;

    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
    });

    afterEach(async () => {
      try {
        await store.close();
      } finally {
        await fixture.cleanup();
      }
    });

    describe('expected revision', () => {
      test('no_stream on a new stream succeeds and starts at revision 0', async () => {
        const stream = streamName('no-stream-new');
        const result = await store.append(stream, events(3), { expectedRevision: 'no_stream' });
        expect(result.nextExpectedRevision).toBe(2);
        const read = await store.readStream(stream);
        expect(read.map((e) => e.revision)).toEqual([0, 1, 2]);
        expect(result.position).toBe(read[2].position);
      });

      test('no_stream on an existing stream fails with the actual revision and writes nothing', async () => {
        const stream = streamName('no-stream-existing');
        await store.append(stream, events(3), { expectedRevision: 'no_stream' });
        const error = await appendError(store, stream, events(1), 'no_stream');
        expect(error.streamName).toBe(stream);
        expect(error.expected).toBe('no_stream');
        expect(error.actual).toBe(2);
        expect(await store.readStream(stream)).toHaveLength(3);
      });

      test("stream_exists on a missing stream fails with actual 'no_stream' and creates nothing", async () => {
        const stream = streamName('exists-missing');
        const error = await appendError(store, stream, events(1), 'stream_exists');
        expect(error.streamName).toBe(stream);
        expect(error.expected).toBe('stream_exists');
        expect(error.actual).toBe('no_stream');
        expect(await store.readStream(stream)).toEqual([]);
      });

      test('stream_exists on an existing stream succeeds', async () => {
        const stream = streamName('exists-existing');
        await store.append(stream, events(2), { expectedRevision: 'no_stream' });
        const result = await store.append(stream, events(1), { expectedRevision: 'stream_exists' });
        expect(result.nextExpectedRevision).toBe(2);
      });

      test('the exact current revision succeeds', async () => {
        const stream = streamName('exact');
        const first = await store.append(stream, events(3), { expectedRevision: 'no_stream' });
        const second = await store.append(stream, events(2), {
          expectedRevision: first.nextExpectedRevision,
        });
        expect(second.nextExpectedRevision).toBe(4);
        expect(second.position).toBeGreaterThan(first.position);
        const third = await store.append(stream, events(1), { expectedRevision: 4 });
        expect(third.nextExpectedRevision).toBe(5);
        expect((await store.readStream(stream)).map((e) => e.revision)).toEqual([0, 1, 2, 3, 4, 5]);
      });

      test('a stale or future revision fails with the actual revision and writes nothing', async () => {
        const stream = streamName('stale');
        await store.append(stream, events(4), { expectedRevision: 'no_stream' });
        const stale = await appendError(store, stream, events(1), 1);
        expect(stale.expected).toBe(1);
        expect(stale.actual).toBe(3);
        const future = await appendError(store, stream, events(1), 7);
        expect(future.expected).toBe(7);
        expect(future.actual).toBe(3);
        expect(await store.readStream(stream)).toHaveLength(4);
      });

      test("a numeric revision on a missing stream fails with actual 'no_stream'", async () => {
        const error = await appendError(store, streamName('numeric-missing'), events(1), 0);
        expect(error.actual).toBe('no_stream');
      });

      test("'any' (and no option at all) always succeeds, on new and existing streams", async () => {
        const stream = streamName('any');
        expect(
          (await store.append(stream, events(1), { expectedRevision: 'any' })).nextExpectedRevision,
        ).toBe(0);
        expect(
          (await store.append(stream, events(2), { expectedRevision: 'any' })).nextExpectedRevision,
        ).toBe(2);
        expect((await store.append(stream, events(1))).nextExpectedRevision).toBe(3);
        const fresh = streamName('any-default');
        expect((await store.append(fresh, events(1))).nextExpectedRevision).toBe(0);
        expect(await store.readStream(stream)).toHaveLength(4);
      });

      test('50 concurrent appends at the same expected revision: exactly one wins', async () => {
        const stream = streamName('race');
        const base = events(3);
        await store.append(stream, base, { expectedRevision: 'no_stream' });
        const contenders = Array.from({ length: 50 }, () => events(1));
        const results = await Promise.allSettled(
          contenders.map((batch) => store.append(stream, batch, { expectedRevision: 2 })),
        );

        const won = results.flatMap((r, i) =>
          r.status === 'fulfilled' ? [{ result: r.value, index: i }] : [],
        );
        const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
        expect(won).toHaveLength(1);
        expect(won[0].result.nextExpectedRevision).toBe(3);
        expect(lost).toHaveLength(49);
        for (const reason of lost) {
          expect(reason).toBeInstanceOf(WrongExpectedVersionError);
          expect((reason as WrongExpectedVersionError).actual).toBe(3);
        }

        const read = await store.readStream(stream);
        expect(read.map((e) => e.id)).toEqual([...base.map((e) => e.id), contenders[won[0].index][0].id]);
      });
    });

    describe('idempotency', () => {
      test('re-appending the same event ids at the same expected revision writes nothing and answers as before', async () => {
        const stream = streamName('idem');
        await store.append(stream, events(2), { expectedRevision: 'no_stream' });
        const batch = events(3);
        const first = await store.append(stream, batch, { expectedRevision: 1 });
        const headAfterFirst = await store.headPosition();

        const again = await store.append(stream, batch, { expectedRevision: 1 });
        expect(again).toEqual(first);
        expect(first.nextExpectedRevision).toBe(4);
        const read = await store.readStream(stream);
        expect(read).toHaveLength(5);
        expect(read.slice(2).map((e) => e.id)).toEqual(batch.map((e) => e.id));
        expect(await store.headPosition()).toBe(headAfterFirst);
      });

      test("a retry with 'no_stream' still answers as before after later appends", async () => {
        const stream = streamName('idem-retry');
        const batch = events(2);
        const first = await store.append(stream, batch, { expectedRevision: 'no_stream' });
        await store.append(stream, events(1), { expectedRevision: 1 });
        const retry = await store.append(stream, batch, { expectedRevision: 'no_stream' });
        expect(retry).toEqual(first);
        expect(await store.readStream(stream)).toHaveLength(3);
      });

      test("a batch that only partly repeats stored ids is rejected, reporting the caller's expectation, and writes nothing", async () => {
        const stream = streamName('idem-partial');
        const batch = events(2);
        await store.append(stream, batch, { expectedRevision: 'no_stream' });
        const mixed = [batch[0], ...events(1)];
        const withAny = await appendError(store, stream, mixed, 'any');
        expect(withAny.expected).toBe('any');
        expect(withAny.actual).toBe(1);
        // A retry at the original place ('no_stream') whose ids only partly match is a conflict, not a replay.
        const withNoStream = await appendError(store, stream, mixed, 'no_stream');
        expect(withNoStream.expected).toBe('no_stream');
        expect(withNoStream.actual).toBe(1);
        expect((await store.readStream(stream)).map((e) => e.id)).toEqual(batch.map((e) => e.id));
      });

      test('a batch whose first id is stored in another stream is a conflict there, whatever it expects, and writes nothing', async () => {
        const elsewhere = streamName('idem-elsewhere');
        const stream = streamName('idem-here');
        const batch = events(2);
        await store.append(elsewhere, batch, { expectedRevision: 'no_stream' });
        for (const expected of ['no_stream', 'any'] as const) {
          const error = await appendError(store, stream, batch, expected);
          expect(error.streamName).toBe(stream);
          expect(error.actual).toBe('no_stream');
        }
        expect(await store.readStream(stream)).toEqual([]);
      });

      test('concurrent retries and new appends settle each on its own: retries answer as before, new ones are written', async () => {
        const streams = Array.from({ length: 6 }, (_, i) => streamName(`idem-mixed-${i}`));
        const batches = streams.map(() => events(2));
        const firsts = await Promise.all(
          streams.map((s, i) => store.append(s, batches[i], { expectedRevision: 'no_stream' })),
        );
        // Started together: each retry of an earlier append beside a new append to the same stream.
        const outcomes = await Promise.all(
          streams.flatMap((s, i) => [
            store.append(s, batches[i], { expectedRevision: 'no_stream' }),
            store.append(s, events(1), { expectedRevision: 1 }),
          ]),
        );
        streams.forEach((_, i) => {
          expect(outcomes[2 * i]).toEqual(firsts[i]);
          expect(outcomes[2 * i + 1].nextExpectedRevision).toBe(2);
        });
        for (const s of streams) expect(await store.readStream(s)).toHaveLength(3);
      });
    });

    describe('readStream', () => {
      let stream: string;
      let written: EventToAppend[];

      beforeEach(async () => {
        stream = streamName('read');
        written = events(10);
        // Several appends, so the stream's events are not one contiguous insert.
        await store.append(stream, written.slice(0, 4), { expectedRevision: 'no_stream' });
        await store.append(streamName('other'), events(2));
        await store.append(stream, written.slice(4), { expectedRevision: 3 });
      });

      const revisions = (read: RecordedEvent[]) => read.map((e) => e.revision);

      test('forwards from the start by default', async () => {
        const read = await store.readStream(stream);
        expect(revisions(read)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        expect(read.map((e) => e.id)).toEqual(written.map((e) => e.id));
        expect(read.every((e) => e.streamName === stream)).toBe(true);
        expect(read).toEqual([...read].sort((a, b) => a.position - b.position));
      });

      test('forwards from a revision (inclusive), with and without maxCount', async () => {
        expect(revisions(await store.readStream(stream, { fromRevision: 4 }))).toEqual([4, 5, 6, 7, 8, 9]);
        expect(
          revisions(await store.readStream(stream, { direction: 'forwards', fromRevision: 4, maxCount: 3 })),
        ).toEqual([4, 5, 6]);
        expect(revisions(await store.readStream(stream, { maxCount: 2 }))).toEqual([0, 1]);
        expect(await store.readStream(stream, { fromRevision: 10 })).toEqual([]);
      });

      test('backwards from the end and from a revision (inclusive), with and without maxCount', async () => {
        expect(revisions(await store.readStream(stream, { direction: 'backwards' }))).toEqual([
          9, 8, 7, 6, 5, 4, 3, 2, 1, 0,
        ]);
        expect(revisions(await store.readStream(stream, { direction: 'backwards', maxCount: 3 }))).toEqual([
          9, 8, 7,
        ]);
        expect(
          revisions(await store.readStream(stream, { direction: 'backwards', fromRevision: 5 })),
        ).toEqual([5, 4, 3, 2, 1, 0]);
        expect(
          revisions(await store.readStream(stream, { direction: 'backwards', fromRevision: 5, maxCount: 2 })),
        ).toEqual([5, 4]);
      });

      test('a missing stream reads as empty', async () => {
        expect(await store.readStream(streamName('missing'))).toEqual([]);
        expect(await store.readStream(streamName('missing'), { direction: 'backwards' })).toEqual([]);
      });
    });

    describe('global log', () => {
      test('readAll returns interleaved appends to 3 streams in append order, positions strictly increasing', async () => {
        const start = await store.headPosition();
        const streams = [streamName('g1'), streamName('g2'), streamName('g3')];
        const expectedIds: string[] = [];
        const results: { ids: string[]; position: number }[] = [];
        for (let round = 0; round < 4; round++) {
          for (const [i, stream] of streams.entries()) {
            const batch = events(1 + ((round + i) % 3));
            const result = await store.append(stream, batch);
            expectedIds.push(...batch.map((e) => e.id));
            results.push({ ids: batch.map((e) => e.id), position: result.position });
          }
        }

        const all = await store.readAll({ fromPosition: start });
        expect(all.every((e) => e.position > start)).toBe(true);
        assertStrictlyIncreasing(all.map((e) => e.position));
        const ours = all.filter((e) => streams.includes(e.streamName));
        expect(ours.map((e) => e.id)).toEqual(expectedIds);
        // Each append's result position is the position of its last event.
        const byId = new Map(ours.map((e) => [e.id, e]));
        for (const { ids, position } of results)
          expect(byId.get(ids[ids.length - 1])!.position).toBe(position);
        // Within each stream, revisions are 0..n-1 in position order.
        for (const stream of streams) {
          const revs = ours.filter((e) => e.streamName === stream).map((e) => e.revision);
          expect(revs).toEqual(revs.map((_, i) => i));
        }
        expect(await store.headPosition()).toBe(all[all.length - 1].position);
      });

      test('readAll fromPosition is exclusive and maxCount limits the page', async () => {
        const start = await store.headPosition();
        const stream = streamName('all-page');
        const written = events(6);
        await store.append(stream, written.slice(0, 3));
        await store.append(stream, written.slice(3));
        const ours = (await store.readAll({ fromPosition: start })).filter((e) => e.streamName === stream);
        expect(ours.map((e) => e.id)).toEqual(written.map((e) => e.id));

        const third = ours[2];
        const after = (await store.readAll({ fromPosition: third.position })).filter(
          (e) => e.streamName === stream,
        );
        expect(after.map((e) => e.id)).toEqual(written.slice(3).map((e) => e.id));
        expect(after[0].position).toBeGreaterThan(third.position);

        const page = await store.readAll({ fromPosition: start, maxCount: 2 });
        expect(page).toHaveLength(2);
        assertStrictlyIncreasing(page.map((e) => e.position));
        expect(page[0].position).toBeGreaterThan(start);

        const last = ours[ours.length - 1];
        const tail = (await store.readAll({ fromPosition: last.position })).filter(
          (e) => e.streamName === stream,
        );
        expect(tail).toEqual([]);
      });

      test('headPosition is 0 on an empty store or grows with the log, and equals the last position', async () => {
        const before = await store.headPosition();
        expect(before).toBeGreaterThanOrEqual(0);
        const result = await store.append(streamName('head'), events(2));
        const head = await store.headPosition();
        expect(head).toBeGreaterThan(before);
        expect(head).toBeGreaterThanOrEqual(result.position);
        const all = await store.readAll({ fromPosition: before });
        expect(head).toBe(all[all.length - 1].position);
      });
    });

    describe('recorded events', () => {
      test('data and metadata round-trip; recordedAt is a Date', async () => {
        const stream = streamName('roundtrip');
        const metadata: EventMetadata = {
          correlationId: randomUUID(),
          causationId: randomUUID(),
          userId: 'user-42',
          requestId: 'req-' + randomUUID(),
          schemaVersion: 3,
          tenant: 'acme',
        };
        const data = {
          seatIds: ['A-1', 'A-2'],
          priceCents: 12_345,
          ratio: 0.25,
          flags: { vip: true, resale: false },
          note: 'Unicode: Zürich – 東京 🎟️ "quoted" \\ backslash',
          empty: null,
          nested: [{ a: 1 }, [2, 3], []],
        };
        const minimal: EventMetadata = {
          correlationId: 'c',
          causationId: 'c',
          userId: 'system',
          schemaVersion: 1,
        };
        const batch: EventToAppend[] = [
          { id: randomUUID(), type: 'SeatsReserved', data, metadata },
          { id: randomUUID(), type: 'Ping', data: {}, metadata: minimal },
        ];
        const start = await store.headPosition();
        const before = Date.now();
        const result = await store.append(stream, batch, { expectedRevision: 'no_stream' });
        const after = Date.now();

        const forwards = await store.readStream(stream);
        const fromAll = (await store.readAll({ fromPosition: start })).filter((e) => e.streamName === stream);
        for (const read of [forwards, fromAll]) {
          expect(read).toHaveLength(2);
          expect(read[0]).toMatchObject({
            id: batch[0].id,
            streamName: stream,
            type: 'SeatsReserved',
            revision: 0,
          });
          expect(read[0].data).toEqual(data);
          expect(read[0].metadata).toEqual(metadata);
          expect(read[1]).toMatchObject({
            id: batch[1].id,
            type: 'Ping',
            revision: 1,
            position: result.position,
          });
          expect(read[1].data).toEqual({});
          expect(read[1].metadata).toEqual(minimal);
          for (const event of read) {
            expect(event.recordedAt).toBeInstanceOf(Date);
            expect(Number.isNaN(event.recordedAt.getTime())).toBe(false);
            // Generous window: a remote server's clock may drift from ours.
            expect(event.recordedAt.getTime()).toBeGreaterThanOrEqual(before - 5 * 60_000);
            expect(event.recordedAt.getTime()).toBeLessThanOrEqual(after + 5 * 60_000);
          }
        }
        expect(forwards).toEqual(fromAll);
      });
    });

    describe('subscribeToAll', () => {
      test('catch-up then live: every event once, in position order, including appends during catch-up', async () => {
        const start = await store.headPosition();
        const streams = [streamName('sub-a'), streamName('sub-b')];
        const ours = (e: RecordedEvent) => streams.includes(e.streamName);
        // More than one 2000-event page, so catch-up takes several reads.
        const historical = 2_500;
        for (let i = 0; i < historical / 100; i++) await store.append(streams[i % 2], events(100));

        const pending: Promise<unknown>[] = [];
        let appendedDuringCatchUp = 0;
        const appendNow = (stream: string, count: number) => {
          appendedDuringCatchUp += count;
          pending.push(store.append(stream, events(count)));
        };
        const sentinel = event('End');
        const received: RecordedEvent[] = [];
        const collector = collect(store.subscribeToAll({ fromPosition: start }), (e) => {
          if (!ours(e)) return false;
          received.push(e);
          // Appends issued from inside the delivery callback land while catch-up is still paging.
          if (received.length === 10) appendNow(streams[0], 5);
          if (received.length === 2_100) appendNow(streams[1], 5);
          return e.id === sentinel.id;
        });
        const live = 20;
        try {
          // Right after subscribing, before the catch-up has delivered anything.
          appendNow(streams[1], 5);
          appendNow(streams[0], 3);
          await Promise.all(pending);
          await waitUntil(() => received.length >= historical + appendedDuringCatchUp);
          await Promise.all(pending);

          // Live: the subscription has caught up; keep appending.
          for (let i = 0; i < live / 4; i++) await store.append(streams[i % 2], events(4));
          await store.append(streams[0], [sentinel]);
          await collector.done;
          // Give a duplicate or late delivery the chance to show up before we stop listening.
          await sleep(300);
        } finally {
          collector.stop();
        }

        const total = historical + appendedDuringCatchUp + live + 1;
        expect(appendedDuringCatchUp).toBe(18);
        expect(received).toHaveLength(total);
        assertStrictlyIncreasing(received.map((e) => e.position));
        expect(new Set(received.map((e) => e.id)).size).toBe(total);
        const expected = (await store.readAll({ fromPosition: start })).filter(ours);
        expect(received.map((e) => e.id)).toEqual(expected.map((e) => e.id));
        expect(received).toEqual(expected);
        expect(received[received.length - 1].id).toBe(sentinel.id);
      });

      test('subscribing from a checkpoint delivers only later events (exclusive), then live ones', async () => {
        const stream = streamName('sub-checkpoint');
        const written = events(5);
        await store.append(stream, written);
        const stored = await store.readStream(stream);
        const checkpoint = stored[2].position;

        const received: RecordedEvent[] = [];
        const live = events(2);
        const collector = collect(store.subscribeToAll({ fromPosition: checkpoint }), (e) => {
          if (e.streamName !== stream) return false;
          received.push(e);
          return e.id === live[1].id;
        });
        try {
          await waitUntil(() => received.length >= 2);
          await store.append(stream, live);
          await collector.done;
          await sleep(150);
        } finally {
          collector.stop();
        }

        expect(received.map((e) => e.id)).toEqual([...written.slice(3), ...live].map((e) => e.id));
        expect(received.every((e) => e.position > checkpoint)).toBe(true);
      });

      test('subscribing from the head delivers only events appended afterwards', async () => {
        const stream = streamName('sub-head');
        await store.append(stream, events(3));
        const head = await store.headPosition();
        const next = event('Next');
        const received: RecordedEvent[] = [];
        const collector = collect(store.subscribeToAll({ fromPosition: head }), (e) => {
          if (e.streamName !== stream) return false;
          received.push(e);
          return e.id === next.id;
        });
        try {
          await sleep(50);
          await store.append(stream, [next]);
          await collector.done;
          await sleep(150);
        } finally {
          collector.stop();
        }
        expect(received.map((e) => e.id)).toEqual([next.id]);
      });
      test('eventTypes: only those types, in position order, across more than one page, then live ones', async () => {
        const start = await store.headPosition();
        const stream = streamName('sub-types');
        // Mostly other types, more than one 2000-event page of them, so the filter has pages to skip.
        const historical: EventToAppend[] = [];
        for (let i = 0; i < 2_600; i++)
          historical.push(event(i % 13 === 0 ? 'Wanted' : i % 7 === 0 ? 'Also' : 'Other'));
        for (let i = 0; i < historical.length; i += 200)
          await store.append(stream, historical.slice(i, i + 200));
        const wanted = new Set(['Wanted', 'Also']);
        const live = [event('Other'), event('Also'), event('Other'), event('Wanted')];
        const received: RecordedEvent[] = [];
        const collector = collect(
          store.subscribeToAll({ fromPosition: start, eventTypes: [...wanted] }),
          (e) => {
            if (e.streamName !== stream) return false;
            received.push(e);
            return e.id === live[3].id;
          },
        );
        try {
          const before = historical.filter((e) => wanted.has(e.type)).length;
          await waitUntil(() => received.length >= before);
          await store.append(stream, live);
          await collector.done;
          await sleep(150);
        } finally {
          collector.stop();
        }
        const expected = [...historical, ...live].filter((e) => wanted.has(e.type));
        expect(received.map((e) => e.id)).toEqual(expected.map((e) => e.id));
        assertStrictlyIncreasing(received.map((e) => e.position));
        expect(received.every((e) => wanted.has(e.type))).toBe(true);
      });
    });

    describe('durability', () => {
      test('after close and reopen, the same events come back and appends continue', async () => {
        if (!fixture.reopen) {
          // Server-backed adapters have nothing to reopen; this case is for file-backed ones.
          expect(fixture.reopen).toBeUndefined();
          return;
        }
        const start = await store.headPosition();
        const streams = [streamName('dur-a'), streamName('dur-b')];
        await store.append(streams[0], events(3), { expectedRevision: 'no_stream' });
        await store.append(streams[1], events(2), { expectedRevision: 'no_stream' });
        await store.append(streams[0], events(1), { expectedRevision: 2 });
        const before = await store.readAll({ fromPosition: start });
        const headBefore = await store.headPosition();
        expect(before).toHaveLength(6);
        await store.close();

        const reopened = await fixture.reopen();
        try {
          expect(await reopened.readAll({ fromPosition: start })).toEqual(before);
          expect(await reopened.headPosition()).toBe(headBefore);
          expect(await reopened.readStream(streams[0])).toEqual(
            before.filter((e) => e.streamName === streams[0]),
          );
          const error = await appendError(reopened, streams[0], events(1), 2);
          expect(error.actual).toBe(3);
          const result = await reopened.append(streams[0], events(1), { expectedRevision: 3 });
          expect(result.nextExpectedRevision).toBe(4);
          expect(result.position).toBeGreaterThan(headBefore);
        } finally {
          await reopened.close();
        }
      });
    });
  });
}

function streamName(prefix: string): string {
  return `contract_${prefix}-${randomUUID().replace(/-/g, '')}`;
}

function event(type = 'TestEvent'): EventToAppend {
  const id = randomUUID();
  return {
    id,
    type,
    data: { id, at: Date.now() },
    metadata: { correlationId: id, causationId: id, userId: 'contract-test', schemaVersion: 1 },
  };
}

function events(count: number, type?: string): EventToAppend[] {
  return Array.from({ length: count }, () => event(type));
}

async function appendError(
  store: EventStore,
  stream: string,
  batch: EventToAppend[],
  expectedRevision: ExpectedRevision,
): Promise<WrongExpectedVersionError> {
  const outcome = await store.append(stream, batch, { expectedRevision }).then(
    (result) => ({ result }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) {
    throw new Error(
      `Expected WrongExpectedVersionError, append succeeded: ${JSON.stringify(outcome.result)}`,
    );
  }
  expect(outcome.error).toBeInstanceOf(WrongExpectedVersionError);
  return outcome.error as WrongExpectedVersionError;
}

function assertStrictlyIncreasing(values: number[]): void {
  const offenders = values.flatMap((v, i) =>
    i > 0 && v <= values[i - 1] ? [`#${i}: ${values[i - 1]} -> ${v}`] : [],
  );
  expect(offenders).toEqual([]);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitUntil(condition: () => boolean, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Condition not met within ${timeoutMs} ms`);
    await sleep(5);
  }
}

/**
 * Subscribes and feeds every event to `onEvent`; `done` resolves once `onEvent` returns true, and rejects on a
 * subscription error, completion, or timeout. The subscription stays open (to catch late duplicates) until `stop`.
 */
function collect(
  source: Observable<RecordedEvent>,
  onEvent: (event: RecordedEvent) => boolean,
  timeoutMs = WAIT_MS,
): { done: Promise<void>; stop: () => void } {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const timer = setTimeout(
    () => reject(new Error(`Subscription did not deliver within ${timeoutMs} ms`)),
    timeoutMs,
  );
  const subscription = source.subscribe({
    next: (e) => {
      try {
        if (onEvent(e)) {
          clearTimeout(timer);
          resolve();
        }
      } catch (error) {
        reject(error);
      }
    },
    error: (error: unknown) => reject(error),
    complete: () => reject(new Error('Subscription completed unexpectedly')),
  });
  const stop = () => {
    clearTimeout(timer);
    subscription.unsubscribe();
  };
  // A rejected `done` must still release the subscription.
  done.catch(stop);
  return { done, stop };
}
