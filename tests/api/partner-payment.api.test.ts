import type { PaymentGateway } from '../../src/application/ports/payment-gateway';
import { ManualClock } from '../../src/infrastructure/clock/system-clock';
import type { ApiCall } from '../support/http';
import {
  encryptCardField,
  encryptedPayment,
  fetchCertificate,
  type Certificate,
} from '../support/partner-card';
import { createPartnerClient, type PartnerClientFixture } from '../support/partner-client';
import { pollUntil } from '../support/purchase';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The partner API's payment side over HTTP: the certificate, encrypted card payment (FAQ "Adding Payment"),
 * shipping options and choice (FAQ "Shipping"), and 202 polling (FAQ "Polling").
 */

const CARD = '4242424242424242';
const DAY = 24 * 60 * 60 * 1000;

/** The gateway's methods bound to it, to wrap one of them. */
function bindAll(gateway: PaymentGateway): PaymentGateway {
  return {
    describeToken: (token) => gateway.describeToken(token),
    tokenizeCard: (card) => gateway.tokenizeCard(card),
    authorize: (request) => gateway.authorize(request),
    capture: (request) => gateway.capture(request),
    voidAuthorization: (request) => gateway.voidAuthorization(request),
    refund: (request) => gateway.refund(request),
  };
}

/** A venue and a published event through the admin API, with the given shipping options (or the default). */
async function createEvent(
  call: ApiCall,
  admin: string,
  shipping?: Array<{ shipping_id: string; name: string; price: number }>,
): Promise<string> {
  const venue = await call('POST', '/v1/admin/venues', {
    token: admin,
    body: {
      name: 'Payment Hall',
      city: 'Springfield',
      state: 'IL',
      country: 'US',
      sections: [
        {
          name: 'Floor',
          rows: [
            { row: 'A', seats: 40 },
            { row: 'B', seats: 40 },
          ],
        },
      ],
    },
  });
  expect(venue.status).toBe(201);
  const event = await call('POST', '/v1/admin/events', {
    token: admin,
    body: {
      name: 'Encrypted Nights',
      artist: 'The Ciphers',
      category: 'Concert',
      venue_id: venue.body.venue_id,
      date: '2031-08-15T19:00:00Z',
      general_sale_start: '2020-01-01T10:00:00Z',
      pricing_tiers: [{ name: 'Floor', price: 100, fees: 10, sections: ['Floor'] }],
      restrict_single_seat: false,
      ...(shipping ? { shipping_options: shipping } : {}),
    },
  });
  expect(event.status).toBe(201);
  const eventId = event.body.event_id as string;
  expect((await call('POST', `/v1/admin/events/${eventId}/publish`, { token: admin })).status).toBe(200);
  return eventId;
}

