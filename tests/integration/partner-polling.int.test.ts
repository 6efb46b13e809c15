import type { RecordedEvent } from '../../src/application/ports/event-store';
import type { ApiResponse } from '../support/http';
import { burst } from '../support/burst';
import { replaySeats } from '../support/log-audit';
import { createPartnerClient } from '../support/partner-client';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Load on one event's partner carts: past the queue-depth threshold cart calls answer 202 and run in the
 * background; every call, answered directly or through polling, must have run exactly once. The log is the
 * judge: each request id has exactly one event of its kind, and what polling answered is what the log recorded.
 */

const THRESHOLD = 8;
const FIRST_WAVE = 240;
const SECOND_WAVE_CREATES = 120;

interface Call {
  requestId: string;
  partner: string;
  first: ApiResponse;
  /** The command's own answer: the first response, or what polling returned once it was ready. */
  final?: ApiResponse;
}

describe('partner cart calls under load: 202 polling past the threshold, each command exactly once', () => {
  let t: TestApp;
  let eventId: string;
  /** Three partner clients (ids), with quotas large enough for the load and its polling. */
  let PARTNERS: string[];
  const tokens = new Map<string, string>();
  const token = (partner: string) => tokens.get(partner)!;

  beforeAll(async () => {
    t = await startTestApp({ env: { PARTNER_POLLING_QUEUE_DEPTH: String(THRESHOLD) } });
    const admin = await t.adminToken();
    PARTNERS = [];
    for (const name of ['Load A', 'Load B', 'Load C']) {
      const client = await createPartnerClient(t, { name, quota_per_hour: 1_000_000 });
      PARTNERS.push(client.partnerId);
      tokens.set(client.partnerId, client.token);
    }
    const sections = Array.from({ length: 10 }, (_, i) => ({
      name: `S${i + 1}`,
      rows: Array.from({ length: 10 }, (_, r) => ({ row: String.fromCharCode(65 + r), seats: 20 })),
    }));
    const venue = await t.call('POST', '/v1/admin/venues', {
      token: admin,
      body: { name: 'Load Dome', city: 'Springfield', state: 'IL', country: 'US', sections },
    });
    expect(venue.status).toBe(201);
    const event = await t.call('POST', '/v1/admin/events', {
      token: admin,
      body: {
        name: 'Polling Under Load',
        artist: 'The Queues',
        category: 'Concert',
        venue_id: venue.body.venue_id,
        date: '2031-08-15T19:00:00Z',
        general_sale_start: '2020-01-01T10:00:00Z',
        pricing_tiers: [{ name: 'All', price: 50, fees: 5, sections: sections.map((s) => s.name) }],
        restrict_single_seat: false,
        shipping_options: [
          { shipping_id: 'ETICKET', name: 'Mobile ticket', price: 0 },
          { shipping_id: 'MAIL', name: 'Mail', price: 4 },
        ],
      },
    });
    expect(event.status).toBe(201);
    eventId = event.body.event_id;
    expect((await t.call('POST', `/v1/admin/events/${eventId}/publish`, { token: admin })).status).toBe(200);
  });
  afterAll(() => t?.close());

  /** Sends the calls together (a burst from another thread); an answer is final unless it is a 202. */
  async function sendAll(
    calls: Array<{ requestId: string; partner: string; method: string; path: string; body?: unknown }>,
  ): Promise<Call[]> {
    const answers = await burst(
      t.baseUrl,
      calls.map((c) => ({
        method: c.method,
        path: c.path,
        token: token(c.partner),
        body: c.body,
        headers: { 'X-Request-Id': c.requestId },
      })),
    );
    return calls.map((c, i) => ({
      requestId: c.requestId,
      partner: c.partner,
      first: answers[i],
      ...(answers[i].status === 202 ? {} : { final: answers[i] }),
    }));
  }

  /** Polls every accepted call until its answer is ready (no deadline of its own: jest's timeout bounds it). */
  async function settle(calls: Call[]): Promise<void> {
    for (const call of calls.filter((c) => c.first.status === 202)) {
      expect(call.first.body).toEqual({
        polling_url: expect.stringMatching(/^\/partners\/v1\/polling\/[a-z]{26}$/),
        wait: expect.any(Number),
      });
      for (;;) {
        const res = await t.call('GET', call.first.body.polling_url, { token: token(call.partner) });
        if (res.status !== 202) {
          call.final = res;
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  }

  const byRequest = (events: RecordedEvent[], type: string) => {
    const map = new Map<string, RecordedEvent[]>();
    for (const e of events.filter((x) => x.type === type)) {
      const id = String(e.metadata.requestId);
      map.set(id, [...(map.get(id) ?? []), e]);
    }
    return map;
  };

  it('answers 202 past the threshold, and every create, delete and shipping choice runs exactly once', async () => {
    const cartPath = `/partners/v1/events/${eventId}/cart`;
    const createBody = { tier_id: `${eventId}-t1`, quantity: 2 };

    // Wave 1: many carts at once on one event.
    const create = (i: number) => ({
      requestId: `load-create-${i}`,
      partner: PARTNERS[i % PARTNERS.length],
      method: 'POST',
      path: cartPath,
      body: createBody,
    });
    const wave1 = await sendAll(Array.from({ length: FIRST_WAVE }, (_, i) => create(i)));
    const polled1 = wave1.filter((c) => c.first.status === 202).length;
    await settle(wave1);
    expect(wave1.map((c) => c.final!.status)).toEqual(wave1.map(() => 201));

    // Wave 2: more carts, while half of wave 1's carts are deleted and the other half choose shipping.
    const carts = wave1.map((c) => ({ partner: c.partner, cartId: c.final!.body.cart_id as string }));
    const half = carts.length / 2;
    const wave2 = await sendAll([
      ...Array.from({ length: SECOND_WAVE_CREATES }, (_, i) => create(FIRST_WAVE + i)),
      ...carts.slice(0, half).map((c, i) => ({
        requestId: `load-delete-${i}`,
        partner: c.partner,
        method: 'DELETE',
        path: `${cartPath}?cart_id=${c.cartId}`,
      })),
      ...carts.slice(half).map((c, i) => ({
        requestId: `load-ship-${i}`,
        partner: c.partner,
        method: 'PUT',
        path: `${cartPath}/shipping?cart_id=${c.cartId}`,
        body: { shipping_id: 'MAIL' },
      })),
    ]);
    const polled2 = wave2.filter((c) => c.first.status === 202).length;
    await settle(wave2);
    await t.app.polledCommands.idle();

    // Polling did kick in, and not for everything: the first calls of a wave meet an idle queue.
    const all = [...wave1, ...wave2];
    const polled = polled1 + polled2;
    console.log(
      `partner polling load: ${polled} of ${all.length} cart calls answered 202 (threshold ${THRESHOLD})`,
    );
    expect(polled).toBeGreaterThan(0);
    expect(polled).toBeLessThan(all.length);
    expect(polled1).toBeGreaterThan(0);

    const expected = (prefix: string) => all.filter((c) => c.requestId.startsWith(prefix));
    const creates = expected('load-create-');
    const deletes = expected('load-delete-');
    const shipping = expected('load-ship-');
    expect(creates.map((c) => c.final!.status)).toEqual(creates.map(() => 201));
    expect(deletes.map((c) => c.final!.status)).toEqual(deletes.map(() => 204));
    expect(shipping.map((c) => c.final!.status)).toEqual(shipping.map(() => 200));

    // The log: exactly one event of each kind per request, none without a request behind it.
    const events = await t.app.store.readAll({ maxCount: 1_000_000 });
    const created = byRequest(events, 'CartCreated');
    const held = byRequest(events, 'SeatsHeld');
    const deleted = byRequest(events, 'CartDeleted');
    const shipped = byRequest(events, 'CartShippingSet');
    const once = (map: Map<string, RecordedEvent[]>, calls: Call[]) => {
      expect([...map.keys()].sort()).toEqual(calls.map((c) => c.requestId).sort());
      for (const [id, list] of map) expect([id, list.length]).toEqual([id, 1]);
    };
    once(created, creates);
    once(held, creates);
    once(deleted, deletes);
    once(shipped, shipping);

    // What each call was answered (directly or by polling) is what the log recorded for it.
    for (const call of creates) {
      const event = created.get(call.requestId)![0];
      const data = event.data as { cartId: string; partnerId: string; seats: Array<{ seatId: string }> };
      expect(call.final!.body.cart_id).toBe(data.cartId);
      expect(data.partnerId).toBe(call.partner);
      expect(call.final!.body.seats.map((s: { seat_id: string }) => s.seat_id)).toEqual(
        data.seats.map((s) => s.seatId),
      );
    }
    for (const call of shipping) expect(call.final!.body.shipping).toEqual({ shipping_id: 'MAIL', price: 4 });

    // And no seat was ever held twice.
    const ledger = await replaySeats(t.app.store);
    expect(ledger.violations).toEqual([]);
  });
});
