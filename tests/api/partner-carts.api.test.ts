import { checkInvariants } from '../../src/application/audit/invariants';
import { systemMetadata } from '../../src/application/shared/command-metadata';
import { orderIdFor } from '../../src/application/orders/order-service';
import { ManualClock } from '../../src/infrastructure/clock/system-clock';
import { createEvent } from '../support/fixtures';
import type { ApiResponse } from '../support/http';
import { cartHoldId, testCard } from '../support/partner';
import { createPartnerClient } from '../support/partner-client';
import { pollUntil, reserve } from '../support/purchase';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Partner carts over HTTP (/partners/v1): best available seats, the FAQ's reserve and commit rules, commit into an
 * order through the consumer order path, delete, and the partner's order with its barcodes.
 */
const PARTNER_HOLD_SECONDS = 300;
const INVALID_RESERVE = 'Invalid reserve request data structure';

describe('partner carts over HTTP', () => {
  let t: TestApp;
  let admin: string;
  const clock = new ManualClock('2026-06-01T12:00:00Z');
  let partner: string;
  let other: string;
  let token: string;
  let eventId: string;

  const createCart = (body: object, event = eventId, as = token) =>
    t.call('POST', `/partners/v1/events/${event}/cart`, { token: as, body });
  const pay = (cartId: string, card = testCard(), event = eventId, as = partner) =>
    t.app.partnerCarts.setPayment(event, cartId, as, card, systemMetadata(as, `pay-${cartId}`));
  const commit = (cartId: string, event = eventId, as = token) =>
    t.call('PUT', `/partners/v1/events/${event}/cart`, { token: as, body: { cart_id: cartId } });
  const remove = (cartId: string, event = eventId, as = token) =>
    t.call('DELETE', `/partners/v1/events/${event}/cart?cart_id=${cartId}`, { token: as });

  beforeAll(async () => {
    t = await startTestApp({
      clock,
      env: { PARTNER_HOLD_SECONDS: String(PARTNER_HOLD_SECONDS), HOLD_SECONDS: '600', EXPIRY_SWEEP_MS: '50' },
    });
    admin = await t.adminToken();
    ({ partnerId: partner, token } = await createPartnerClient(t, { name: 'Alpha Tickets' }));
    other = (await createPartnerClient(t, { name: 'Beta Tickets' })).token;
    // Floor (s1): A(6) B(6); Balcony (s2): A(4); restrict single seat off unless a test says otherwise.
    ({ eventId } = await createEvent(t.call, admin, {
      sections: [
        {
          name: 'Floor',
          rows: [
            { row: 'A', seats: 6 },
            { row: 'B', seats: 6 },
          ],
        },
        { name: 'Balcony', rows: [{ row: 'A', seats: 4 }] },
      ],
      restrictSingleSeat: false,
    }));
  });
  afterAll(() => t?.close());

  it('reserves the best seats together for a quantity in a price level, with the hold time', async () => {
    const res = await createCart({ tier_id: `${eventId}-t1`, quantity: 3 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      event_id: eventId,
      status: 'OPEN',
      hold_time: PARTNER_HOLD_SECONDS,
      seats: [
        { section: 'Floor', row: 'A', seat: '1', seat_id: 's1:A:1' },
        { section: 'Floor', row: 'A', seat: '2', seat_id: 's1:A:2' },
        { section: 'Floor', row: 'A', seat: '3', seat_id: 's1:A:3' },
      ],
      totals: { subtotal: 450, fees: 67.5, shipping: 0, taxes: 40.5, grand_total: 558 },
      payment: null,
      shipping: null,
      order_id: null,
    });
    // The next cart gets the next best seats: row A has 3 left, 4 go to row B together.
    const next = await createCart({ tier_id: `${eventId}-t1`, quantity: 4 });
    expect(next.body.seats.map((s: { seat_id: string }) => s.seat_id)).toEqual([
      's1:B:1',
      's1:B:2',
      's1:B:3',
      's1:B:4',
    ]);
    // Both carts are deleted: their seats are free again for the tests below.
    expect((await remove(res.body.cart_id)).status).toBe(204);
    expect((await remove(next.body.cart_id)).status).toBe(204);
  });

  it('FAQ "No inventory found": 404 when the price level or section has nothing left', async () => {
    const taken = await createCart({ section_id: 's2', quantity: 4 });
    expect(taken.status).toBe(201);
    const none = await createCart({ section_id: 's2', quantity: 1 });
    expect(none.status).toBe(404);
    expect(none.body.error).toMatchObject({ code: 'NO_INVENTORY', message: 'No inventory found' });
    expect((await remove(taken.body.cart_id)).status).toBe(204);
  });

  it('FAQ "seats available vs. requested": 409 NOT_ENOUGH_INVENTORY names both, and holds nothing', async () => {
    const fan = t.mintToken('fan-balcony');
    await reserve(t.call, fan, eventId, ['s2:A:1']);
    const res = await createCart({ section_id: 's2', quantity: 4 });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({
      code: 'NOT_ENOUGH_INVENTORY',
      details: { available: 3, requested: 4, section_id: 's2' },
    });
    // Nothing was held: the three free seats are still there for a cart of three.
    const three = await createCart({ section_id: 's2', quantity: 3 });
    expect(three.status).toBe(201);
    expect(three.body.seats.map((s: { seat_id: string }) => s.seat_id)).toEqual([
      's2:A:2',
      's2:A:3',
      's2:A:4',
    ]);
    expect((await remove(three.body.cart_id)).status).toBe(204);
  });

  it('FAQ "restrict single": no choice may leave one seat alone (422 SINGLE_SEAT_GAP)', async () => {
    const { eventId: strict } = await createEvent(t.call, admin, {
      sections: [{ name: 'Floor', rows: [{ row: 'A', seats: 4 }] }],
      tiers: [{ name: 'Floor', price: 50, fees: 5, sections: ['Floor'] }],
      restrictSingleSeat: true,
    });
    const res = await createCart({ tier_id: `${strict}-t1`, quantity: 3 }, strict);
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({
      code: 'SINGLE_SEAT_GAP',
      details: { available: 4, requested: 3 },
    });
    // Two or four are fine.
    const two = await createCart({ tier_id: `${strict}-t1`, quantity: 2 }, strict);
    expect(two.body.seats.map((s: { seat_id: string }) => s.seat_id)).toEqual(['s1:A:1', 's1:A:2']);
  });

  it('FAQ "onsale dates": before the sale opens the cart is refused (422 SALE_NOT_OPEN)', async () => {
    const { eventId: later } = await createEvent(t.call, admin, { generalSaleStart: '2026-07-01T10:00:00Z' });
    const res = await createCart({ tier_id: `${later}-t1`, quantity: 2 }, later);
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({
      code: 'SALE_NOT_OPEN',
      details: { opens_at: '2026-07-01T10:00:00.000Z' },
    });
  });

  it('more than the event allows per order (422), tier and section both or neither (400)', async () => {
    const over = await createCart({ tier_id: `${eventId}-t1`, quantity: 9 });
    expect([over.status, over.body.error.code]).toEqual([422, 'PURCHASE_LIMIT_EXCEEDED']);
    const both = await createCart({ tier_id: `${eventId}-t1`, section_id: 's1', quantity: 1 });
    expect([both.status, both.body.error.code]).toEqual([400, 'VALIDATION_ERROR']);
    const neither = await createCart({ quantity: 1 });
    expect([neither.status, neither.body.error.code]).toEqual([400, 'VALIDATION_ERROR']);
    const unknownTier = await createCart({ tier_id: 'nope', quantity: 1 });
    expect([unknownTier.status, unknownTier.body.error.code]).toEqual([404, 'TIER_NOT_FOUND']);
    const unpublished = await createEvent(t.call, admin, { publish: false });
    const hidden = await createCart(
      { tier_id: `${unpublished.eventId}-t1`, quantity: 1 },
      unpublished.eventId,
    );
    expect([hidden.status, hidden.body.error.code]).toEqual([404, 'EVENT_NOT_FOUND']);
  });

  it('an Idempotency-Key makes a retried cart creation answer the same cart, holding nothing more', async () => {
    const headers = { 'idempotency-key': 'partner-retry-1' };
    const body = { section_id: 's2', quantity: 1 };
    const first = await t.call('POST', `/partners/v1/events/${eventId}/cart`, { token, body, headers });
    const again = await t.call('POST', `/partners/v1/events/${eventId}/cart`, { token, body, headers });
    expect(first.status).toBe(201);
    expect([again.status, again.body.cart_id, again.headers.get('idempotent-replayed')]).toEqual([
      201,
      first.body.cart_id,
      'true',
    ]);
    const holds = (await t.app.store.readStream(`event-${eventId}`)).filter(
      (e) => e.type === 'SeatsHeld' && (e.data as { userId: string }).userId === `cart:${first.body.cart_id}`,
    );
    expect(holds).toHaveLength(1);
    expect((await remove(first.body.cart_id)).status).toBe(204);
  });

  it('only partner tokens: a fan gets 403, no token 401', async () => {
    const fan = await createCart({ tier_id: `${eventId}-t1`, quantity: 1 }, eventId, t.mintToken('fan-x'));
    expect([fan.status, fan.body.error.code]).toEqual([403, 'FORBIDDEN']);
    const anonymous = await t.call('POST', `/partners/v1/events/${eventId}/cart`, {
      body: { tier_id: `${eventId}-t1`, quantity: 1 },
    });
    expect(anonymous.status).toBe(401);
  });

  it('FAQ "Invalid reserve request data structure": a commit with the wrong method or body', async () => {
    const cart = await createCart({ section_id: 's2', quantity: 1 });
    const cartId = cart.body.cart_id as string;
    const path = `/partners/v1/events/${eventId}/cart`;
    const attempts = [
      t.call('PATCH', path, { token, body: { cart_id: cartId } }),
      t.call('POST', path, { token, body: { cart_id: cartId } }),
      t.call('PUT', path, { token, body: {} }),
      t.call('PUT', path, { token }),
      t.call('PUT', path, { token, body: { cart_id: 'not-a-cart' } }),
      t.call('PUT', path, { token, body: { cart_id: cartId, quantity: 2 } }),
      t.call('PUT', path, { token, body: { cartId } }),
      t.call('PUT', `${path}?cart_id=${cartId}`, { token }),
    ];
    for (const res of await Promise.all(attempts)) {
      expect([res.status, res.body.error.code, res.body.error.message]).toEqual([
        400,
        'INVALID_RESERVE_REQUEST',
        INVALID_RESERVE,
      ]);
    }
    // A well-formed commit of that cart without payment is refused for what it lacks instead.
    const incomplete = await commit(cartId);
    expect(incomplete.status).toBe(409);
    expect(incomplete.body.error).toMatchObject({
      code: 'CART_INCOMPLETE',
      details: { missing: ['payment'] },
    });
    expect((await remove(cartId)).status).toBe(204);
  });

  it('FAQ: every malformed request on the cart path, and every method that is not a cart operation, is that 400', async () => {
    const cart = await createCart({ section_id: 's2', quantity: 1 });
    const cartId = cart.body.cart_id as string;
    const path = `/partners/v1/events/${eventId}/cart`;
    const json = { 'content-type': 'application/json' };
    const attempts: Array<[string, Promise<ApiResponse>, string]> = [
      [
        'PUT malformed JSON',
        t.call('PUT', path, { token, rawBody: '{"cart_id": ', headers: json }),
        'INVALID_JSON',
      ],
      [
        'PUT repeated key',
        t.call('PUT', path, {
          token,
          rawBody: `{"cart_id":"${cartId}","cart_id":"${cartId}"}`,
          headers: json,
        }),
        'INVALID_JSON',
      ],
      [
        'PUT form body',
        t.call('PUT', path, {
          token,
          rawBody: `cart_id=${cartId}`,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        }),
        'UNSUPPORTED_MEDIA_TYPE',
      ],
      [
        'POST text body',
        t.call('POST', path, {
          token,
          rawBody: 'two seats please',
          headers: { 'content-type': 'text/plain' },
        }),
        'UNSUPPORTED_MEDIA_TYPE',
      ],
      [
        'POST quantity 0',
        t.call('POST', path, { token, body: { section_id: 's1', quantity: 0 } }),
        'VALIDATION_ERROR',
      ],
      [
        'POST tier and section',
        createCart({ tier_id: `${eventId}-t1`, section_id: 's1', quantity: 1 }),
        'VALIDATION_ERROR',
      ],
      [
        'DELETE cart_id in the body',
        t.call('DELETE', path, { token, body: { cart_id: cartId } }),
        'VALIDATION_ERROR',
      ],
      ['DELETE no cart_id', t.call('DELETE', path, { token }), 'VALIDATION_ERROR'],
      ['GET', t.call('GET', path, { token }), 'INVALID_RESERVE_REQUEST'],
      [
        'GET with a cart_id',
        t.call('GET', `${path}?cart_id=${cartId}`, { token }),
        'INVALID_RESERVE_REQUEST',
      ],
      ['PATCH malformed JSON', t.call('PATCH', path, { token, rawBody: '{', headers: json }), 'INVALID_JSON'],
    ];
    for (const [what, pending, code] of attempts) {
      const res = await pending;
      expect([what, res.status, res.body.error.code, res.body.error.message]).toEqual([
        what,
        400,
        code,
        INVALID_RESERVE,
      ]);
      expect(typeof res.body.error.details.reason).toBe('string');
    }
    // HEAD is GET without a body: the same refusal.
    expect(
      (await fetch(`${t.baseUrl}${path}`, { method: 'HEAD', headers: { authorization: `Bearer ${token}` } }))
        .status,
    ).toBe(400);
    // Elsewhere an undeclared method is still 404 ROUTE_NOT_FOUND, and a body that is not JSON 415 or 400 as ever.
    const elsewhere = await t.call('PATCH', `/partners/v1/events/${eventId}`, { token });
    expect([elsewhere.status, elsewhere.body.error.code]).toEqual([404, 'ROUTE_NOT_FOUND']);
    const shipping = await t.call('PUT', `/partners/v1/events/${eventId}/cart/shipping?cart_id=${cartId}`, {
      token,
      rawBody: 'shipping_id=ETICKET',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect([shipping.status, shipping.body.error.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    // Nothing above touched the cart: it is still open, and deletes.
    expect((await remove(cartId)).status).toBe(204);
  });

  it('the document declares X-Force-Polling on every pollable cart call, and one cart_id pattern on every cart route', async () => {
    interface Parameter {
      $ref?: string;
      name?: string;
      schema?: unknown;
    }
    interface Operation {
      parameters?: Parameter[];
      responses: Record<string, unknown>;
      requestBody?: { content?: Record<string, { schema?: { $ref?: string } }> };
    }
    const doc = (await t.call('GET', '/openapi.json')).body;
    const resolve = (p: Parameter): Parameter =>
      p.$ref ? doc.components.parameters[p.$ref.split('/').pop()!] : p;
    const polled: string[] = [];
    const cartIdSchemas = new Set<string>();
    for (const [template, item] of Object.entries<Record<string, Operation>>(doc.paths)) {
      if (!template.startsWith('/partners/v1/')) continue;
      for (const [method, operation] of Object.entries(item)) {
        const parameters = (operation.parameters ?? []).map(resolve);
        if (operation.responses['202'] && template !== '/partners/v1/polling/{poll_id}') {
          polled.push(`${method} ${template}`);
          const forced = parameters.some((p) => p.name === 'X-Force-Polling');
          expect([method, template, forced]).toEqual([method, template, true]);
        }
        for (const p of parameters) if (p.name === 'cart_id') cartIdSchemas.add(JSON.stringify(p.schema));
        const body = operation.requestBody?.content?.['application/json']?.schema?.$ref?.split('/').pop();
        const cartId = body && doc.components.schemas[body].properties?.cart_id;
        if (cartId) cartIdSchemas.add(JSON.stringify(cartId));
      }
    }
    expect(polled.sort()).toEqual([
      'delete /partners/v1/events/{event_id}/cart',
      'post /partners/v1/events/{event_id}/cart',
      'put /partners/v1/events/{event_id}/cart',
      'put /partners/v1/events/{event_id}/cart/payment',
      'put /partners/v1/events/{event_id}/cart/shipping',
    ]);
    expect([...cartIdSchemas]).toHaveLength(1);
    expect(JSON.parse([...cartIdSchemas][0])).toMatchObject({ format: 'uuid' });
  });

  it('commit: the order through the consumer path, once; the partner reads it with its barcodes', async () => {
    const cart = await createCart({ tier_id: `${eventId}-t1`, quantity: 2 });
    const cartId = cart.body.cart_id as string;
    const paid = await pay(cartId);
    expect(paid.cart.payment).toEqual({ brand: 'Visa', last4: '4242', exp_month: 12, exp_year: 2035 });

    const committed = await commit(cartId);
    expect(committed.status).toBe(201);
    expect(committed.body).toEqual({
      order_id: expect.any(String),
      order_number: expect.stringMatching(/^\d{4}-\d{4}-\d{4}$/),
      grand_total: 372,
    });
    // Again: the same order, nothing new.
    const again = await commit(cartId);
    expect([again.status, again.body]).toEqual([201, committed.body]);
    // The cart no longer changes, and cannot be deleted.
    const late = await remove(cartId);
    expect([late.status, late.body.error.code]).toEqual([409, 'CART_COMMITTED']);

    const orderId = committed.body.order_id as string;
    const order = await pollUntil(
      t.call,
      `/partners/v1/orders/${orderId}`,
      token,
      (r) => r.status === 200 && r.body.status === 'CONFIRMED' && r.body.tickets.length === 2,
    );
    expect(order.body).toMatchObject({
      order_id: orderId,
      order_number: committed.body.order_number,
      event_id: eventId,
      payment_status: 'CAPTURED',
      shipping_id: 'ETICKET',
      totals: { grand_total: 372 },
    });
    for (const ticket of order.body.tickets) expect(ticket.barcode_id).toMatch(/^[1-9]\d{11}$/);

    // One capture for the order, as for fans: the log's invariants hold.
    await t.app.runner.catchUp(10_000);
    const report = await checkInvariants(t.app.store);
    expect(report.violations).toEqual([]);
    expect(report.ok).toBe(true);

    // Another partner does not see it.
    const stranger = await t.call('GET', `/partners/v1/orders/${orderId}`, { token: other });
    expect([stranger.status, stranger.body.error.code]).toEqual([404, 'ORDER_NOT_FOUND']);
  });

  it("delete frees the seats at once; another partner's cart is not found; deleting twice is 204", async () => {
    const cart = await createCart({ section_id: 's2', quantity: 2 });
    const cartId = cart.body.cart_id as string;
    const seats = cart.body.seats.map((s: { seat_id: string }) => s.seat_id);
    const stranger = await remove(cartId, eventId, other);
    expect([stranger.status, stranger.body.error.code]).toEqual([404, 'CART_NOT_FOUND']);
    const wrongEvent = await remove(cartId, 'some-other-event');
    expect(wrongEvent.status).toBe(404);

    expect((await remove(cartId)).status).toBe(204);
    expect((await remove(cartId)).status).toBe(204);
    // A fan takes exactly those seats now.
    await reserve(t.call, t.mintToken('fan-after-delete'), eventId, seats);
    const committed = await commit(cartId);
    expect([committed.status, committed.body.error.code]).toEqual([410, 'CART_DELETED']);
  });

  it('the hold time is enforced: an expired cart cannot be committed (410); the expiry job records the other', async () => {
    const cart = await createCart({ tier_id: `${eventId}-t1`, quantity: 1 });
    const left = await createCart({ tier_id: `${eventId}-t1`, quantity: 1 });
    const cartId = cart.body.cart_id as string;
    await pay(cartId);
    clock.advance(PARTNER_HOLD_SECONDS * 1000);
    const res = await commit(cartId);
    expect([res.status, res.body.error.code]).toEqual([410, 'CART_EXPIRED']);
    expect((await t.app.partnerCarts.get(eventId, cartId, partner)).status).toBe('EXPIRED');
    // Nobody touches the other one: the expiry job (every 50 ms here) records its expiry.
    let status = '';
    for (let i = 0; i < 100 && status !== 'EXPIRED'; i += 1) {
      await new Promise((r) => setTimeout(r, 50));
      status = (await t.app.partnerCarts.get(eventId, left.body.cart_id, partner)).status;
    }
    expect(status).toBe('EXPIRED');
  });

  it('a declined card ends the cart: 402, its seats released, the cart closed', async () => {
    const cart = await createCart({ section_id: 's2', quantity: 1 });
    const cartId = cart.body.cart_id as string;
    await pay(cartId, testCard('tok_chargeDeclined'));
    const res = await commit(cartId);
    expect([res.status, res.body.error.code]).toEqual([402, 'PAYMENT_DECLINED']);
    const again = await commit(cartId);
    expect([again.status, again.body.error.code]).toEqual([410, 'CART_CHECKOUT_FAILED']);
    // The seat is free again at once.
    await reserve(t.call, t.mintToken('fan-after-decline'), eventId, [cart.body.seats[0].seat_id]);
  });

  it('a commit meeting a hold a concurrent commit just lost to a declined card: 410 CART_CHECKOUT_FAILED (PAYMENT_DECLINED), not "expired"', async () => {
    // An event of its own: the others' seats are taken by the tests above.
    const { eventId: event } = await createEvent(t.call, admin, { restrictSingleSeat: false });
    const cart = await createCart({ section_id: 's2', quantity: 1 }, event);
    expect(cart.status).toBe(201);
    const cartId = cart.body.cart_id as string;
    await pay(cartId, testCard('tok_chargeDeclined'), event);
    // The moment of the race, made to happen: another commit's payment was declined and released the hold, and
    // this commit arrives before that one recorded the cart's failed checkout.
    const holdId = await cartHoldId(t.app.store, event, cartId);
    expect(holdId[14]).toBe('7'); // time-ordered, as a fan's: its order and tickets inherit its time (derivedId)
    await expect(
      t.app.orders.placeHeld(
        {
          eventId: event,
          holdId,
          buyer: { userId: `cart:${cartId}`, isAdmin: false },
          card: async () => ({ paymentMethodId: `cart:${cartId}`, cardToken: 'tok_chargeDeclined' }),
          billingAddress: null,
          deliveryMethod: 'MOBILE',
        },
        systemMetadata(partner, `declined-${cartId}`),
      ),
    ).rejects.toMatchObject({ code: 'PAYMENT_DECLINED' });
    const res = await commit(cartId, event);
    expect([res.status, res.body.error.code, res.body.error.details]).toEqual([
      410,
      'CART_CHECKOUT_FAILED',
      { reason: 'PAYMENT_DECLINED' },
    ]);
    // The cart remembers why: a later commit answers the same.
    const again = await commit(cartId, event);
    expect([again.status, again.body.error.code, again.body.error.details.reason]).toEqual([
      410,
      'CART_CHECKOUT_FAILED',
      'PAYMENT_DECLINED',
    ]);
  });

  it('the sale closes when the event starts: a commit after it is 422 SALE_NOT_OPEN, nothing charged, the cart closed', async () => {
    const starts = new Date(clock.now().getTime() + 60_000);
    const { eventId: soon } = await createEvent(t.call, admin, {
      date: starts.toISOString(),
      restrictSingleSeat: false,
    });
    const cart = await createCart({ tier_id: `${soon}-t1`, quantity: 1 }, soon);
    expect(cart.status).toBe(201);
    const cartId = cart.body.cart_id as string;
    await pay(cartId, testCard(), soon);
    clock.advance(61_000); // the hold (PARTNER_HOLD_SECONDS) still runs; the show has begun
    const res = await commit(cartId, soon);
    expect([res.status, res.body.error.code]).toEqual([422, 'SALE_NOT_OPEN']);
    expect(Date.parse(res.body.error.details.event_date)).toBe(starts.getTime());
    // Nothing was authorized: the order's stream was never written.
    const holdId = await cartHoldId(t.app.store, soon, cartId);
    expect(await t.app.store.readStream(`order-${orderIdFor(holdId)}`)).toEqual([]);
    // The cart is closed, and says why, on every later commit.
    const again = await commit(cartId, soon);
    expect([again.status, again.body.error.code, again.body.error.details.reason]).toEqual([
      410,
      'CART_CHECKOUT_FAILED',
      'SALE_NOT_OPEN',
    ]);
  });
});
