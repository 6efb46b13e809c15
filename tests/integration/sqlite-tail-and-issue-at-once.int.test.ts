import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { firstValueFrom, take, toArray } from 'rxjs';
import {
  WrongExpectedVersionError,
  type EventToAppend,
  type RecordedEvent,
} from '../../src/application/ports/event-store';
import { systemMetadata } from '../../src/application/shared/command-metadata';
import {
  barcodeCandidate,
  barcodeStream,
  claimBarcode,
  createBarcodeProcessor,
  createTicketProcessor,
  TicketService,
  ticketIdFor,
  type OrderToFulfil,
} from '../../src/application/tickets';
import { createOrderProcessor } from '../../src/application/orders/order-processor';
import { ticketStream } from '../../src/domain/ticket/ticket';
import { ManualClock } from '../../src/infrastructure/clock/system-clock';
import { SqliteEventStore } from '../../src/infrastructure/eventstore/sqlite/sqlite-event-store';
import { MemoryReadStore } from '../../src/infrastructure/readstore/memory/memory-read-store';
import { QrCodeRenderer } from '../../src/infrastructure/tickets/qr-code-renderer';

const event = (id: string = randomUUID(), type = 'TestEvent'): EventToAppend => ({
  id,
  type,
  data: { id, nested: { list: [1, 2, 3] } },
  metadata: { correlationId: id, causationId: id, userId: 'tail-test', schemaVersion: 1 },
});

/** What a subscriber is handed, in comparable form. */
const shape = (e: RecordedEvent) => ({
  id: e.id,
  streamName: e.streamName,
  type: e.type,
  data: e.data,
  metadata: e.metadata,
  revision: e.revision,
  position: e.position,
  recordedAt: e.recordedAt.getTime(),
});

describe('SqliteEventStore: subscribers fed from the events this process committed, and appendMany', () => {
  let dir: string;
  let file: string;
  let store: SqliteEventStore;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'event-store-tail-'));
    file = path.join(dir, 'events.db');
    store = new SqliteEventStore(file);
  });

  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The log as a fresh connection reads it from the file. */
  const fromFile = async () => {
    const other = new SqliteEventStore(file);
    try {
      return (await other.readAll()).map(shape);
    } finally {
      await other.close();
    }
  };

  test('live subscribers get exactly the committed events, in log order: failed appends and appendMany left out', async () => {
    const taken = event();
    await store.append('existing', [event(), taken], { expectedRevision: 'no_stream' });
    const all: RecordedEvent[] = [];
    const filtered: RecordedEvent[] = [];
    const subs = [
      store.subscribeToAll().subscribe((e) => all.push(e)),
      store.subscribeToAll({ eventTypes: ['Wanted'] }).subscribe((e) => filtered.push(e)),
    ];
    await new Promise((resolve) => setTimeout(resolve, 20)); // caught up with the first append (read from the file)

    // One group commit: some appends fail (a stale revision; an id taken after a first insert; a multi-stream
    // append with one stream that exists), the others are stored.
    const outcomes = await Promise.allSettled([
      store.append('a', [event(undefined, 'Wanted'), event()], { expectedRevision: 'no_stream' }),
      store.append('existing', [event(undefined, 'Wanted')], { expectedRevision: 0 }),
      store.appendMany([
        { stream: 'm1', events: [event(undefined, 'Wanted')], expectedRevision: 'no_stream' },
        { stream: 'existing', events: [event(undefined, 'Wanted')], expectedRevision: 'no_stream' },
      ]),
      store.append('c', [event(undefined, 'Wanted'), taken], { expectedRevision: 'no_stream' }),
      store.appendMany([
        { stream: 'm2', events: [event(undefined, 'Wanted')], expectedRevision: 'no_stream' },
        { stream: 'm3', events: [event(), event(undefined, 'Wanted')], expectedRevision: 'no_stream' },
      ]),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual([
      'fulfilled',
      'rejected',
      'rejected',
      'rejected',
      'fulfilled',
    ]);
    await new Promise((resolve) => setTimeout(resolve, 20)); // delivered before the next append
    // Last of its commit: what it wrote before failing must not be seen at the positions the next commit takes.
    const last = await Promise.allSettled([
      store.append('e', [event(undefined, 'Wanted')], { expectedRevision: 'no_stream' }),
      store.appendMany([
        { stream: 'm4', events: [event(undefined, 'Wanted')], expectedRevision: 'no_stream' },
        { stream: 'a', events: [event()], expectedRevision: 'no_stream' },
      ]),
    ]);
    expect(last.map((o) => o.status)).toEqual(['fulfilled', 'rejected']);
    await new Promise((resolve) => setTimeout(resolve, 20));
    // And one written at once, outside the group commit.
    store.appendSync('d', [event(undefined, 'Wanted')], 'no_stream');
    await new Promise((resolve) => setTimeout(resolve, 50));
    subs.forEach((s) => s.unsubscribe());

    const log = await fromFile();
    expect(log.map((e) => e.streamName)).toEqual([
      'existing',
      'existing',
      'a',
      'a',
      'm2',
      'm3',
      'm3',
      'e',
      'd',
    ]);
    expect(all.map(shape)).toEqual(log);
    expect(filtered.map(shape)).toEqual(log.filter((e) => e.type === 'Wanted'));
  });

  test('subscribers get their own copy: changing an appended payload afterwards changes nothing they see', async () => {
    const received: RecordedEvent[] = [];
    const sub = store.subscribeToAll().subscribe((e) => received.push(e));
    const appended = event();
    await store.append('s', [appended], { expectedRevision: 'no_stream' });
    (appended.data as { nested: { list: number[] } }).nested.list.push(4);
    await new Promise((resolve) => setTimeout(resolve, 20));
    sub.unsubscribe();
    expect(received.map((e) => e.data)).toEqual([{ id: appended.id, nested: { list: [1, 2, 3] } }]);
  });

  test("another process's appends in between: every event once, in order", async () => {
    const other = new SqliteEventStore(file);
    try {
      const received = firstValueFrom(store.subscribeToAll().pipe(take(6), toArray()));
      await store.append('x', [event(), event()], { expectedRevision: 'no_stream' });
      await other.append('y', [event()], { expectedRevision: 'no_stream' });
      await store.append('x', [event()], { expectedRevision: 1 });
      await other.append('y', [event()], { expectedRevision: 0 });
      await store.append('z', [event()], { expectedRevision: 'no_stream' });
      const events = await received;
      expect(events.map(shape)).toEqual(await fromFile());
      expect(events.map((e) => e.position)).toEqual([1, 2, 3, 4, 5, 6]);
    } finally {
      await other.close();
    }
  });

  test('appendMany writes every stream or none', async () => {
    await store.append('exists', [event()], { expectedRevision: 'no_stream' });
    await expect(
      store.appendMany([
        { stream: 'new-1', events: [event()], expectedRevision: 'no_stream' },
        { stream: 'exists', events: [event()], expectedRevision: 'no_stream' },
      ]),
    ).rejects.toBeInstanceOf(WrongExpectedVersionError);
    expect(await store.readStream('new-1')).toEqual([]);
    expect(await store.headPosition()).toBe(1);

    const results = await store.appendMany([
      { stream: 'new-1', events: [event(), event()], expectedRevision: 'no_stream' },
      { stream: 'exists', events: [event()], expectedRevision: 0 },
    ]);
    expect(results).toEqual([
      { nextExpectedRevision: 1, position: 3 },
      { nextExpectedRevision: 1, position: 4 },
    ]);
  });
});

