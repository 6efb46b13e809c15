import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PaymentDeclinedError } from '../../src/application/ports/payment-gateway';
import { TestPaymentGateway } from '../../src/infrastructure/payments/test-payment-gateway';

/** The test gateway stands in for an external processor: with a file its records outlive our process. */
describe('TestPaymentGateway with a file ledger', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-ledger-'));
  const file = path.join(dir, 'gateway.sqlite');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('remembers authorizations, captures, voids and idempotency keys across a restart', async () => {
    const first = new TestPaymentGateway({ file });
    const auth = await first.authorize({
      cardToken: 'tok_visa',
      amountCents: 1000,
      currency: 'USD',
      idempotencyKey: 'a1',
    });
    const capture = await first.capture({
      authorizationId: auth.authorizationId,
      amountCents: 1000,
      idempotencyKey: 'c1',
    });
    const other = await first.authorize({
      cardToken: 'tok_visa',
      amountCents: 500,
      currency: 'USD',
      idempotencyKey: 'a2',
    });
    await first.voidAuthorization({ authorizationId: other.authorizationId, idempotencyKey: 'v2' });
    first.close(); // the "crash": a new instance on the same file

    const second = new TestPaymentGateway({ file });
    try {
      // Same key, same answer, and still only one capture on the authorization.
      await expect(
        second.capture({ authorizationId: auth.authorizationId, amountCents: 1000, idempotencyKey: 'c1' }),
      ).resolves.toEqual(capture);
      expect(second.authorizationRecord(auth.authorizationId)).toEqual({
        amountCents: 1000,
        captures: { c1: 1000 },
        voided: false,
      });
      // A second capture under another key would exceed the authorization: caught, not trusted blindly.
      await expect(
        second.capture({ authorizationId: auth.authorizationId, amountCents: 1000, idempotencyKey: 'c2' }),
      ).rejects.toThrow(RangeError);
      // The voided authorization is still voided.
      await expect(
        second.capture({ authorizationId: other.authorizationId, amountCents: 500, idempotencyKey: 'c3' }),
      ).rejects.toBeInstanceOf(PaymentDeclinedError);
      // A reused key for a different request is still refused.
      await expect(
        second.authorize({ cardToken: 'tok_visa', amountCents: 999, currency: 'USD', idempotencyKey: 'a1' }),
      ).rejects.toThrow(/already used/);
      // Refunds are bounded by the capture, across restarts too.
      await second.refund({ captureId: capture.captureId, amountCents: 600, idempotencyKey: 'r1' });
    } finally {
      second.close();
    }
    const third = new TestPaymentGateway({ file });
    try {
      await expect(
        third.refund({ captureId: capture.captureId, amountCents: 600, idempotencyKey: 'r2' }),
      ).rejects.toThrow(RangeError);
    } finally {
      third.close();
    }
  });

  it('calls made together share a commit: a refused one records nothing, the others are kept', async () => {
    const first = new TestPaymentGateway({ file });
    const [a, b] = await Promise.all([
      first.authorize({ cardToken: 'tok_visa', amountCents: 700, currency: 'USD', idempotencyKey: 'g-a' }),
      first.authorize({ cardToken: 'tok_visa', amountCents: 300, currency: 'USD', idempotencyKey: 'g-b' }),
    ]);
    // Issued in one turn of the event loop: one commit, each call in a savepoint of its own.
    const outcomes = await Promise.allSettled([
      first.capture({ authorizationId: a.authorizationId, amountCents: 700, idempotencyKey: 'g-ca' }),
      // More than authorized: refused after its checks wrote the request's fingerprint, which must roll back.
      first.capture({ authorizationId: b.authorizationId, amountCents: 301, idempotencyKey: 'g-cb' }),
      first.authorize({
        cardToken: 'tok_chargeDeclined',
        amountCents: 5,
        currency: 'USD',
        idempotencyKey: 'g-d',
      }),
      first.capture({ authorizationId: b.authorizationId, amountCents: 300, idempotencyKey: 'g-cb2' }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    first.close();

    const second = new TestPaymentGateway({ file });
    try {
      expect(second.authorizationRecord(a.authorizationId)?.captures).toEqual({ 'g-ca': 700 });
      expect(second.authorizationRecord(b.authorizationId)?.captures).toEqual({ 'g-cb2': 300 });
      // The refused capture's key was rolled back with it: it may be used for a different request now.
      await expect(
        second.capture({ authorizationId: a.authorizationId, amountCents: 1, idempotencyKey: 'g-cb' }),
      ).rejects.toThrow(RangeError); // exceeds what is left on a, not "already used"
    } finally {
      second.close();
    }
  });
});
