import { ManualClock } from '../../src/infrastructure/clock/system-clock';
import type { ApiCall } from '../support/http';
import { encryptedPayment, fetchCertificate } from '../support/partner-card';
import { createPartnerClient } from '../support/partner-client';
import { pollUntil } from '../support/purchase';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Issue 11 item 8: the test event `000051048D991EE7` bought end to end by a partner with the test card, as a new
 * partner would from the FAQ and DESIGN.md Part B: a registered client's token (client_credentials), events,
 * details, availability, captcha, cart (best available), shipping options, certificate and encrypted payment,
 * shipping choice, commit, the order polled until CONFIRMED with a barcode per ticket. And the FAQ's "Fulfillment"
 * answer: an event that does not emit barcodes gives tickets without a barcode_id.
 */
const TEST_EVENT = '000051048D991EE7';

/** The partner test event and its venue through the admin API, as `npm run seed` (scripts/seed.ts) makes them. */
async function createTestEvent(
  call: ApiCall,
  admin: string,
  options: { eventId?: string; emitsBarcodes?: boolean } = {},
): Promise<string> {
  const rows = (labels: string[], seats: number) => labels.map((row) => ({ row, seats }));
  const venue = await call('POST', '/v1/admin/venues', {
    token: admin,
    body: {
      name: 'Madison Square Garden',
      city: 'New York',
      state: 'NY',
      country: 'US',
      sections: [
        { name: 'Floor', rows: rows(['A', 'B', 'C', 'D', 'E'], 20) },
        { name: 'Lower Bowl', rows: rows(['A', 'B', 'C', 'D', 'E', 'F'], 30) },
        { name: 'Upper Bowl', rows: rows(['A', 'B', 'C', 'D'], 40) },
      ],
    },
  });
  expect(venue.status).toBe(201);
  const event = await call('POST', '/v1/admin/events', {
    token: admin,
    body: {
      ...(options.eventId ? { event_id: options.eventId } : {}),
      name: 'Partner API Test Event',
      artist: 'Test Artist',
      description: 'Partner API Test Event (demo data)',
      category: 'Concert',
      venue_id: venue.body.venue_id,
      date: '2027-12-31T20:00:00.000Z',
      doors_open: '2027-12-31T19:00:00.000Z',
      general_sale_start: '2026-01-01T10:00:00.000Z',
      pricing_tiers: [
        { name: 'Floor', price: 500, fees: 75, sections: ['Floor'] },
        { name: 'Lower Bowl', price: 250, fees: 37.5, sections: ['Lower Bowl'] },
        { name: 'Upper Bowl', price: 150, fees: 22.5, sections: ['Upper Bowl'] },
      ],
      max_tickets_per_order: 8,
      restrict_single_seat: true,
      ...(options.emitsBarcodes === false ? { emits_barcodes: false } : {}),
    },
  });
  expect(event.status).toBe(201);
  const eventId = event.body.event_id as string;
  expect((await call('POST', `/v1/admin/events/${eventId}/publish`, { token: admin })).status).toBe(200);
  return eventId;
}