describe("issueForOrder: an order's tickets and barcodes in one atomic append", () => {
  const clock = new ManualClock('2030-03-01T12:00:00.000Z');
  const meta = systemMetadata('fulfillment-saga', 'test');
  let dir: string;
  let store: SqliteEventStore;
  let service: TicketService;
  let barcodes: ReturnType<typeof createBarcodeProcessor>;
  let tickets: ReturnType<typeof createTicketProcessor>;

  const order = (orderId: string): OrderToFulfil => ({
    orderId,
    eventId: 'event-1',
    userId: 'u-1',
    eventName: 'Show',
    eventDate: '2030-08-15T19:00:00.000Z',
    venueName: 'Hall',
    seats: [
      { seatId: 's1:A:1', section: 'Floor', row: 'A', seat: '1' },
      { seatId: 's1:A:2', section: 'Floor', row: 'A', seat: '2' },
    ],
  });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'issue-at-once-'));
    store = new SqliteEventStore(path.join(dir, 'events.sqlite'));
    barcodes = createBarcodeProcessor(store);
    tickets = createTicketProcessor(store, clock);
    service = new TicketService({
      tickets,
      barcodes,
      orders: createOrderProcessor(store, clock),
      store,
      readStore: new MemoryReadStore(),
      clock,
      qr: new QrCodeRenderer({ pngFilter: 2 }),
      findUserIdByEmail: async () => undefined,
      catchUp: async () => true,
    });
  });

  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('first issue: one commit unit for all streams; a redelivery records nothing and answers the same', async () => {
    // The processor has cached the first ticket as not issued: written around it, that must not stay.
    expect((await tickets.read(ticketIdFor('o-1', 's1:A:1'))).state.exists).toBe(false);
    const units = store.commitStats.units;
    const issued = await service.issueForOrder(order('o-1'), meta);
    expect((await tickets.read(ticketIdFor('o-1', 's1:A:1'))).state).toMatchObject({
      exists: true,
      barcode: issued[0].barcode,
    });
    expect(store.commitStats.units - units).toBe(1);
    expect(issued.map((t) => t.barcode)).toEqual(issued.map((t) => barcodeCandidate(t.ticketId, 0)));
    const log = await store.readAll();
    expect(log.map((e) => [e.streamName, e.type])).toEqual(
      issued.flatMap((t) => [
        [barcodeStream(t.barcode), 'BarcodeClaimed'],
        [ticketStream(t.ticketId), 'TicketIssued'],
      ]),
    );

    const head = await store.headPosition();
    expect(await service.issueForOrder(order('o-1'), meta)).toEqual(issued);
    expect(await store.headPosition()).toBe(head);
  });

  test('a first barcode another ticket holds: nothing written at once, then issued one stream at a time', async () => {
    const ticketId = ticketIdFor('o-2', 's1:A:2');
    // Another ticket claimed this ticket's first candidate.
    await barcodes.execute(
      barcodeCandidate(ticketId, 0),
      { type: 'ClaimBarcode', barcode: barcodeCandidate(ticketId, 0), ticketId: 'someone-else' },
      meta,
    );
    const issued = await service.issueForOrder(order('o-2'), meta);
    const second = issued.find((t) => t.ticketId === ticketId)!;
    expect(second.barcode).toBe(barcodeCandidate(ticketId, 1));
    expect(await claimBarcode(barcodes, ticketId, meta)).toBe(second.barcode); // it owns the one it got

    const log = await store.readAll();
    const issuedEvents = log.filter((e) => e.type === 'TicketIssued');
    expect(issuedEvents.map((e) => e.streamName).sort()).toEqual(
      issued.map((t) => ticketStream(t.ticketId)).sort(),
    );
    const claims = log.filter((e) => e.type === 'BarcodeClaimed');
    expect(new Set(claims.map((e) => e.streamName)).size).toBe(claims.length); // one claim per barcode
  });
});
