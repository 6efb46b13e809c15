import { ManualClock } from '../../src/infrastructure/clock/system-clock';
import {
  apiSpecification,
  customerRegistered,
  paymentMethodAdded,
  streams,
  type ApiSpecification,
  type Streams,
} from '../support/api-spec';

// Payment methods live on `customer-{id}`: given its events, one request, the events it appends or the error.
// The default-card rules are the customer decider's (tests/unit/customer.unit.test.ts, "payment methods").

const NOW = '2026-06-01T12:00:00.000Z';

describe('payment methods: given events, one request, new events or an error', () => {
  const clock = new ManualClock(NOW);
  let spec: ApiSpecification;
  let n = 0;
  /** A registered customer (its stream exists) and a token for it. */
  const customer = (...events: Streams[string]) => {
    const userId = `pm-spec-user-${++n}`;
    return {
      userId,
      token: spec.t.mintToken(userId),
      stream: streams.customer(userId),
      given: {
        [streams.customer(userId)]: [customerRegistered(userId, `${userId}@example.test`), ...events],
      },
    };
  };
  const add = (token: string, body: Record<string, unknown>) => ({
    method: 'POST',
    path: '/v1/payment-methods',
    token,
    body,
  });

  beforeAll(async () => {
    spec = await apiSpecification({ clock });
  });
  afterAll(() => spec?.close());

  describe('POST /v1/payment-methods', () => {
    it('201 with the card facts, never the token; PaymentMethodAdded, the first card the default', async () => {
      const fan = customer();
      const billing = {
        street: '123 Main St',
        city: 'New York',
        state: 'NY',
        postal_code: '10001',
        country: 'US',
      };
      const { response } = await spec
        .given(fan.given)
        .when(add(fan.token, { type: 'CARD', card_token: 'tok_visa', billing_address: billing }))
        .then({
          status: 201,
          body: {
            payment_method_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
            type: 'CARD',
            card_last_four: '4242',
            card_brand: 'Visa',
            expiry: '12/2030',
            is_default: true,
          },
          events: (res) => ({
            [fan.stream]: [
              paymentMethodAdded(res.body.payment_method_id, {
                billingAddress: expect.objectContaining({ street: '123 Main St', city: 'New York' }),
                addedAt: NOW,
              }),
            ],
          }),
        });
      expect(response.text).not.toContain('tok_visa');
      expect(Number(response.headers.get('x-log-position'))).toBeGreaterThan(0);
    });

    it('a second card is not the default; it replaces the default only with make_default', async () => {
      const fan = customer(paymentMethodAdded('pm-first'));
      await spec
        .given(fan.given)
        .when(add(fan.token, { type: 'CARD', card_token: 'tok_mastercard' }))
        .then({
          status: 201,
          body: expect.objectContaining({
            card_brand: 'Mastercard',
            card_last_four: '4444',
            is_default: false,
          }),
          events: (res) => ({
            [fan.stream]: [
              paymentMethodAdded(res.body.payment_method_id, {
                cardToken: 'tok_mastercard',
                brand: 'Mastercard',
                last4: '4444',
                isDefault: false,
                addedAt: NOW,
              }),
            ],
          }),
        });
      await spec
        .given()
        .when(add(fan.token, { type: 'CARD', card_token: 'tok_amex', make_default: true }))
        .then({
          status: 201,
          body: expect.objectContaining({ card_brand: 'American Express', is_default: true }),
          events: (res) => ({
            [fan.stream]: [
              paymentMethodAdded(res.body.payment_method_id, {
                cardToken: 'tok_amex',
                brand: 'American Express',
                last4: '8431',
                isDefault: true,
                previousDefaultId: 'pm-first',
                addedAt: NOW,
              }),
            ],
          }),
        });
    });

    it('400 INVALID_PAYMENT_METHOD for a token the gateway does not know (not a decline), and nothing is written', async () => {
      const fan = customer();
      await spec
        .given(fan.given)
        .when(add(fan.token, { type: 'CARD', card_token: 'tok_doesNotExist' }))
        .thenError(400, 'INVALID_PAYMENT_METHOD', { reason: 'unknown_card_token' });
    });
  });

  describe('GET and DELETE /v1/payment-methods', () => {
    it('GET lists the methods the stream holds, oldest first, with the default marked', async () => {
      const fan = customer(
        paymentMethodAdded('pm-a'),
        paymentMethodAdded('pm-b', {
          cardToken: 'tok_mastercard',
          brand: 'Mastercard',
          last4: '4444',
          expMonth: 3,
          expYear: 2031,
          isDefault: true,
          previousDefaultId: 'pm-a',
        }),
      );
      await spec
        .given(fan.given)
        .when({ method: 'GET', path: '/v1/payment-methods', token: fan.token })
        .then({
          status: 200,
          body: {
            payment_methods: [
              {
                payment_method_id: 'pm-a',
                type: 'CARD',
                card_last_four: '4242',
                card_brand: 'Visa',
                expiry: '12/2030',
                is_default: false,
              },
              {
                payment_method_id: 'pm-b',
                type: 'CARD',
                card_last_four: '4444',
                card_brand: 'Mastercard',
                expiry: '03/2031',
                is_default: true,
              },
            ],
          },
          events: {},
        });
    });

    it('removing the default: 204, PaymentMethodRemoved naming the new default', async () => {
      const fan = customer(paymentMethodAdded('pm-old'), paymentMethodAdded('pm-new', { isDefault: false }));
      const { response } = await spec
        .given(fan.given)
        .when({ method: 'DELETE', path: '/v1/payment-methods/pm-old', token: fan.token })
        .then({
          status: 204,
          events: {
            [fan.stream]: [
              {
                type: 'PaymentMethodRemoved',
                data: { paymentMethodId: 'pm-old', newDefaultId: 'pm-new', removedAt: NOW },
              },
            ],
          },
        });
      const list = await spec.t.call('GET', '/v1/payment-methods', {
        token: fan.token,
        headers: { 'x-min-log-position': response.headers.get('x-log-position')! },
      });
      expect(list.body.payment_methods).toEqual([
        expect.objectContaining({ payment_method_id: 'pm-new', is_default: true }),
      ]);
    });

    it("404 PAYMENT_METHOD_NOT_FOUND for a removed, unknown or someone else's method; nothing written", async () => {
      const owner = customer(paymentMethodAdded('pm-mine'));
      const removed = customer(paymentMethodAdded('pm-gone'), {
        type: 'PaymentMethodRemoved',
        data: { paymentMethodId: 'pm-gone', newDefaultId: null, removedAt: NOW },
      });
      const stranger = customer();
      const cases: Array<[string, string]> = [
        [removed.token, 'pm-gone'],
        [owner.token, 'pm-unknown'],
        [stranger.token, 'pm-mine'],
      ];
      for (const [i, [token, id]] of cases.entries()) {
        await spec
          .given(...(i === 0 ? [owner.given, removed.given, stranger.given] : []))
          .when({ method: 'DELETE', path: `/v1/payment-methods/${id}`, token })
          .thenError(404, 'PAYMENT_METHOD_NOT_FOUND');
      }
    });
  });
});