describe('a partner buys the test event end to end', () => {
  let t: TestApp;
  let admin: string;
  let token: string;
  const clock = new ManualClock('2026-06-01T12:00:00Z');

  /** A cart bought with the test card through every partner call; answers the confirmed order. */
  async function buy(eventId: string, tierId: string, quantity: number) {
    const cart = await t.call('POST', `/partners/v1/events/${eventId}/cart`, {
      token,
      body: { tier_id: tierId, quantity },
    });
    expect(cart.status).toBe(201);
    const cartId = cart.body.cart_id as string;

    const options = await t.call('GET', `/partners/v1/events/${eventId}/cart/shipping?cart_id=${cartId}`, {
      token,
    });
    expect(options.status).toBe(200);
    expect(options.body.shipping_options).toEqual([
      { shipping_id: 'ETICKET', name: 'Mobile ticket', price: 0 },
    ]);

    const certificate = await fetchCertificate(t.call, token);
    const paid = await t.call('PUT', `/partners/v1/events/${eventId}/cart/payment`, {
      token,
      body: encryptedPayment(certificate, cartId),
    });
    expect(paid.status).toBe(200);
    expect(paid.body.payment).toMatchObject({ brand: 'Visa', last4: '4242' });

    const shipped = await t.call('PUT', `/partners/v1/events/${eventId}/cart/shipping?cart_id=${cartId}`, {
      token,
      body: { shipping_id: 'ETICKET' },
    });
    expect(shipped.status).toBe(200);
    expect(shipped.body.shipping).toEqual({ shipping_id: 'ETICKET', price: 0 });

    const committed = await t.call('PUT', `/partners/v1/events/${eventId}/cart`, {
      token,
      body: { cart_id: cartId },
    });
    expect(committed.status).toBe(201);
    expect(committed.body.grand_total).toBe(cart.body.totals.grand_total);

    const order = await pollUntil(
      t.call,
      `/partners/v1/orders/${committed.body.order_id}`,
      token,
      (r) => r.status === 200 && r.body.status === 'CONFIRMED' && r.body.tickets.length === quantity,
    );
    return { cart: cart.body, order: order.body };
  }

  beforeAll(async () => {
    t = await startTestApp({ clock });
    admin = await t.adminToken();
    // A new partner: registered by an admin, its token from POST /oauth/token (client_credentials).
    ({ token } = await createPartnerClient(t, { name: 'E2E Tickets' }));
  });
  afterAll(() => t?.close());

  it(`buys two seats of ${TEST_EVENT} with the test card; the tickets carry barcodes`, async () => {
    const eventId = await createTestEvent(t.call, admin, { eventId: TEST_EVENT });
    expect(eventId).toBe(TEST_EVENT);
    const read = { headers: { 'x-min-log-position': String(await t.app.store.headPosition()) }, token };

    // What a partner looks at first: the events it may sell, the test event's details and availability.
    const events = await t.call('GET', '/partners/v1/events', read);
    expect(events.status).toBe(200);
    expect(events.body.events.map((e: { event_id: string }) => e.event_id)).toContain(TEST_EVENT);
    const details = await t.call('GET', `/partners/v1/events/${TEST_EVENT}`, read);
    expect(details.status).toBe(200);
    expect(details.body).toMatchObject({
      event_id: TEST_EVENT,
      onsale: { start: '2026-01-01T10:00:00.000Z' },
      restrict_single_seat: true,
      emits_barcodes: true,
      captcha_required: false,
    });
    const availability = await t.call('GET', `/partners/v1/events/${TEST_EVENT}/availability`, read);
    expect(availability.status).toBe(200);
    expect(availability.body.price_levels[1]).toMatchObject({
      tier_id: `${TEST_EVENT}-t2`,
      name: 'Lower Bowl',
      available_seats: 180,
    });
    // The captcha a partner's page would show (this event does not require one for carts).
    const captcha = await t.call('GET', '/partners/v1/captcha', { token });
    expect(captcha.status).toBe(200);
    expect(captcha.body.challenge).toMatchObject({ algorithm: 'SHA-256' });

    const { cart, order } = await buy(TEST_EVENT, `${TEST_EVENT}-t2`, 2);
    // Best available in Lower Bowl: its front row, together.
    expect(cart.seats).toEqual([
      { section: 'Lower Bowl', row: 'A', seat: '1', seat_id: 's2:A:1' },
      { section: 'Lower Bowl', row: 'A', seat: '2', seat_id: 's2:A:2' },
    ]);
    expect(cart.totals).toEqual({ subtotal: 500, fees: 75, shipping: 0, taxes: 45, grand_total: 620 });
    expect(order).toMatchObject({
      event_id: TEST_EVENT,
      status: 'CONFIRMED',
      payment_status: 'CAPTURED',
      shipping_id: 'ETICKET',
      totals: { grand_total: 620 },
    });
    expect(order.tickets.map((ticket: { seat_id: string }) => ticket.seat_id).sort()).toEqual([
      's2:A:1',
      's2:A:2',
    ]);
    for (const ticket of order.tickets) expect(ticket.barcode_id).toMatch(/^[1-9]\d{11}$/);
    // The seats are sold to the cart: the next cart gets the next best ones.
    const next = await t.call('POST', `/partners/v1/events/${TEST_EVENT}/cart`, {
      token,
      body: { section_id: 's2', quantity: 2 },
    });
    expect(next.body.seats.map((s: { seat_id: string }) => s.seat_id)).toEqual(['s2:A:3', 's2:A:4']);
    expect(
      (
        await t.call('DELETE', `/partners/v1/events/${TEST_EVENT}/cart?cart_id=${next.body.cart_id}`, {
          token,
        })
      ).status,
    ).toBe(204);
  });

  it('FAQ "Fulfillment": an event that does not emit barcodes gives tickets without a barcode_id key', async () => {
    const eventId = await createTestEvent(t.call, admin, { emitsBarcodes: false });
    const { order } = await buy(eventId, `${eventId}-t3`, 2);
    expect(order.tickets).toHaveLength(2);
    for (const ticket of order.tickets) {
      expect(ticket).not.toHaveProperty('barcode_id');
      expect(ticket).toMatchObject({ status: 'ACTIVE', section: 'Upper Bowl', row: 'A' });
    }
  });
});
