import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { v7 as uuidv7 } from 'uuid';
import { replayLog, type ReplayReport } from '../../src/application/audit/replay';
import type { ReadCollection, ReadDocument, ReadStore } from '../../src/application/ports/read-store';
import { ManualClock } from '../../src/infrastructure/clock/system-clock';
import { MemoryReadStore } from '../../src/infrastructure/readstore/memory/memory-read-store';
import { allProjections } from '../../src/projections';
import { createEvent } from '../support/fixtures';
import { addCard, pollUntil, reserve } from '../support/purchase';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Issue 12 acceptance: a log written by driving the API (reservations, an expiry, orders, a decline, a cancel, a
 * transfer) replays into read models equal to the live ones with no violation; an auditor follows one purchase by
 * correlation id and one seat through its history; customers get 403; forged events make `replay` fail, naming them.
 */
const run = promisify(execFile);
const REPLAY = path.join(__dirname, '../../dist/scripts/replay.js');
/** The worker threads run compiled code: the threaded replay is tested from the build. */
const THREADED = path.join(__dirname, '../../dist/src/composition/replay/replay-in-threads.js');

describe('audit, replay and analytics', () => {
  let t: TestApp;
  const clock = new ManualClock(new Date());
  let admin: string;
  let auditor: string;
  let customer: { token: string; userId: string };
  let eventId: string;
  // The client's X-Correlation-Id; the log keeps it scoped to its caller (`{user id}:{id}`), echoed back.
  const chosenCorrelation = `purchase-${letters()}`;
  const purchase = { correlationId: '', orderId: '' };
  const soldSeat = 's1:A:1';

  const confirmed = (orderId: string, token: string) =>
    pollUntil(
      t.call,
      `/v1/orders/${orderId}`,
      token,
      (r) => r.body?.status === 'CONFIRMED' && r.body.tickets.length > 0,
    );

  const replay = (over: Partial<Parameters<typeof replayLog>[0]> = {}): Promise<ReplayReport> =>
    replayLog({
      store: t.app.store,
      projections: allProjections(),
      fresh: new MemoryReadStore(),
      holdExpiryPeriodMs: 1000,
      ...over,
    });

  const quiet = async () => {
    await t.app.runner.catchUp(10_000);
    expect(t.app.runner.position).toBe(await t.app.store.headPosition());
  };

  beforeAll(async () => {
    t = await startTestApp({ clock, env: { EXPIRY_SWEEP_MS: '50' } });
    admin = await t.adminToken();
    customer = await t.customerToken(email('fan'));
    ({ eventId } = await createEvent(t.call, admin));

    // An admin creates an auditor account; the auditor signs in.
    const created = await t.call('POST', '/v1/admin/auditors', {
      token: admin,
      body: {
        email: email('auditor'),
        password: 'auditor-password-1',
        name: 'Ann Auditor',
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ user_id: expect.any(String), email: expect.any(String), role: 'auditor' });
    const login = await t.call('POST', '/v1/auth/token', {
      body: { grant_type: 'password', email: created.body.email, password: 'auditor-password-1' },
    });
    auditor = login.body.access_token;
    expect((await t.call('GET', '/v1/auth/info', { token: auditor })).body.role).toBe('auditor');
  });
  afterAll(() => t?.close());

  it('writes a log through the API: purchases, a decline, a cancel, a transfer, an expiry', async () => {
    const fan = customer;
    const card = await addCard(t.call, fan.token);
    // The purchase the auditor follows: one correlation id from the hold to the tickets.
    const headers = { 'x-correlation-id': chosenCorrelation };
    const held = await t.call('POST', '/v1/seats/reserve', {
      token: fan.token,
      headers,
      body: { event_id: eventId, seat_ids: [soldSeat, 's1:A:2'] },
    });
    expect(held.status).toBe(201);
    const order = await t.call('POST', '/v1/orders', {
      token: fan.token,
      headers,
      body: { reservation_id: held.body.reservation_id, payment_method_id: card },
    });
    expect(order.status).toBe(201);
    purchase.correlationId = `${fan.userId}:${chosenCorrelation}`;
    expect([held, order].map((r) => r.headers.get('x-correlation-id'))).toEqual([
      purchase.correlationId,
      purchase.correlationId,
    ]);
    purchase.orderId = order.body.order_id;
    const done = await confirmed(purchase.orderId, fan.token);

    // A transfer of one of its tickets, accepted.
    const friend = await t.customerToken(email('friend'));
    const ticketId = done.body.tickets.find((x: { seat_id: string }) => x.seat_id === soldSeat).ticket_id;
    const offer = await t.call('POST', `/v1/tickets/${ticketId}/transfer`, {
      token: fan.token,
      body: {
        recipient_email: (await t.call('GET', '/v1/auth/info', { token: friend.token })).body.email,
        recipient_name: 'Friend',
      },
    });
    expect(offer.status).toBe(200);
    expect(
      (await t.call('POST', `/v1/transfers/${offer.body.transfer_id}/accept`, { token: friend.token }))
        .status,
    ).toBe(200);

    // A second order, cancelled and refunded.
    const second = await reserve(t.call, fan.token, eventId, ['s2:A:1', 's2:A:2']);
    const toCancel = await t.call('POST', '/v1/orders', {
      token: fan.token,
      body: { reservation_id: second, payment_method_id: card },
    });
    await confirmed(toCancel.body.order_id, fan.token);
    expect(
      (await t.call('POST', `/v1/orders/${toCancel.body.order_id}/cancel`, { token: fan.token })).status,
    ).toBe(200);
    await pollUntil(
      t.call,
      `/v1/orders/${toCancel.body.order_id}`,
      fan.token,
      (r) => r.body?.payment_status === 'REFUNDED',
    );

    // A declined card: the hold is released with reason order_failed.
    const declined = await addCard(t.call, fan.token, 'tok_chargeDeclined');
    const third = await reserve(t.call, fan.token, eventId, ['s1:B:1', 's1:B:2']);
    const refused = await t.call('POST', '/v1/orders', {
      token: fan.token,
      body: { reservation_id: third, payment_method_id: declined },
    });
    expect(refused.status).toBe(402);

    // A hold that expires: the expiry job releases it (reason expired) within its period.
    const lapsing = await reserve(t.call, fan.token, eventId, ['s1:B:5', 's1:B:6']);
    const { expires_at } = (await t.call('GET', `/v1/reservations/${lapsing}`, { token: fan.token })).body;
    clock.set(new Date(Date.parse(expires_at) + 1));
    // The answer shows EXPIRED as soon as the time is up (lazy expiry); wait for the job's HoldReleased itself.
    const released = async () =>
      (await t.app.store.readStream(`event-${eventId}`)).some(
        (e) => e.type === 'HoldReleased' && (e.data as { holdId?: string }).holdId === lapsing,
      );
    for (const deadline = Date.now() + 10_000; !(await released());) {
      if (Date.now() > deadline) throw new Error('the expiry job did not release the lapsed hold in 10 s');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await quiet();
  });

  it('replay rebuilds read models equal to the live ones and finds no violation', async () => {
    const report = await replay({ live: t.app.readStore });
    expect(report.violations).toEqual([]);
    expect(report.projection_errors).toEqual([]);
    expect(report.comparison).toEqual({ equal: true, collections: [] });
    expect(report.ok).toBe(true);
    expect(report.orders).toMatchObject({ confirmed: 1, cancelled: 1, pending: 0 });
    expect(report.seats.holds).toBe(4);
    expect(report.read_models).toMatchObject({ sales_analytics: 1, audit_correlations: expect.any(Number) });
    // Money per event: the confirmed order's seats are what was kept.
    expect(report.money.perEvent[eventId].netCapturedCents).toBe(report.money.perEvent[eventId].revenueCents);
    expect(report.money.perEvent[eventId].revenueCents).toBeGreaterThan(0);
    // Limited to the event, the same orders and seats are found.
    const scoped = await replay({ eventId });
    expect(scoped).toMatchObject({ ok: true, scope: { event_id: eventId }, orders: report.orders });
    expect(scoped.events).toBeLessThan(report.events);
  });

  it('spread over threads (the compiled replay), the same report, and read models equal to the live ones', async () => {
    await quiet();
    const { replayInThreads } = (await import(
      THREADED
    )) as typeof import('../../src/composition/replay/replay-in-threads');
    const file = path.join(t.dataDir, 'events.sqlite');
    const progress: number[] = [];
    const [inThreads, inOne] = await Promise.all([
      replayInThreads({
        file,
        threads: 2,
        live: t.app.readStore,
        holdExpiryPeriodMs: 1000,
        onProgress: (position) => progress.push(position),
      }),
      replay({ live: t.app.readStore }),
    ]);
    expect(inThreads.threads).toBe(2);
    expect(inThreads.comparison).toEqual({ equal: true, collections: [] });
    const timing = ({ duration_ms, events_per_s, threads, ...rest }: ReplayReport) => rest; // eslint-disable-line @typescript-eslint/no-unused-vars
    expect(timing(inThreads)).toEqual(timing(inOne));
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[progress.length - 1]).toBe(inOne.headPosition);
    // Scoped to the event, too.
    const scoped = await replayInThreads({ file, threads: 2, eventId, holdExpiryPeriodMs: 1000 });
    expect(timing(scoped)).toEqual(timing(await replay({ eventId })));
  });

  it('live read models of another process: compared when they stand at the head, else the report says why not', async () => {
    await quiet();
    const head = await t.app.store.headPosition();
    const { replayInThreads } = (await import(
      THREADED
    )) as typeof import('../../src/composition/replay/replay-in-threads');
    const file = path.join(t.dataDir, 'events.sqlite');
    const atHead = await replayInThreads({
      file,
      threads: 2,
      live: t.app.readStore,
      livePosition: async () => head,
      holdExpiryPeriodMs: 1000,
    });
    expect(atHead).toMatchObject({
      ok: true,
      comparison: { equal: true, collections: [] },
      comparison_skipped: null,
    });
    // A server that has not projected the last event (its checkpoint one behind): not compared, and said so.
    const behind = await replay({ live: t.app.readStore, livePosition: async () => head - 1 });
    expect(behind).toMatchObject({
      ok: true,
      comparison: null,
      comparison_skipped: expect.stringContaining(`stand at log position ${head - 1}, the log at ${head}`),
    });
  });

  it('the rebuild applies events at once on the memory store, into the read models a waiting store gets', async () => {
    // The memory store answers at once (ReadCollection.now): no projection handler hands back a promise.
    const projections = allProjections();
    const probe = new MemoryReadStore();
    let promises = 0;
    for (const event of await t.app.store.readAll())
      for (const projection of projections)
        for (const type of [event.type, '*']) if (projection.handlers[type]?.(event, probe)) promises += 1;
    expect(promises).toBe(0);

    const fast = new MemoryReadStore();
    const report = await replay({ fresh: fast });
    // Every operation through a promise settled a turn of the event loop later, as on a store without `now`.
    const slow = new MemoryReadStore();
    const waited = await replay({ fresh: throughPromises(slow) });
    expect({ ...waited, duration_ms: 0, events_per_s: 0 }).toEqual({
      ...report,
      duration_ms: 0,
      events_per_s: 0,
    });
    const names = await fast.collectionNames();
    expect(names).toEqual(await slow.collectionNames());
    expect(names).toEqual(
      expect.arrayContaining(['audit_seats', 'orders', 'seat_maps', 'tickets', 'transfers']),
    );
    for (const name of names)
      expect(await slow.collection(name).all()).toEqual(await fast.collection(name).all());
  });

  it('projections never change the events they are given (the subscribers of the log share one copy of each)', async () => {
    // The store hands the events it commits to every live subscriber (projections, the bus forwarder) as one object
    // each: a projection that kept a piece of an event in a document and later changed the document in place would
    // change the event under the others. Frozen events make any such write throw (modules run in strict mode).
    const events = (await t.app.store.readAll()).map((event) => deepFreeze(event));
    const frozen = new MemoryReadStore();
    const plain = new MemoryReadStore();
    const projections = allProjections();
    const again = allProjections();
    const apply = async (
      list: typeof projections,
      event: (typeof events)[number],
      store: MemoryReadStore,
    ) => {
      for (const projection of list)
        for (const type of [event.type, '*']) await projection.handlers[type]?.(event, store);
    };
    for (const event of events) {
      await apply(projections, event, frozen);
      await apply(again, structuredClone(event), plain);
    }
    const names = await plain.collectionNames();
    expect(names).toEqual(expect.arrayContaining(['orders', 'seat_maps', 'tickets', 'transfers']));
    for (const name of names)
      expect(await frozen.collection(name).all()).toEqual(await plain.collection(name).all());
  });

  it('an auditor follows the purchase from its requests to its tickets by correlation id', async () => {
    const res = await t.call('GET', `/v1/audit/correlations/${purchase.correlationId}`, { token: auditor });
    expect(res.status).toBe(200);
    const types = res.body.events.map((e: { type: string }) => e.type);
    for (const type of [
      'SeatsHeld',
      'OrderPlaced',
      'SeatsSold',
      'PaymentCaptured',
      'OrderConfirmed',
      'TicketsIssued',
      'TicketIssued',
    ])
      expect(types).toContain(type);
    expect(types.indexOf('SeatsHeld')).toBeLessThan(types.indexOf('OrderPlaced'));
    expect(types.indexOf('OrderPlaced')).toBeLessThan(types.lastIndexOf('TicketIssued'));
    const positions = res.body.events.map((e: { position: number }) => e.position);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    const streams = new Set(res.body.events.map((e: { stream: string }) => e.stream.split('-')[0]));
    expect([...streams].sort()).toEqual(['barcode', 'event', 'order', 'ticket']);
    for (const e of res.body.events) {
      expect(e.metadata.correlationId).toBe(purchase.correlationId);
      expect(e).toEqual({
        event_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        stream: expect.any(String),
        type: expect.any(String),
        data: expect.any(Object),
        metadata: expect.objectContaining({ causationId: expect.any(String), userId: expect.any(String) }),
        revision: expect.any(Number),
        position: expect.any(Number),
        recorded_at: expect.any(String),
      });
    }
    // Causation is followed by event id: an event a request recorded names the request (its requestId); every
    // saga step names an event of the same purchase, shown with its id.
    const ids = new Set(res.body.events.map((e: { event_id: string }) => e.event_id));
    type Caused = { type: string; metadata: { causationId: string; requestId?: string } };
    const caused = res.body.events.filter((e: Caused) => e.metadata.causationId !== e.metadata.requestId);
    expect(caused.map((e: Caused) => e.type)).toEqual(
      expect.arrayContaining(['SeatsSold', 'PaymentCaptured', 'OrderConfirmed', 'TicketIssued']),
    );
    for (const e of caused) expect(ids).toContain(e.metadata.causationId);
    // Card references are redacted in what the auditor sees.
    const placed = res.body.events.find((e: { type: string }) => e.type === 'OrderPlaced');
    expect(placed.data.cardToken).toBe('[REDACTED]');
    // So are the tickets' barcodes (whoever holds one gets in), in the events and in their claims' stream names.
    const barcodes = await Promise.all(
      res.body.events
        .filter((e: { type: string }) => e.type === 'TicketIssued')
        .map(async (e: { stream: string; revision: number; data: { barcode: string } }) => {
          expect(e.data.barcode).toBe('[REDACTED]');
          const [recorded] = await t.app.store.readStream(e.stream, {
            fromRevision: e.revision,
            maxCount: 1,
          });
          return (recorded.data as { barcode?: string }).barcode;
        }),
    );
    expect(barcodes.length).toBeGreaterThan(0);
    const shown = JSON.stringify(res.body);
    for (const barcode of barcodes) {
      expect(typeof barcode).toBe('string');
      expect(shown).not.toContain(barcode);
    }
    const claims = res.body.events.filter((e: { stream: string }) => e.stream.startsWith('barcode-'));
    expect(claims.map((e: { stream: string }) => e.stream)).toEqual(claims.map(() => 'barcode-[REDACTED]'));
  });

  it("a seat's history: hold, sale, the order's events, its ticket's transfer", async () => {
    const res = await t.call('GET', `/v1/audit/events/${eventId}/seats/${encodeURIComponent(soldSeat)}`, {
      token: auditor,
    });
    expect(res.status).toBe(200);
    const types = res.body.events.map((e: { type: string }) => e.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'SeatsHeld',
        'OrderPaymentAuthorizing',
        'SeatsSold',
        'PaymentCaptured',
        'TicketIssued',
        'TransferRequested',
        'TicketTransferred',
      ]),
    );
    // Both tickets: the buyer's, and the one reissued to the recipient.
    expect(types.filter((x: string) => x === 'TicketIssued')).toHaveLength(2);
    const expired = await t.call('GET', `/v1/audit/events/${eventId}/seats/s1:B:5`, { token: auditor });
    expect(
      expired.body.events.map((e: { type: string; data: { reason?: string } }) => [e.type, e.data.reason]),
    ).toEqual([
      ['SeatsHeld', undefined],
      ['HoldReleased', 'expired'],
    ]);
    // A declined card: the order's attempt and its decline are in the seat's history, before the release.
    const declined = await t.call('GET', `/v1/audit/events/${eventId}/seats/s1:B:1`, { token: auditor });
    expect(declined.body.events.map((e: { type: string }) => e.type)).toEqual([
      'SeatsHeld',
      'OrderPaymentAuthorizing',
      'OrderPaymentDeclined',
      'HoldReleased',
    ]);
    expect(declined.body.events[3].data.reason).toBe('order_failed');
    expect(
      (await t.call('GET', `/v1/audit/events/${eventId}/seats/s9:Z:1`, { token: auditor })).body.error.code,
    ).toBe('SEAT_NOT_FOUND');
  });

  it('streams and the log, with secrets redacted', async () => {
    const stream = await t.call('GET', `/v1/audit/streams/customer-${customer.userId}?limit=2`, {
      token: auditor,
    });
    expect(stream.status).toBe(200);
    expect(stream.body.events.map((e: { revision: number }) => e.revision)).toEqual([0, 1]);
    expect(stream.body.next_revision).toBe(2);
    expect(stream.body.events[0]).toMatchObject({
      type: 'CustomerRegistered',
      data: { passwordHash: '[REDACTED]' },
    });
    expect(stream.body.events[1]).toMatchObject({
      type: 'RefreshTokenIssued',
      data: { tokenHash: '[REDACTED]' },
    });
    expect(stream.text).not.toMatch(/[0-9a-f]{64}/); // no sha256 hex of a token
    const back = await t.call('GET', `/v1/audit/streams/event-${eventId}?direction=backwards&limit=1`, {
      token: auditor,
    });
    expect(back.body.events[0].revision).toBe(back.body.next_revision + 1);

    const sold = await t.call('GET', '/v1/audit/log?type=SeatsSold', { token: auditor });
    expect(sold.body.events.map((e: { type: string }) => e.type)).toEqual(['SeatsSold', 'SeatsSold']);
    expect(sold.body.next_position).toBeNull();
    const page = await t.call('GET', '/v1/audit/log?from_position=3&limit=2', { token: auditor });
    expect(page.body.events.map((e: { position: number }) => e.position)).toEqual([4, 5]);
    expect(page.body.next_position).toBe(5);
  });

  it("an order event that names one ticket (a transfer started) is in that ticket's seat history only", async () => {
    const history = async (seatId: string) =>
      (
        await t.call('GET', `/v1/audit/events/${eventId}/seats/${seatId}`, { token: auditor })
      ).body.events.map((e: { type: string }) => e.type);
    // The purchase bought s1:A:1 and s1:A:2; only the s1:A:1 ticket was transferred.
    expect(await history(soldSeat)).toEqual(
      expect.arrayContaining(['OrderConfirmed', 'TicketTransferStarted', 'TransferRequested']),
    );
    const other = await history('s1:A:2');
    expect(other).toEqual(expect.arrayContaining(['SeatsSold', 'OrderConfirmed', 'TicketIssued']));
    expect(other).not.toContain('TicketTransferStarted');
    expect(other).not.toContain('TransferRequested');
  });

  it('a seat is found only by the id its seat map lists: another spelling of it is 404 SEAT_NOT_FOUND, as for reserve', async () => {
    const sold = await t.call('GET', `/v1/audit/events/${eventId}/seats/${soldSeat}`, { token: auditor });
    expect(sold.status).toBe(200);
    expect(sold.body.events.length).toBeGreaterThan(0);
    const spellings = [
      's1:A:01',
      's1:A:1e0',
      's1:A:0x1',
      's1:A:%2B1',
      's1:A:1.0',
      's1:A:%201',
      's1:A:1%20',
      's1:A:0',
      's1:A:-1',
      's1:A:11',
      's1:A:',
    ];
    for (const seat of spellings) {
      const res = await t.call('GET', `/v1/audit/events/${eventId}/seats/${seat}`, { token: auditor });
      expect({ seat, status: res.status, body: res.body }).toEqual({
        seat,
        status: 404,
        body: {
          error: {
            code: 'SEAT_NOT_FOUND',
            message: expect.any(String),
            details: { seat_id: decodeURIComponent(seat) },
            request_id: expect.any(String),
            timestamp: expect.any(String),
          },
        },
      });
    }
    // What a reservation answers for the same id.
    const reserved = await t.call('POST', '/v1/seats/reserve', {
      token: customer.token,
      body: { event_id: eventId, seat_ids: ['s1:A:01'] },
    });
    expect([reserved.status, reserved.body.error.code]).toEqual([404, 'SEAT_NOT_FOUND']);
  });

  it('a cursor past the log is an empty page, not a refusal (from_position and from_revision up to 2^53 - 1)', async () => {
    for (const path of [
      '/v1/audit/log?from_position=1000000000',
      '/v1/audit/log?from_position=9007199254740991',
    ]) {
      const res = await t.call('GET', path, { token: auditor });
      expect({ status: res.status, body: res.body }).toEqual({
        status: 200,
        body: { events: [], next_position: null },
      });
    }
    const stream = await t.call('GET', `/v1/audit/streams/event-${eventId}?from_revision=2147483647`, {
      token: auditor,
    });
    expect({ status: stream.status, body: stream.body }).toEqual({
      status: 200,
      body: { events: [], next_revision: null },
    });
  });

  it('the log answers next_position null on the page that ends it, with or without a type, and only there', async () => {
    await quiet();
    const head = await t.app.store.headPosition();
    const log = async (query: string) => {
      const res = await t.call('GET', `/v1/audit/log?${query}`, { token: auditor });
      expect(res.status).toBe(200);
      return {
        positions: res.body.events.map((e: { position: number }) => e.position),
        next: res.body.next_position,
      };
    };
    expect(await log(`limit=3&from_position=${head - 3}`)).toEqual({
      positions: [head - 2, head - 1, head],
      next: null,
    });
    expect(await log(`limit=3&from_position=${head - 4}`)).toEqual({
      positions: [head - 3, head - 2, head - 1],
      next: head - 1,
    });
    expect(await log(`limit=3&from_position=${head - 1}`)).toEqual({ positions: [head], next: null });
    expect(await log(`limit=3&from_position=${head}`)).toEqual({ positions: [], next: null });

    // Of one type: the two sales, then other events up to the head.
    const both = await log('type=SeatsSold&limit=2');
    expect(both.positions).toHaveLength(2);
    expect(both.next).toBeNull();
    const first = await log('type=SeatsSold&limit=1');
    expect(first.positions).toEqual([both.positions[0]]);
    expect(first.next).toEqual(expect.any(Number));
    expect(first.next).toBeLessThan(both.positions[1]);
    expect(await log(`type=SeatsSold&limit=1&from_position=${first.next}`)).toEqual({
      positions: [both.positions[1]],
      next: null,
    });
  });

  it('POST /v1/admin/auditors keeps to Idempotency-Key: a retry answers the same 201, another body 422', async () => {
    const headers = { 'idempotency-key': `auditor-${letters()}` };
    const body = { email: email('keyed'), password: 'auditor-password-2', name: 'Kay Keyed' };
    const first = await t.call('POST', '/v1/admin/auditors', { token: admin, headers, body });
    expect(first.status).toBe(201);
    const again = await t.call('POST', '/v1/admin/auditors', { token: admin, headers, body });
    expect([again.status, again.body]).toEqual([201, first.body]);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const other = await t.call('POST', '/v1/admin/auditors', {
      token: admin,
      headers,
      body: { ...body, email: email('other') },
    });
    expect([other.status, other.body.error.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
    // Without the key, the same body asks for a second account.
    const unkeyed = await t.call('POST', '/v1/admin/auditors', { token: admin, body });
    expect([unkeyed.status, unkeyed.body.error.code]).toEqual([409, 'EMAIL_TAKEN']);
  });

  it('analytics: sold and held per tier, revenue, fees, taxes, orders, refunds, transfers, per minute', async () => {
    const res = await t.call('GET', `/v1/analytics/events/${eventId}/sales`, { token: auditor });
    expect(res.status).toBe(200);
    // One confirmed order of two Floor seats at 150.00 + 22.50 fees (the cancelled one is taken back out).
    expect(res.body.totals).toEqual({
      sold: 2,
      held: 0,
      revenue: 300,
      fees: 45,
      taxes: expect.any(Number),
      orders: 1,
      refunds: 1,
      transfers: 1,
    });
    expect(res.body.tiers).toEqual([
      { tier_id: `${eventId}-t1`, name: 'Floor', sold: 2, held: 0, revenue: 300 },
      { tier_id: `${eventId}-t2`, name: 'Balcony', sold: 0, held: 0, revenue: 0 },
    ]);
    // The series as the sales were made: both sales, the refunded one's two seats included (totals are net).
    expect(res.body.per_minute.reduce((n: number, m: { sold: number }) => n + m.sold, 0)).toBe(4);
    // Figures for auditors only: never kept by a shared cache, as the audit routes' answers.
    expect(res.headers.get('cache-control')).toMatch(/no-store/);
    const log = await t.call('GET', '/v1/audit/log?limit=1', { token: auditor });
    expect(log.headers.get('cache-control')).toMatch(/no-store/);
    expect(res.body.per_minute[0].minute).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:00Z$/);
    const admins = await t.call('GET', `/v1/analytics/events/${eventId}/sales`, { token: admin });
    expect(admins.status).toBe(200);
    expect((await t.call('GET', '/v1/analytics/events/nope/sales', { token: auditor })).status).toBe(404);
  });

  it('customers get 403 on every audit and analytics route; no token 401; only admins create auditors', async () => {
    const paths = [
      `/v1/audit/streams/event-${eventId}`,
      '/v1/audit/log',
      `/v1/audit/events/${eventId}/seats/${soldSeat}`,
      `/v1/audit/correlations/${purchase.correlationId}`,
      `/v1/analytics/events/${eventId}/sales`,
    ];
    for (const p of paths) {
      const res = await t.call('GET', p, { token: customer.token });
      expect({ p, status: res.status, code: res.body.error.code }).toEqual({
        p,
        status: 403,
        code: 'FORBIDDEN',
      });
      expect({ p, status: (await t.call('GET', p)).status }).toEqual({ p, status: 401 });
    }
    const body = { email: 'x@example.test', password: 'long-enough-1', name: 'X' };
    expect((await t.call('POST', '/v1/admin/auditors', { token: customer.token, body })).status).toBe(403);
    expect((await t.call('POST', '/v1/admin/auditors', { token: auditor, body })).status).toBe(403);
  });

  it("an auditor's account only reads: every signed-in command is 403, whatever it names; reads and sign-in still work", async () => {
    const commands: Array<[string, string, object?]> = [
      ['POST', '/v1/seats/reserve', { event_id: eventId, seat_ids: ['s1:B:9'] }],
      ['DELETE', '/v1/reservations/any-hold'],
      ['POST', '/v1/queue/join', { event_id: eventId, device_fingerprint: 'auditor-device' }],
      ['POST', '/v1/payment-methods', { token: 'tok_visa' }],
      ['DELETE', '/v1/payment-methods/pm-anything'],
      ['POST', '/v1/orders', { reservation_id: 'any-hold', payment_method_id: 'pm-anything' }],
      ['POST', `/v1/orders/${purchase.orderId}/cancel`],
      ['POST', '/v1/tickets/any-ticket/transfer', { recipient_email: 'a@example.test', recipient_name: 'A' }],
      ['POST', '/v1/transfers/any-transfer/accept'],
      ['DELETE', '/v1/transfers/any-transfer'],
    ];
    for (const [method, path, body] of commands) {
      const res = await t.call(method, path, { token: auditor, body });
      expect({ method, path, status: res.status, code: res.body.error?.code }).toEqual({
        method,
        path,
        status: 403,
        code: 'FORBIDDEN',
      });
      expect(res.body.error.message).toMatch(/auditor's account only reads/);
    }
    expect((await t.call('GET', '/v1/orders', { token: auditor })).status).toBe(200);
    expect((await t.call('GET', `/v1/events/${eventId}`, { token: auditor })).status).toBe(200);
    const info = await t.call('GET', '/v1/auth/info', { token: auditor });
    const again = await t.call('POST', '/v1/auth/token', {
      body: { grant_type: 'password', email: info.body.email, password: 'auditor-password-1' },
    });
    expect(again.status).toBe(200);
  });

  it('npm run replay: exit 0 and a JSON report on the clean log', async () => {
    const { stdout } = await run('node', [REPLAY, '--json'], {
      env: { ...process.env, DATA_DIR: t.dataDir },
    });
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ ok: true, violations: [], events: await t.app.store.headPosition() });
    expect(report.events_per_s).toBeGreaterThan(0);
    // Field names in snake_case all the way down, as in the API; the keys of per-event money and of the read-model
    // counts are data (event ids, collection names) and stay as they are.
    const camel: string[] = [];
    const walk = (value: unknown, path: string): void => {
      if (Array.isArray(value)) return value.forEach((item) => walk(item, path));
      if (value === null || typeof value !== 'object') return;
      for (const [key, inner] of Object.entries(value)) {
        const byData = path === 'money.per_event' || path === 'read_models';
        if (!byData && !/^[a-z][a-z0-9_]*$/.test(key)) camel.push(`${path}.${key}`);
        walk(inner, byData ? `${path}.*` : path === '' ? key : `${path}.${key}`);
      }
    };
    walk(report, '');
    expect(camel).toEqual([]);
    expect(report).toMatchObject({
      head_position: report.events,
      orders: { missing_tickets: [], tickets_pending: [] },
    });
    // A log this small replays in one thread unless told otherwise: starting threads would cost more.
    expect(report.threads).toBe(1);
    // One thread or several: the same report.
    const one = JSON.parse(
      (
        await run('node', [REPLAY, '--json', '--threads', '1'], {
          env: { ...process.env, DATA_DIR: t.dataDir },
        })
      ).stdout,
    );
    const two = JSON.parse(
      (
        await run('node', [REPLAY, '--json', '--threads', '2'], {
          env: { ...process.env, DATA_DIR: t.dataDir },
        })
      ).stdout,
    );
    expect([one.threads, two.threads]).toEqual([1, 2]);
    const timing = ({ duration_ms, events_per_s, threads, ...rest }: Record<string, unknown>) => rest; // eslint-disable-line @typescript-eslint/no-unused-vars
    expect(timing(two)).toEqual(timing(one));
    for (const bad of ['0', 'two', '1.5', ''])
      await expect(
        run('node', [REPLAY, '--threads', bad], { env: { ...process.env, DATA_DIR: t.dataDir } }),
      ).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('--threads needs a whole number') });
  });

  it('a forged double sale makes replay exit non-zero and name the stream, revision and events', async () => {
    const stream = `event-${eventId}`;
    const forged = await t.app.store.append(stream, [
      forge('SeatsSold', {
        eventId,
        holdId: 'forged-hold',
        orderId: 'forged-order',
        userId: 'forger',
        seatIds: ['s1:A:2'],
        soldAt: new Date().toISOString(),
        totalCents: 100,
      }),
    ]);
    const failed = await run('node', [REPLAY, '--json', '--threads', '2'], {
      env: { ...process.env, DATA_DIR: t.dataDir },
    }).catch((e) => e);
    expect(failed.code).toBe(1);
    const report = JSON.parse(failed.stdout);
    expect(report.violations).toEqual([
      expect.objectContaining({
        invariant: 'seat_claimed_twice',
        stream,
        revision: forged.nextExpectedRevision,
        position: forged.position,
        events: [
          expect.objectContaining({ type: 'SeatsSold', stream, revision: forged.nextExpectedRevision }),
          expect.objectContaining({ type: 'SeatsSold', stream }),
        ],
      }),
    ]);
    // The text report names it too.
    const text = await run('node', [REPLAY], { env: { ...process.env, DATA_DIR: t.dataDir } }).catch(
      (e) => e,
    );
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(
      `VIOLATION seat_claimed_twice at ${stream} revision ${forged.nextExpectedRevision}`,
    );
  });

  it('a capture with no order makes replay exit non-zero and name it', async () => {
    const stream = `order-forged-${letters()}`;
    const forged = await t.app.store.append(stream, [
      forge('PaymentCaptured', {
        orderId: stream.slice(6),
        captureId: 'cap_forged',
        amountCents: 5000,
        capturedAt: new Date().toISOString(),
      }),
    ]);
    const report = await replay();
    expect(report.ok).toBe(false);
    expect(report.violations).toContainEqual(
      expect.objectContaining({
        invariant: 'capture_without_order',
        stream,
        revision: 0,
        position: forged.position,
      }),
    );
    const failed = await run('node', [REPLAY, '--json', '--threads', '2'], {
      env: { ...process.env, DATA_DIR: t.dataDir },
    }).catch((e) => e);
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout).violations.map((v: { invariant: string }) => v.invariant)).toEqual([
      'seat_claimed_twice',
      'capture_without_order',
    ]);
  });
});