describe('partner payment, shipping and polling over HTTP', () => {
  let t: TestApp;
  let admin: string;
  let eventId: string;
  const logLines: string[] = [];
  let leakyVault = false;
  let client: PartnerClientFixture;
  let otherClient: PartnerClientFixture;
  const token = () => client.token;
  const otherToken = () => otherClient.token;
  const newCart = async (as: string, quantity = 2): Promise<string> => {
    const res = await t.call('POST', `/partners/v1/events/${eventId}/cart`, {
      token: as,
      body: { tier_id: `${eventId}-t1`, quantity },
    });
    if (res.status !== 201) throw new Error(`cart: ${res.status} ${res.text}`);
    return res.body.cart_id as string;
  };
  const pay = (as: string, body: unknown, headers: Record<string, string> = {}) =>
    t.call('PUT', `/partners/v1/events/${eventId}/cart/payment`, { token: as, body, headers });

  beforeAll(async () => {
    t = await startTestApp({
      env: { LOG_LEVEL: 'trace' },
      logDestination: { write: (line: string) => void logLines.push(line) },
      overrides: {
        // A vault adapter that misbehaves: its error quotes the card (the service must not pass that on).
        gateway: (gateway) => ({
          ...bindAll(gateway),
          tokenizeCard: async (card) => {
            if (leakyVault) throw new Error(`vault refused card ${card.number} cvv ${card.cvv}`);
            return gateway.tokenizeCard(card);
          },
        }),
      },
    });
    admin = await t.adminToken();
    client = await createPartnerClient(t, { name: 'Payment Partner' });
    otherClient = await createPartnerClient(t, { name: 'Other Partner' });
    eventId = await createEvent(t.call, admin, [
      { shipping_id: 'ETICKET', name: 'Mobile ticket', price: 0 },
      { shipping_id: 'UPS', name: 'Courier, 2 days', price: 12.5 },
    ]);
  });
  afterAll(() => t?.close());

  describe('GET /partners/v1/certificate', () => {
    it('hands out the current RSA 2048 public key and its id, not cacheable; partners only', async () => {
      const res = await t.call('GET', '/partners/v1/certificate', { token: token() });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.body.encryption_key).toMatch(/^ck-\d{8}-[a-z]{16}$/);
      expect(res.body.public_key).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
      expect(Date.parse(res.body.expires_at) - Date.now()).toBeGreaterThan(DAY - 60_000);
      // Asking again (or after a restart) gives the same key until the day turns.
      expect((await t.call('GET', '/partners/v1/certificate', { token: token() })).body).toEqual(res.body);

      const fan = await t.customerToken();
      expect((await t.call('GET', '/partners/v1/certificate', { token: fan.token })).status).toBe(403);
      expect((await t.call('GET', '/partners/v1/certificate')).status).toBe(401);
    });
  });

  describe('PUT /partners/v1/events/{id}/cart/payment', () => {
    let certificate: Certificate;
    beforeAll(async () => {
      certificate = await fetchCertificate(t.call, token());
    });

    it('takes a card encrypted as a partner would (node:crypto publicEncrypt), and the cart then commits', async () => {
      const cartId = await newCart(token());
      const res = await pay(token(), encryptedPayment(certificate, cartId, { number: CARD, cvv: '737' }));
      expect(res.status).toBe(200);
      expect(res.headers.get('x-log-position')).toMatch(/^\d+$/);
      expect(res.body).toMatchObject({
        cart_id: cartId,
        status: 'OPEN',
        payment: { brand: 'Visa', last4: '4242', exp_month: 12, exp_year: 2035 },
      });
      expect(JSON.stringify(res.body)).not.toContain(CARD);

      // The cart's token pays for the order through the consumer sagas.
      const shipping = await t.call('PUT', `/partners/v1/events/${eventId}/cart/shipping?cart_id=${cartId}`, {
        token: token(),
        body: { shipping_id: 'ETICKET' },
      });
      expect(shipping.status).toBe(200);
      const commit = await t.call('PUT', `/partners/v1/events/${eventId}/cart`, {
        token: token(),
        body: { cart_id: cartId },
      });
      expect(commit.status).toBe(201);
      const order = await pollUntil(
        t.call,
        `/partners/v1/orders/${commit.body.order_id}`,
        token(),
        (r) => r.body?.status === 'CONFIRMED',
      );
      expect(order.body.status).toBe('CONFIRMED');
    });

    it('the security code has the length the card brand prints: 4 digits on American Express, 3 on the others', async () => {
      const cartId = await newCart(token());
      const refused = async (number: string, cvv: string) => {
        const res = await pay(token(), encryptedPayment(certificate, cartId, { number, cvv }));
        expect(res.status).toBe(400);
        expect(res.body.error).toMatchObject({
          code: 'INVALID_CARD_CVV',
          details: { field: 'card.encrypted_cvv' },
        });
      };
      await refused('378282246310005', '123');
      await refused('4242424242424242', '1234');
      const amex = await pay(
        token(),
        encryptedPayment(certificate, cartId, { number: '378282246310005', cvv: '1234' }),
      );
      expect(amex.status).toBe(200);
      expect(amex.body.payment).toMatchObject({ brand: 'American Express', last4: '0005' });
    });

    it('a card the processor declines tokenizes, and is declined when the cart commits (402)', async () => {
      const cartId = await newCart(token());
      const res = await pay(token(), encryptedPayment(certificate, cartId, { number: '4000000000000002' }));
      expect(res.status).toBe(200);
      expect(res.body.payment.last4).toBe('0002');
      await t.call('PUT', `/partners/v1/events/${eventId}/cart/shipping?cart_id=${cartId}`, {
        token: token(),
        body: { shipping_id: 'ETICKET' },
      });
      const declined = await t.call('PUT', `/partners/v1/events/${eventId}/cart`, {
        token: token(),
        body: { cart_id: cartId },
      });
      expect(declined.status).toBe(402);
      expect(declined.body.error.code).toBe('PAYMENT_DECLINED');
    });

    it('FAQ: unencrypted card data is refused with 400, in every shape it can take', async () => {
      const cartId = await newCart(token());
      const body = encryptedPayment(certificate, cartId) as { card: Record<string, unknown> };
      const attempts: Array<[string, Record<string, unknown>, string]> = [
        [
          'plain digits as encrypted_number',
          { ...body.card, encrypted_number: CARD },
          'RAW_CARD_DATA_REJECTED',
        ],
        ['a raw number field', { ...body.card, number: CARD }, 'RAW_CARD_DATA_REJECTED'],
        ['a raw cvv field', { ...body.card, cvv: '123' }, 'RAW_CARD_DATA_REJECTED'],
        [
          'a plain security code as encrypted_cvv',
          { ...body.card, encrypted_cvv: '123' },
          'CARD_DATA_NOT_ENCRYPTED',
        ],
        [
          'grouped digits as encrypted_number',
          { ...body.card, encrypted_number: '4242 4242 4242 4242' },
          'RAW_CARD_DATA_REJECTED',
        ],
        [
          'base64 of the plain number',
          { ...body.card, encrypted_number: Buffer.from(CARD).toString('base64') },
          'CARD_DATA_NOT_ENCRYPTED',
        ],
      ];
      for (const [what, card, code] of attempts) {
        const res = await pay(token(), { ...body, card });
        expect([what, res.status, res.body.error.code]).toEqual([what, 400, code]);
        expect(res.text).not.toContain(CARD);
      }
      // Nothing reached the cart.
      const cart = await t.call('GET', `/partners/v1/events/${eventId}/cart/shipping?cart_id=${cartId}`, {
        token: token(),
      });
      expect(cart.status).toBe(200);
      const payments = (await t.app.store.readStream(`cart-${cartId}`)).filter(
        (e) => e.type === 'CartPaymentSet',
      );
      expect(payments).toEqual([]);
    });

    it('a bad salt (wrong length or characters outside A-Z, a-z, 0-9) is refused with 400 INVALID_CARD_SALT', async () => {
      const cartId = await newCart(token());
      for (const salt of ['Ab3dEf6hIj9lMn0!', 'Ab3dEf6h-j9lMn0p', 'short']) {
        const body = encryptedPayment(certificate, cartId) as { card: Record<string, unknown> };
        body.card.encrypted_cvv = encryptCardField(certificate.public_key, '123', salt);
        const res = await pay(token(), body);
        expect([salt, res.status, res.body.error.code, res.body.error.details]).toEqual([
          salt,
          400,
          'INVALID_CARD_SALT',
          { field: 'card.encrypted_cvv' },
        ]);
      }
    });

    it('FAQ: missing required fields are refused with 400 naming each of them', async () => {
      const cartId = await newCart(token());
      const body = encryptedPayment(certificate, cartId) as Record<string, Record<string, unknown>>;
      delete body.card.encrypted_cvv;
      delete body.billing_address.postal_code;
      const res = await pay(token(), body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('MISSING_PAYMENT_FIELDS');
      expect(res.body.error.details.fields).toEqual(['card.encrypted_cvv', 'billing_address.postal_code']);
      expect(res.body.error.message).toContain('billing_address.postal_code');
    });

    it('an expired card is refused with 400 CARD_EXPIRED before it reaches the processor', async () => {
      const cartId = await newCart(token());
      const body = encryptedPayment(certificate, cartId) as Record<string, Record<string, unknown>>;
      body.card.exp_year = 2020;
      const res = await pay(token(), body);
      expect([res.status, res.body.error.code]).toEqual([400, 'CARD_EXPIRED']);
    });

    it("FAQ: required fields are configured per client (the client's required_payment_fields)", async () => {
      const lenient = await createPartnerClient(t, {
        required_payment_fields: ['billing_address.postal_code'],
      });
      const cartId = await newCart(lenient.token);
      const body = encryptedPayment(certificate, cartId) as Record<string, Record<string, unknown>>;
      delete body.card.holder_name;
      body.billing_address = { postal_code: '02139' };
      const res = await pay(lenient.token, body);
      expect(res.status).toBe(200);
      // The same body from a client with the default configuration misses the holder and the address.
      const strictCart = await newCart(token());
      const strict = await pay(token(), { ...body, cart_id: strictCart });
      expect(strict.status).toBe(400);
      expect(strict.body.error.details.fields).toEqual([
        'card.holder_name',
        'billing_address.line1',
        'billing_address.city',
        'billing_address.country',
      ]);
    });

    it("another client's cart, or an unknown encryption key, is refused", async () => {
      const cartId = await newCart(token());
      const other = otherToken();
      const res = await pay(other, encryptedPayment(certificate, cartId));
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('CART_NOT_FOUND');
      const unknown = await pay(token(), {
        ...encryptedPayment(certificate, cartId),
        encryption_key: 'ck-20200101-abcdefghijklmnop',
      });
      expect(unknown.status).toBe(400);
      expect(['ENCRYPTION_KEY_EXPIRED', 'ENCRYPTION_KEY_UNKNOWN']).toContain(unknown.body.error.code);
    });

    it('the card number is never in the event store, the idempotency records or the logs', async () => {
      // A forced-polling payment too, so its answer is kept in the idempotency store.
      const cartId = await newCart(token());
      const accepted = await pay(token(), encryptedPayment(certificate, cartId, { number: CARD }), {
        'X-Force-Polling': 'true',
      });
      expect(accepted.status).toBe(202);
      await t.app.polledCommands.idle();

      // An adapter error quoting the card: answered 500 without internals, and logged without the card.
      leakyVault = true;
      try {
        const failed = await pay(
          token(),
          encryptedPayment(certificate, cartId, { number: CARD, cvv: '737' }),
        );
        expect([failed.status, failed.body.error.code]).toEqual([500, 'INTERNAL_ERROR']);
        expect(failed.text).not.toContain(CARD);
      } finally {
        leakyVault = false;
      }

      const events = await t.app.store.readAll({ maxCount: 100_000 });
      expect(events.length).toBeGreaterThan(10);
      expect(events.filter((e) => e.type === 'CartPaymentSet').length).toBeGreaterThanOrEqual(2);
      for (const event of events) expect(JSON.stringify(event)).not.toContain(CARD);
      const db = (t.app.store as unknown as { db: import('better-sqlite3').Database }).db;
      const kept = db.prepare('SELECT response FROM idempotency_keys').all() as Array<{ response: string }>;
      expect(kept.length).toBeGreaterThan(0);
      for (const row of kept) expect(row.response).not.toContain(CARD);
      const failures = logLines.filter((line) => line.includes('request failed'));
      expect(failures.length).toBeGreaterThan(0);
      expect(failures.join('\n')).toContain('Card tokenization failed');
      for (const line of logLines) {
        expect(line).not.toContain(CARD);
        expect(line).not.toContain('cvv 737');
      }
    });
  });

  describe('shipping', () => {
    it("GET lists the event's options for a cart; PUT picks one and the totals include it", async () => {
      const cartId = await newCart(token());
      const options = await t.call('GET', `/partners/v1/events/${eventId}/cart/shipping?cart_id=${cartId}`, {
        token: token(),
      });
      expect(options.status).toBe(200);
      expect(options.body).toEqual({
        shipping_options: [
          { shipping_id: 'ETICKET', name: 'Mobile ticket', price: 0 },
          { shipping_id: 'UPS', name: 'Courier, 2 days', price: 12.5 },
        ],
      });
      const chosen = await t.call('PUT', `/partners/v1/events/${eventId}/cart/shipping?cart_id=${cartId}`, {
        token: token(),
        body: { shipping_id: 'UPS' },
      });
      expect(chosen.status).toBe(200);
      // 2 x (100 + 10 fees), 9% tax on 200 = 18, + 12.50 shipping (untaxed).
      expect(chosen.body).toMatchObject({
        shipping: { shipping_id: 'UPS', price: 12.5 },
        totals: { subtotal: 200, fees: 20, shipping: 12.5, taxes: 18, grand_total: 250.5 },
      });
    });

    it('an unknown shipping id is 400; another client cannot read or choose for a cart', async () => {
      const cartId = await newCart(token());
      const unknown = await t.call('PUT', `/partners/v1/events/${eventId}/cart/shipping?cart_id=${cartId}`, {
        token: token(),
        body: { shipping_id: 'DRONE' },
      });
      expect(unknown.status).toBe(400);
      expect(unknown.body.error).toMatchObject({
        code: 'UNKNOWN_SHIPPING_OPTION',
        details: { shipping_ids: ['ETICKET', 'UPS'] },
      });
      const other = otherToken();
      for (const method of ['GET', 'PUT']) {
        const res = await t.call(method, `/partners/v1/events/${eventId}/cart/shipping?cart_id=${cartId}`, {
          token: other,
          ...(method === 'PUT' ? { body: { shipping_id: 'UPS' } } : {}),
        });
        expect([method, res.status, res.body.error.code]).toEqual([method, 404, 'CART_NOT_FOUND']);
      }
      const noCart = await t.call('GET', `/partners/v1/events/${eventId}/cart/shipping`, { token: token() });
      expect(noCart.status).toBe(400);
    });

    it('an event created without shipping options offers the free mobile ticket', async () => {
      const plain = await createEvent(t.call, admin);
      const cart = await t.call('POST', `/partners/v1/events/${plain}/cart`, {
        token: token(),
        body: { tier_id: `${plain}-t1`, quantity: 1 },
      });
      const res = await t.call(
        'GET',
        `/partners/v1/events/${plain}/cart/shipping?cart_id=${cart.body.cart_id}`,
        {
          token: token(),
        },
      );
      expect(res.body).toEqual({
        shipping_options: [{ shipping_id: 'ETICKET', name: 'Mobile ticket', price: 0 }],
      });
    });
  });

  describe('202 polling (X-Force-Polling: true)', () => {
    it('X-Force-Polling takes true or false: any other value is 400 INVALID_HEADER, the call not run', async () => {
      const cartId = await newCart(token());
      for (const value of ['maybe', '1', 'yes']) {
        const res = await t.call('PUT', `/partners/v1/events/${eventId}/cart/shipping?cart_id=${cartId}`, {
          token: token(),
          body: { shipping_id: 'UPS' },
          headers: { 'X-Force-Polling': value },
        });
        expect(res.status).toBe(400);
        expect(res.body.error).toMatchObject({
          code: 'INVALID_HEADER',
          details: { field: 'headers.x-force-polling' },
        });
      }
      const plain = await t.call('PUT', `/partners/v1/events/${eventId}/cart/shipping?cart_id=${cartId}`, {
        token: token(),
        body: { shipping_id: 'ETICKET' },
        headers: { 'X-Force-Polling': 'False' },
      });
      expect(plain.status).toBe(200);
      expect(plain.body.shipping.shipping_id).toBe('ETICKET');
    });

    it('a poll, and a cart deletion, are answered past the quota: the answer of a call the quota let through is never withheld', async () => {
      const small = await createPartnerClient(t, { name: 'Small Quota', quota_per_hour: 3 });
      const cartId = await newCart(small.token); // 1
      const accepted = await t.call('PUT', `/partners/v1/events/${eventId}/cart/shipping?cart_id=${cartId}`, {
        token: small.token,
        body: { shipping_id: 'UPS' },
        headers: { 'X-Force-Polling': 'true' },
      }); // 2
      expect(accepted.status).toBe(202);
      expect((await t.call('GET', '/partners/v1/events', { token: small.token })).status).toBe(200); // 3
      const over = await t.call('GET', '/partners/v1/events', { token: small.token }); // 4
      expect([over.status, over.body.error.code]).toEqual([429, 'QUOTA_EXCEEDED']);

      const result = await pollUntil(t.call, accepted.body.polling_url, small.token, (r) => r.status !== 202);
      expect(result.status).toBe(200);
      expect(result.body).toMatchObject({ cart_id: cartId, shipping: { shipping_id: 'UPS' } });
      // Counted all the same.
      expect(result.headers.get('ratelimit-quota-allowed')).toBe('3');
      expect(Number(result.headers.get('ratelimit-quota-used'))).toBeGreaterThanOrEqual(5);
      // Deleting the cart is answered past the quota too: its seats go back rather than wait for its expiry.
      const released = await t.call('DELETE', `/partners/v1/events/${eventId}/cart?cart_id=${cartId}`, {
        token: small.token,
      });
      expect(released.status).toBe(204);
      expect((await t.app.partnerCarts.get(eventId, cartId, small.partnerId)).status).toBe('DELETED');
    });

    it('answers 202 at once, runs the command once, and polling returns its answer to its client only', async () => {
      const cartId = await newCart(token());
      const accepted = await t.call('PUT', `/partners/v1/events/${eventId}/cart/shipping?cart_id=${cartId}`, {
        token: token(),
        body: { shipping_id: 'UPS' },
        headers: { 'X-Force-Polling': 'true', 'X-Request-Id': `poll-ship-${cartId}` },
      });
      expect(accepted.status).toBe(202);
      expect(accepted.body).toEqual({
        polling_url: expect.stringMatching(/^\/partners\/v1\/polling\/[a-z]{26}$/),
        wait: 1,
      });
      expect(accepted.headers.get('location')).toBe(accepted.body.polling_url);
      expect(accepted.headers.get('retry-after')).toBe('1');

      const result = await pollUntil(t.call, accepted.body.polling_url, token(), (r) => r.status !== 202);
      expect(result.status).toBe(200);
      expect(result.body).toMatchObject({ cart_id: cartId, shipping: { shipping_id: 'UPS', price: 12.5 } });
      expect(result.headers.get('x-log-position')).toMatch(/^\d+$/);
      // Polling again answers the same; the command ran once.
      const again = await t.call('GET', accepted.body.polling_url, { token: token() });
      expect([again.status, again.body]).toEqual([200, result.body]);
      const set = (await t.app.store.readStream(`cart-${cartId}`)).filter(
        (e) => e.type === 'CartShippingSet' && e.metadata.requestId === `poll-ship-${cartId}`,
      );
      expect(set).toHaveLength(1);

      const other = await t.call('GET', accepted.body.polling_url, {
        token: otherToken(),
      });
      expect([other.status, other.body.error.code]).toEqual([404, 'POLL_NOT_FOUND']);
      const made = await t.call('GET', '/partners/v1/polling/abcdefghijklmnopqrstuvwxyz', { token: token() });
      expect(made.status).toBe(404);
    });

    it('a refused polled command answers its refusal through the poll, with the original request id', async () => {
      const cartId = await newCart(token());
      const accepted = await t.call('PUT', `/partners/v1/events/${eventId}/cart/shipping?cart_id=${cartId}`, {
        token: token(),
        body: { shipping_id: 'DRONE' },
        headers: { 'X-Force-Polling': 'true', 'X-Request-Id': 'refused-ship-1' },
      });
      expect(accepted.status).toBe(202);
      await t.app.polledCommands.idle();
      const result = await t.call('GET', accepted.body.polling_url, { token: token() });
      expect(result.status).toBe(400);
      expect(result.body.error).toMatchObject({
        code: 'UNKNOWN_SHIPPING_OPTION',
        request_id: 'refused-ship-1',
      });
    });

    it('cart creation and payment can be polled too', async () => {
      const created = await t.call('POST', `/partners/v1/events/${eventId}/cart`, {
        token: token(),
        body: { tier_id: `${eventId}-t1`, quantity: 1 },
        headers: { 'X-Force-Polling': 'true' },
      });
      expect(created.status).toBe(202);
      await t.app.polledCommands.idle();
      const cart = await t.call('GET', created.body.polling_url, { token: token() });
      expect(cart.status).toBe(201);
      const certificate = await fetchCertificate(t.call, token());
      const paid = await pay(token(), encryptedPayment(certificate, cart.body.cart_id), {
        'X-Force-Polling': 'true',
      });
      expect(paid.status).toBe(202);
      await t.app.polledCommands.idle();
      const result = await t.call('GET', paid.body.polling_url, { token: token() });
      expect([result.status, result.body.payment?.last4]).toEqual([200, '4242']);
    });
  });
});

