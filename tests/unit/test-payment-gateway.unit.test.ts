import {
  PaymentDeclinedError,
  PaymentGatewayUnavailableError,
} from '../../src/application/ports/payment-gateway';
import { TestPaymentGateway } from '../../src/infrastructure/payments/test-payment-gateway';

const EXP = { expMonth: 12, expYear: 2030 };

async function declineReason(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(PaymentDeclinedError);
    return (error as PaymentDeclinedError).reason;
  }
  throw new Error('expected a PaymentDeclinedError');
}

describe('TestPaymentGateway', () => {
  let gateway: TestPaymentGateway;
  beforeEach(() => {
    gateway = new TestPaymentGateway();
  });
  const authorize = (cardToken: string, idempotencyKey = `key-${cardToken}`, amountCents = 1000) =>
    gateway.authorize({ cardToken, amountCents, currency: 'USD', idempotencyKey });

  describe('describeToken', () => {
    it.each([
      ['tok_visa', 'Visa', '4242'],
      ['tok_visa_debit', 'Visa', '5556'],
      ['tok_mastercard', 'Mastercard', '4444'],
      ['tok_mastercard_debit', 'Mastercard', '8210'],
      ['tok_amex', 'American Express', '8431'],
      ['tok_visa_4242', 'Visa', '4242'],
      ['tok_visa_1881', 'Visa', '1881'],
      ['tok_visa_chargeable', 'Visa', '4242'],
      ['tok_visa_gold_0077', 'Visa', '0077'],
      ['tok_mastercard_5100', 'Mastercard', '5100'],
      ['tok_mastercard_prepaid', 'Mastercard', '4444'],
      ['tok_amex_0005', 'American Express', '0005'],
    ])('%s is a %s ending in %s, expiring 12/2030', async (token, brand, last4) => {
      await expect(gateway.describeToken(token)).resolves.toEqual({ brand, last4, ...EXP });
    });

    it.each([
      'tok_chargeDeclined',
      'tok_chargeDeclinedInsufficientFunds',
      'tok_chargeDeclinedExpiredCard',
      'tok_chargeDeclinedProcessingError',
      'tok_gatewayUnavailable',
    ])('%s describes fine (it can be saved; it fails when charged)', async (token) => {
      const card = await gateway.describeToken(token);
      expect(card).toEqual({ brand: 'Visa', last4: expect.stringMatching(/^\d{4}$/), ...EXP });
    });

    it.each([
      'tok_unknown',
      'tok_',
      'tok_visa_',
      'tok_discover',
      'visa',
      '4242424242424242',
      '',
      'tok_visa_ab-cd',
      'toString',
      'constructor',
      '__proto__',
    ])('refuses the unknown token %p as unknown_card_token (no card behind it)', async (token) => {
      const error = await gateway.describeToken(token).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PaymentDeclinedError);
      expect(error).toMatchObject({ reason: 'unknown_card_token', message: 'Unknown card token' });
    });
  });

  describe('authorize', () => {
    it.each([
      'tok_visa',
      'tok_visa_debit',
      'tok_mastercard',
      'tok_amex',
      'tok_visa_4242',
      'tok_mastercard_5100',
      'tok_amex_0005',
    ])('authorizes %s', async (token) => {
      const auth = await authorize(token, 'order-1', 2550);
      expect(auth).toEqual({
        authorizationId: expect.stringMatching(/^auth_[0-9a-f]{24}$/),
        amountCents: 2550,
      });
    });

    it.each([
      ['tok_chargeDeclined', 'card_declined'],
      ['tok_chargeDeclinedInsufficientFunds', 'insufficient_funds'],
      ['tok_chargeDeclinedExpiredCard', 'expired_card'],
      ['tok_chargeDeclinedProcessingError', 'processing_error'],
      ['tok_nope', 'unknown_card_token'],
    ])('declines %s with %s, every time', async (token, reason) => {
      expect(await declineReason(authorize(token))).toBe(reason);
      expect(await declineReason(authorize(token))).toBe(reason);
    });

    it('answers tok_gatewayUnavailable with a retryable PaymentGatewayUnavailableError', async () => {
      await expect(authorize('tok_gatewayUnavailable')).rejects.toBeInstanceOf(
        PaymentGatewayUnavailableError,
      );
      await expect(authorize('tok_gatewayUnavailable')).rejects.toBeInstanceOf(
        PaymentGatewayUnavailableError,
      );
    });

    it('refuses amounts that are not positive whole cents and malformed currencies', async () => {
      await expect(
        gateway.authorize({ cardToken: 'tok_visa', amountCents: 0, currency: 'USD', idempotencyKey: 'a' }),
      ).rejects.toThrow(RangeError);
      await expect(
        gateway.authorize({ cardToken: 'tok_visa', amountCents: 10.5, currency: 'USD', idempotencyKey: 'b' }),
      ).rejects.toThrow(RangeError);
      await expect(
        gateway.authorize({ cardToken: 'tok_visa', amountCents: 100, currency: 'US', idempotencyKey: 'c' }),
      ).rejects.toThrow(RangeError);
      await expect(
        gateway.authorize({ cardToken: 'tok_visa', amountCents: 100, currency: 'USD', idempotencyKey: '' }),
      ).rejects.toThrow(RangeError);
    });
  });

  describe('idempotency', () => {
    it('the same key gives the same result, in this process and in a fresh one (a restart)', async () => {
      const first = await authorize('tok_visa', 'order-42');
      expect(await authorize('tok_visa', 'order-42')).toEqual(first);
      const restarted = new TestPaymentGateway();
      expect(
        await restarted.authorize({
          cardToken: 'tok_visa',
          amountCents: 1000,
          currency: 'USD',
          idempotencyKey: 'order-42',
        }),
      ).toEqual(first);

      const capture = await gateway.capture({
        authorizationId: first.authorizationId,
        amountCents: 1000,
        idempotencyKey: 'cap-42',
      });
      expect(capture).toEqual({ captureId: expect.stringMatching(/^cap_[0-9a-f]{24}$/), amountCents: 1000 });
      expect(
        await gateway.capture({
          authorizationId: first.authorizationId,
          amountCents: 1000,
          idempotencyKey: 'cap-42',
        }),
      ).toEqual(capture);
      expect(
        await restarted.capture({
          authorizationId: first.authorizationId,
          amountCents: 1000,
          idempotencyKey: 'cap-42',
        }),
      ).toEqual(capture);

      const refund = await gateway.refund({
        captureId: capture.captureId,
        amountCents: 400,
        idempotencyKey: 'ref-42',
      });
      expect(refund).toEqual({ refundId: expect.stringMatching(/^re_[0-9a-f]{24}$/), amountCents: 400 });
      expect(
        await gateway.refund({ captureId: capture.captureId, amountCents: 400, idempotencyKey: 'ref-42' }),
      ).toEqual(refund);
      expect(
        await restarted.refund({ captureId: capture.captureId, amountCents: 400, idempotencyKey: 'ref-42' }),
      ).toEqual(refund);
    });

    it('different keys give different ids', async () => {
      const a = await authorize('tok_visa', 'order-a');
      const b = await authorize('tok_visa', 'order-b');
      expect(a.authorizationId).not.toBe(b.authorizationId);
    });

    it('refuses a key reused for a different request', async () => {
      await authorize('tok_visa', 'order-x', 1000);
      await expect(authorize('tok_visa', 'order-x', 2000)).rejects.toThrow(/already used/);
      await expect(authorize('tok_mastercard', 'order-x', 1000)).rejects.toThrow(/already used/);
    });

    it('keys are per operation: an authorize key may be reused as a capture key', async () => {
      const auth = await authorize('tok_visa', 'order-y');
      await expect(
        gateway.capture({
          authorizationId: auth.authorizationId,
          amountCents: 1000,
          idempotencyKey: 'order-y',
        }),
      ).resolves.toBeDefined();
    });
  });

  describe('capture, void and refund', () => {
    it('never captures more than was authorized (within this process)', async () => {
      const auth = await authorize('tok_visa', 'order-1', 1000);
      await expect(
        gateway.capture({ authorizationId: auth.authorizationId, amountCents: 1001, idempotencyKey: 'c1' }),
      ).rejects.toThrow(RangeError);
      await gateway.capture({
        authorizationId: auth.authorizationId,
        amountCents: 600,
        idempotencyKey: 'c2',
      });
      await expect(
        gateway.capture({ authorizationId: auth.authorizationId, amountCents: 500, idempotencyKey: 'c3' }),
      ).rejects.toThrow(RangeError);
      // A retry of the accepted capture is not a second capture.
      await expect(
        gateway.capture({ authorizationId: auth.authorizationId, amountCents: 600, idempotencyKey: 'c2' }),
      ).resolves.toBeDefined();
      await expect(
        gateway.capture({ authorizationId: auth.authorizationId, amountCents: 400, idempotencyKey: 'c4' }),
      ).resolves.toBeDefined();
    });

    it('never refunds more than was captured (within this process)', async () => {
      const auth = await authorize('tok_visa', 'order-1', 1000);
      const capture = await gateway.capture({
        authorizationId: auth.authorizationId,
        amountCents: 1000,
        idempotencyKey: 'c1',
      });
      await gateway.refund({ captureId: capture.captureId, amountCents: 700, idempotencyKey: 'r1' });
      await expect(
        gateway.refund({ captureId: capture.captureId, amountCents: 301, idempotencyKey: 'r2' }),
      ).rejects.toThrow(RangeError);
      await expect(
        gateway.refund({ captureId: capture.captureId, amountCents: 700, idempotencyKey: 'r1' }),
      ).resolves.toBeDefined();
      await expect(
        gateway.refund({ captureId: capture.captureId, amountCents: 300, idempotencyKey: 'r3' }),
      ).resolves.toBeDefined();
    });

    it('trusts authorizations and captures made before a restart', async () => {
      await expect(
        gateway.capture({ authorizationId: 'auth_from_before', amountCents: 5000, idempotencyKey: 'c1' }),
      ).resolves.toEqual({
        captureId: expect.stringMatching(/^cap_/),
        amountCents: 5000,
      });
      await expect(
        gateway.refund({ captureId: 'cap_from_before', amountCents: 5000, idempotencyKey: 'r1' }),
      ).resolves.toBeDefined();
    });

    it('voids twice without complaint, and a voided authorization cannot be captured', async () => {
      const auth = await authorize('tok_visa', 'order-1');
      await gateway.voidAuthorization({ authorizationId: auth.authorizationId, idempotencyKey: 'v1' });
      await gateway.voidAuthorization({ authorizationId: auth.authorizationId, idempotencyKey: 'v1' });
      await gateway.voidAuthorization({ authorizationId: auth.authorizationId, idempotencyKey: 'v2' });
      expect(
        await declineReason(
          gateway.capture({ authorizationId: auth.authorizationId, amountCents: 1000, idempotencyKey: 'c1' }),
        ),
      ).toBe('authorization_expired');
    });

    it('refuses to void a captured authorization (refund it instead)', async () => {
      const auth = await authorize('tok_visa', 'order-1');
      await gateway.capture({
        authorizationId: auth.authorizationId,
        amountCents: 1000,
        idempotencyKey: 'c1',
      });
      await expect(
        gateway.voidAuthorization({ authorizationId: auth.authorizationId, idempotencyKey: 'v1' }),
      ).rejects.toThrow(/refund/);
    });
  });

  describe('simulated outages', () => {
    it('fails the chosen operations as unavailable, records nothing, and recovers', async () => {
      const auth = await authorize('tok_visa', 'order-1');
      gateway.simulateOutage(['capture']);
      await expect(
        gateway.capture({ authorizationId: auth.authorizationId, amountCents: 1000, idempotencyKey: 'c1' }),
      ).rejects.toBeInstanceOf(PaymentGatewayUnavailableError);
      await expect(authorize('tok_visa', 'order-2')).resolves.toBeDefined();
      gateway.endOutage();
      await expect(
        gateway.capture({ authorizationId: auth.authorizationId, amountCents: 1000, idempotencyKey: 'c1' }),
      ).resolves.toBeDefined();
      gateway.simulateOutage();
      await expect(gateway.describeToken('tok_visa')).rejects.toBeInstanceOf(PaymentGatewayUnavailableError);
    });
  });

  it('forgets the oldest ledger entries past its cap (and then trusts them, as after a restart)', async () => {
    const small = new TestPaymentGateway({ maxTracked: 2 });
    const first = await small.authorize({
      cardToken: 'tok_visa',
      amountCents: 100,
      currency: 'USD',
      idempotencyKey: 'k1',
    });
    await small.authorize({ cardToken: 'tok_visa', amountCents: 100, currency: 'USD', idempotencyKey: 'k2' });
    await small.authorize({ cardToken: 'tok_visa', amountCents: 100, currency: 'USD', idempotencyKey: 'k3' });
    await expect(
      small.capture({ authorizationId: first.authorizationId, amountCents: 500, idempotencyKey: 'c' }),
    ).resolves.toBeDefined();
  });
});