function forge(type: string, data: Record<string, unknown>) {
  return {
    id: uuidv7(),
    type,
    data,
    metadata: { correlationId: 'forged', causationId: 'forged', userId: 'forger', schemaVersion: 1 },
  };
}

/** Letters only: a long run of digits (a timestamp) can look like a card number, which every door refuses. */
function letters(): string {
  return Array.from({ length: 10 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join('');
}

function email(who: string): string {
  return `${who}-${letters()}@example.test`;
}

/** The memory store as a store without `now` (MongoDB) is used: each operation runs a turn of the event loop later. */
function throughPromises(store: MemoryReadStore): ReadStore {
  const later = <T>(operation: () => Promise<T>) =>
    new Promise<void>((resolve) => setImmediate(resolve)).then(operation);
  return {
    durable: false,
    collection: <T extends ReadDocument>(name: string): ReadCollection<T> => {
      const c = store.collection<T>(name);
      return {
        get: (id) => later(() => c.get(id)),
        find: (filter, options) => later(() => c.find(filter, options)),
        count: (filter) => later(() => c.count(filter)),
        put: (doc) => later(() => c.put(doc)),
        update: (id, update, options) => later(() => c.update(id, update, options)),
        delete: (id) => later(() => c.delete(id)),
        all: () => later(() => c.all()),
      };
    },
    collectionNames: () => store.collectionNames(),
    getCheckpoint: (name) => store.getCheckpoint(name),
    setCheckpoint: (name, position) => store.setCheckpoint(name, position),
    reset: () => store.reset(),
    close: () => store.close(),
  };
}

/** The value with every object in it frozen. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