describe('certificate rotation (ManualClock)', () => {
  let t: TestApp;
  let eventId: string;
  // Before the wall clock: access tokens (an hour from now, wall time) stay valid while this clock moves days.
  const clock = new ManualClock('2026-03-10T09:00:00Z');
  let client: PartnerClientFixture;
  const token = () => client.token;

  beforeAll(async () => {
    t = await startTestApp({ clock });
    client = await createPartnerClient(t);
    eventId = await createEvent(t.call, await t.adminToken());
  });
  afterAll(() => t?.close());

  const newCart = async () => {
    const res = await t.call('POST', `/partners/v1/events/${eventId}/cart`, {
      token: token(),
      body: { tier_id: `${eventId}-t1`, quantity: 1 },
    });
    expect(res.status).toBe(201);
    return res.body.cart_id as string;
  };
  const pay = (body: unknown) =>
    t.call('PUT', `/partners/v1/events/${eventId}/cart/payment`, { token: token(), body });

  it('a rotated key stays valid until it expires; an expired key is refused with a clear 400', async () => {
    const first = await fetchCertificate(t.call, token());
    expect(first.expires_at).toBe('2026-03-12T00:00:00.000Z');

    clock.advance(DAY); // a day later: a new key is handed out, and the first still pays
    const second = await fetchCertificate(t.call, token());
    expect(second.encryption_key).not.toBe(first.encryption_key);
    expect((await pay(encryptedPayment(first, await newCart()))).status).toBe(200);
    expect((await pay(encryptedPayment(second, await newCart()))).status).toBe(200);

    clock.set(first.expires_at); // the first key's validity has ended
    const refused = await pay(encryptedPayment(first, await newCart()));
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({
      code: 'ENCRYPTION_KEY_EXPIRED',
      details: { field: 'encryption_key' },
    });
    expect(refused.body.error.message).toContain('/partners/v1/certificate');
    expect((await pay(encryptedPayment(second, await newCart()))).status).toBe(200);
  });
});

