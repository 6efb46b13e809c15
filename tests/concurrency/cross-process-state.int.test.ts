import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEvent } from '../support/fixtures';
import { addCard, pollUntil } from '../support/purchase';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Two application instances on one SQLite file, as WORKERS=2 runs them (worker 1 runs the jobs and, on the
 * in-process bus, the sagas; worker 2 only serves): each caches the streams it used, and the other moves them on.
 * A command the cached state would refuse must be decided on the stream as it is (a refusal appends nothing, so no
 * expected revision catches the stale cache); an order is decided on the hold as its stream has it now; a saga
 * step sees the event it was sent for, whoever wrote it.
 */
describe('a refusal is never decided on a cache another process moved past', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketing-stale-'));
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    a = await startTestApp({ dataDir });
    b = await startTestApp({ dataDir });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('a seat released through one instance can be reserved at once through the other', async () => {
    const { eventId } = await createEvent(a.call, await a.adminToken(), { restrictSingleSeat: false });
    const first = a.mintToken('first-fan');
    const held = await a.call('POST', '/v1/seats/reserve', {
      token: first,
      body: { event_id: eventId, seat_ids: ['s1:A:1'] },
    });
    expect(held.status).toBe(201);
    // Instance a now caches the event stream with s1:A:1 held.

    const released = await b.call('DELETE', `/v1/reservations/${held.body.reservation_id}`, { token: first });
    expect(released.status).toBe(204);

    const staleBefore = a.app.ticketedEvents.stats.staleRefusals;
    const again = await a.call('POST', '/v1/seats/reserve', {
      token: a.mintToken('second-fan'),
      body: { event_id: eventId, seat_ids: ['s1:A:1'] },
    });
    expect([again.status, again.body.error?.code]).toEqual([201, undefined]);
    expect(a.app.ticketedEvents.stats.staleRefusals).toBe(staleBefore + 1);

    // A refusal that stands is still a refusal (and costs no more than one short read).
    const taken = await b.call('POST', '/v1/seats/reserve', {
      token: b.mintToken('third-fan'),
      body: { event_id: eventId, seat_ids: ['s1:A:1'] },
    });
    expect([taken.status, taken.body.error?.code]).toEqual([409, 'SEATS_UNAVAILABLE']);
  });
});

describe('a purchase across two workers (worker 2 serves, worker 1 runs the sagas)', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketing-slots-'));
  let one: TestApp;
  let two: TestApp;

  beforeAll(async () => {
    one = await startTestApp({ dataDir, overrides: { workerSlot: 1 } });
    two = await startTestApp({ dataDir, overrides: { workerSlot: 2 } });
  });
  afterAll(async () => {
    await one.close();
    await two.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('holds in one, orders and cancels in the other: confirmed, then refunded', async () => {
    expect([one.app.runsJobs, two.app.runsJobs]).toEqual([true, false]);
    const { eventId } = await createEvent(one.call, await one.adminToken(), { restrictSingleSeat: false });
    const { token } = await two.customerToken();
    const card = await addCard(two.call, token);

    // Worker 2 caches the event's stream (a hold of its own), then worker 1 holds the seats to be ordered.
    const warm = await two.call('POST', '/v1/seats/reserve', {
      token,
      body: { event_id: eventId, seat_ids: ['s1:B:9'] },
    });
    expect(warm.status).toBe(201);
    const hold = await one.call('POST', '/v1/seats/reserve', {
      token,
      body: { event_id: eventId, seat_ids: ['s1:A:1', 's1:A:2'] },
    });
    expect(hold.status).toBe(201);
    const placed = await two.call('POST', '/v1/orders', {
      token,
      body: { reservation_id: hold.body.reservation_id, payment_method_id: card, delivery_method: 'MOBILE' },
    });
    expect([placed.status, placed.body.error?.code]).toEqual([201, undefined]);
    const orderPath = `/v1/orders/${placed.body.order_id}`;
    const confirmed = await pollUntil(two.call, orderPath, token, (r) => r.body.status !== 'PENDING');
    expect(confirmed.body.status).toBe('CONFIRMED');
    // Only worker 1's sagas ran: worker 2 forwarded and processed nothing.
    expect(two.app.forwarder.forwarded).toBe(0);
    expect(one.app.forwarder.forwarded).toBeGreaterThan(0);

    // Worker 2 cached the order as it placed it (PENDING): its cancel must see the confirmation worker 1 wrote.
    const cancelled = await two.call('POST', `${orderPath}/cancel`, { token, body: {} });
    expect([cancelled.status, cancelled.body.error?.code]).toEqual([200, undefined]);
    // Worker 1 cached the order as CONFIRMED: its cancellation saga must see worker 2's cancellation.
    const refunded = await pollUntil(two.call, orderPath, token, (r) => r.body.payment_status === 'REFUNDED');
    expect(refunded.body.status).toBe('CANCELLED');
  }, 60_000);
});
