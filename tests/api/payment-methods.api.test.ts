import fs from 'node:fs';
import path from 'node:path';
import type { RecordedEvent } from '../../src/application/ports/event-store';
import { startTestApp, type TestApp } from '../support/test-app';

const PAN = '4242424242424242';
const SPACED_PAN = '4242 4242 4242 4242';
const RAW_CARD_MESSAGE =
  'Card numbers and security codes must never be sent to this API; send a payment token instead';

async function allEvents(t: TestApp): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  let from = 0;
  for (;;) {
    const page = await t.app.store.readAll({ fromPosition: from, maxCount: 1000 });
    events.push(...page);
    if (page.length < 1000) return events;
    from = page[page.length - 1].position;
  }
}

/** Every byte under the data directory (SQLite file, WAL, anything else), as latin1 text. */
function dataDirText(dir: string): string {
  let text = '';
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    text += entry.isDirectory() ? dataDirText(full) : fs.readFileSync(full).toString('latin1');
  }
  return text;
}

// Adding, listing and removing cards, the default rules and INVALID_PAYMENT_METHOD: payment-methods.spec.test.ts.
// Left here: scoping per user, auth, validation envelopes, idempotency and the raw-card-data guard.
describe('payment methods API', () => {
  let t: TestApp;
  let fan: { token: string; userId: string };

  beforeAll(async () => {
    t = await startTestApp();
    fan = await t.customerToken();
  });
  afterAll(async () => {
    await t.close();
  });

  const addCard = (token: string, body: Record<string, unknown>, headers?: Record<string, string>) =>
    t.call('POST', '/v1/payment-methods', { token, body, headers });

  it('a user only ever sees their own methods', async () => {
    expect((await addCard(fan.token, { type: 'CARD', card_token: 'tok_visa' })).status).toBe(201);
    const stranger = await t.customerToken();
    const list = await t.call('GET', '/v1/payment-methods', { token: stranger.token });
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ payment_methods: [] });

    const mine = await t.call('GET', '/v1/payment-methods', { token: fan.token });
    expect(mine.body.payment_methods.length).toBeGreaterThan(0);
    // Nor can they remove someone else's.
    const id = mine.body.payment_methods[0].payment_method_id;
    expect((await t.call('DELETE', `/v1/payment-methods/${id}`, { token: stranger.token })).status).toBe(404);
    expect(await t.app.paymentMethods.find(fan.userId, id)).toBeDefined();
  });

  it('needs a token', async () => {
    expect((await t.call('GET', '/v1/payment-methods')).status).toBe(401);
    expect(
      (await t.call('POST', '/v1/payment-methods', { body: { type: 'CARD', card_token: 'tok_visa' } }))
        .status,
    ).toBe(401);
  });

  it.each([
    ['an unknown field', { type: 'CARD', card_token: 'tok_visa', nickname: 'x' }],
    ['another type', { type: 'PAYPAL', card_token: 'tok_visa' }],
    ['a token that is not tok_', { type: 'CARD', card_token: 'pm_123' }],
    ['no token', { type: 'CARD' }],
    ['a non-boolean make_default', { type: 'CARD', card_token: 'tok_visa', make_default: 'yes' }],
    [
      'a billing address that is not an object',
      { type: 'CARD', card_token: 'tok_visa', billing_address: 'NYC' },
    ],
    ['a billing address array', { type: 'CARD', card_token: 'tok_visa', billing_address: [] }],
    [
      'an unknown billing address field',
      {
        type: 'CARD',
        card_token: 'tok_visa',
        billing_address: { street: 'a', city: 'b', country: 'US', floor: 3 },
      },
    ],
  ])('refuses %s with 400 VALIDATION_ERROR', async (_what, body) => {
    const res = await addCard(fan.token, body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
  });

  it('an Idempotency-Key makes a retried POST save the card once', async () => {
    const user = await t.customerToken();
    const headers = { 'idempotency-key': 'add-card-1' };
    const first = await addCard(user.token, { type: 'CARD', card_token: 'tok_visa' }, headers);
    const retry = await addCard(user.token, { type: 'CARD', card_token: 'tok_visa' }, headers);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(
      (await t.call('GET', '/v1/payment-methods', { token: user.token })).body.payment_methods,
    ).toHaveLength(1);
  });

  describe('raw card data is refused everywhere and never stored', () => {
    const cases: Array<[string, string, string, unknown, boolean, string]> = [
      [
        'card_number on POST /v1/payment-methods',
        'POST',
        '/v1/payment-methods',
        { type: 'CARD', card_number: PAN },
        true,
        'card_number',
      ],
      [
        'a raw PAN as the card token',
        'POST',
        '/v1/payment-methods',
        { type: 'CARD', card_token: PAN },
        true,
        'card_token',
      ],
      [
        'a nested card.number on POST /v1/seats/reserve',
        'POST',
        '/v1/seats/reserve',
        { event_id: 'e-1', seat_ids: ['s1:A:1'], card: { number: SPACED_PAN } },
        true,
        'card.number',
      ],
      [
        'a cvc field',
        'POST',
        '/v1/payment-methods',
        { type: 'CARD', card_token: 'tok_visa', cvc: '123' },
        true,
        'cvc',
      ],
      [
        'a Luhn-valid 16-digit string in an unrelated field',
        'POST',
        '/v1/auth/register',
        { email: 'x@example.test', password: 'long-enough-1', name: PAN },
        false,
        'name',
      ],
      [
        'a dashed PAN deep in an array',
        'POST',
        '/v1/admin/venues',
        { name: 'V', sections: [{ name: 'S', rows: [{ row: 'A', note: '4242-4242-4242-4242' }] }] },
        true,
        'sections.0.rows.0.note',
      ],
      [
        'a PAN as a JSON number',
        'POST',
        '/v1/seats/reserve',
        { event_id: 'e-1', seat_ids: ['s1:A:1'], ref: Number(PAN) },
        true,
        'ref',
      ],
      [
        'card data before authentication (a bad token)',
        'PUT',
        '/v1/anything',
        { payment: { cvv: '123' } },
        false,
        'payment.cvv',
      ],
    ];

    it.each(cases)(
      '%s -> 400 RAW_CARD_DATA_REJECTED naming the field only',
      async (_what, method, url, body, withToken, field) => {
        const res = await t.call(method, url, {
          token: withToken ? fan.token : undefined,
          body,
          headers: withToken ? {} : { authorization: 'Bearer not-a-token' },
        });
        expect(res.status).toBe(400);
        expect(res.body.error).toEqual({
          code: 'RAW_CARD_DATA_REJECTED',
          message: RAW_CARD_MESSAGE,
          details: { field },
          request_id: expect.any(String),
          timestamp: expect.any(String),
        });
        expect(res.text).not.toContain(PAN);
        expect(res.text).not.toContain('4242 4242');
        expect(res.text).not.toContain('4242-4242');
        expect(res.text).not.toMatch(/"123"/);
      },
    );

    it('the partner API’s encrypted fields pass the guard', async () => {
      const res = await t.call('PUT', '/v1/cart-payment-probe', {
        token: fan.token,
        body: {
          cart_id: 'c1',
          card: {
            encrypted_number: 'k3Jt0tq2hRkYrJc9+8/3mO0tJtJb2Q==',
            encrypted_cvv: 'QUJDREVGR0g=',
            exp_month: 12,
            exp_year: 2030,
          },
        },
      });
      expect(res.status).toBe(404); // reached routing: no such route, but not refused as card data
      expect(res.body.error.code).toBe('ROUTE_NOT_FOUND');
    });

    it('12-digit barcodes and phone numbers pass', async () => {
      const res = await t.call('POST', '/v1/seats/reserve', {
        token: fan.token,
        body: { event_id: 'no-such-event', seat_ids: ['123456789012'], user_id: fan.userId },
      });
      expect(res.body.error?.code).not.toBe('RAW_CARD_DATA_REJECTED');
    });

    it('no card number reached the event log or any file under the data directory', async () => {
      for (const [, method, url, body, withToken] of cases) {
        await t.call(method, url, { token: withToken ? fan.token : undefined, body });
      }
      const events = await allEvents(t);
      expect(events.length).toBeGreaterThan(0);
      for (const event of events) {
        const json = JSON.stringify({ data: event.data, metadata: event.metadata });
        expect(json).not.toContain(PAN);
        expect(json).not.toContain(SPACED_PAN);
      }
      const files = dataDirText(t.dataDir);
      expect(files).not.toContain(PAN);
      expect(files).not.toContain(SPACED_PAN);
      expect(files).not.toContain('4242-4242-4242-4242');
    });
  });
});