describe('the abandonment penalty (FAQ "Polling"): carts left to expire raise the wait', () => {
  let t: TestApp;
  let eventId: string;
  const clock = new ManualClock('2026-03-10T09:00:00Z');

  beforeAll(async () => {
    t = await startTestApp({ clock, env: { PARTNER_HOLD_SECONDS: '300', EXPIRY_SWEEP_MS: '20' } });
    eventId = await createEvent(t.call, await t.adminToken());
  });
  afterAll(() => t?.close());

  it('a client whose carts expire is told to wait longer than one that deletes its carts', async () => {
    const abandoner = await createPartnerClient(t, { name: 'Abandoner' });
    const tidy = await createPartnerClient(t, { name: 'Tidy' });
    const cart = async (token: string) => {
      const res = await t.call('POST', `/partners/v1/events/${eventId}/cart`, {
        token,
        body: { tier_id: `${eventId}-t1`, quantity: 1 },
      });
      expect(res.status).toBe(201);
      return res.body.cart_id as string;
    };
    for (let i = 0; i < 6; i += 1) {
      await cart(abandoner.token);
      const tidyCart = await cart(tidy.token);
      const deleted = await t.call('DELETE', `/partners/v1/events/${eventId}/cart?cart_id=${tidyCart}`, {
        token: tidy.token,
      });
      expect(deleted.status).toBe(204);
    }
    clock.advance(301_000); // the abandoner's carts run out; the expiry job records CartExpired
    const outcomes = t.app.readStore.collection<{ _id: string; expired?: number; deleted?: number }>(
      'partner_cart_outcomes',
    );
    for (let waited = 0; (await outcomes.get(abandoner.partnerId))?.expired !== 6; waited += 20) {
      if (waited > 20_000) throw new Error('the carts did not expire');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await outcomes.get(tidy.partnerId)).toMatchObject({ deleted: 6 });
    expect((await outcomes.get(tidy.partnerId))?.expired).toBeUndefined();

    const forced = async (token: string) => {
      const res = await t.call('POST', `/partners/v1/events/${eventId}/cart`, {
        token,
        body: { tier_id: `${eventId}-t1`, quantity: 1 },
        headers: { 'X-Force-Polling': 'true' },
      });
      expect(res.status).toBe(202);
      return res.body.wait as number;
    };
    // 6 expired of 6 (+ 4): score 0.6, wait 1 x (1 + 4 x 0.6) rounded up; the tidy client waits the base second.
    expect(await forced(tidy.token)).toBe(1);
    expect(await forced(abandoner.token)).toBe(4);
    await t.app.polledCommands.idle();
  });
});
