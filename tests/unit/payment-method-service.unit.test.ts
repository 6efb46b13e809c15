import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createCustomerProcessor } from '../../src/application/customer/customer-processors';
import { PaymentMethodService } from '../../src/application/payments/payment-method-service';
import { systemMetadata } from '../../src/application/shared/command-metadata';
import { DomainError } from '../../src/domain/shared/errors';
import { ManualClock } from '../../src/infrastructure/clock/system-clock';
import { SqliteEventStore } from '../../src/infrastructure/eventstore/sqlite/sqlite-event-store';
import { RandomIds } from '../../src/infrastructure/ids/random-ids';
import { TestPaymentGateway } from '../../src/infrastructure/payments/test-payment-gateway';

const meta = systemMetadata('test', 'corr-1');

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return (error as DomainError).code;
}

describe('PaymentMethodService', () => {
  let store: SqliteEventStore;
  let gateway: TestPaymentGateway;
  let service: PaymentMethodService;
  const clock = new ManualClock('2026-06-01T12:00:00Z');

  const register = async (userId: string) => {
    await store.append(
      `customer-${userId}`,
      [
        {
          id: randomUUID(),
          type: 'CustomerRegistered',
          data: {
            userId,
            email: `${userId}@example.test`,
            name: 'A Fan',
            passwordHash: 'h',
            role: 'customer',
            registeredAt: clock.now().toISOString(),
          },
          metadata: { ...meta, schemaVersion: 1 },
        },
      ],
      { expectedRevision: 'no_stream' },
    );
  };

  beforeEach(() => {
    store = new SqliteEventStore(':memory:');
    gateway = new TestPaymentGateway();
    service = new PaymentMethodService(createCustomerProcessor(store, clock), gateway, new RandomIds());
  });
  afterEach(async () => {
    await store.close();
  });

  it('adds cards, lists them in order and finds them with their token', async () => {
    await register('u1');
    const visa = await service.add(
      'u1',
      {
        type: 'CARD',
        card_token: 'tok_visa',
        billing_address: { street: '1 Main St', city: 'NYC', postal_code: '10001', country: 'US' },
      },
      meta,
    );
    expect(visa).toEqual({
      payment_method_id: expect.any(String),
      type: 'CARD',
      card_last_four: '4242',
      card_brand: 'Visa',
      expiry: '12/2030',
      is_default: true,
      position: expect.any(Number),
    });
    const amex = await service.add('u1', { type: 'CARD', card_token: 'tok_amex' }, meta);
    expect(amex).toMatchObject({ card_brand: 'American Express', card_last_four: '8431', is_default: false });
    const mc = await service.add(
      'u1',
      { type: 'CARD', card_token: 'tok_mastercard', make_default: true },
      meta,
    );
    expect(mc.is_default).toBe(true);

    expect((await service.list('u1')).map((m) => [m.payment_method_id, m.is_default])).toEqual([
      [visa.payment_method_id, false],
      [amex.payment_method_id, false],
      [mc.payment_method_id, true],
    ]);
    expect(await service.find('u1', visa.payment_method_id)).toMatchObject({
      paymentMethodId: visa.payment_method_id,
      cardToken: 'tok_visa',
      brand: 'Visa',
      last4: '4242',
      expMonth: 12,
      expYear: 2030,
      billingAddress: { street: '1 Main St', city: 'NYC', postalCode: '10001', country: 'US' },
    });
    expect(await service.find('u1', 'nope')).toBeUndefined();
    expect(await service.find('u2', visa.payment_method_id)).toBeUndefined();
    expect(await service.list('u2')).toEqual([]);
  });

  it('maps gateway refusals: unknown token INVALID_PAYMENT_METHOD, outage PAYMENT_UNAVAILABLE; nothing is recorded', async () => {
    await register('u1');
    expect(await codeOf(service.add('u1', { type: 'CARD', card_token: 'tok_bogus' }, meta))).toBe(
      'INVALID_PAYMENT_METHOD',
    );
    gateway.simulateOutage(['describeToken']);
    expect(await codeOf(service.add('u1', { type: 'CARD', card_token: 'tok_visa' }, meta))).toBe(
      'PAYMENT_UNAVAILABLE',
    );
    expect(await store.readStream('customer-u1')).toHaveLength(1);
  });

  it('saves declining test cards (they fail when charged, not when saved)', async () => {
    await register('u1');
    await expect(
      service.add('u1', { type: 'CARD', card_token: 'tok_chargeDeclinedInsufficientFunds' }, meta),
    ).resolves.toMatchObject({ card_last_four: '9995' });
  });

  it('is NOT_FOUND for an account that does not exist', async () => {
    expect(await codeOf(service.add('ghost', { type: 'CARD', card_token: 'tok_visa' }, meta))).toBe(
      'NOT_FOUND',
    );
  });

  it('sees methods added by another process (its own connection to the same file) right away', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'payment-methods-'));
    const file = path.join(dir, 'events.sqlite');
    await store.close();
    store = new SqliteEventStore(file); // closed after the test, as every test's store
    service = new PaymentMethodService(createCustomerProcessor(store, clock), gateway, new RandomIds());
    const elsewhere = new SqliteEventStore(file);
    try {
      await register('u1');
      expect(await service.list('u1')).toEqual([]); // caches the stream's state
      const other = new PaymentMethodService(
        createCustomerProcessor(elsewhere, clock),
        gateway,
        new RandomIds(),
      );
      const added = await other.add('u1', { type: 'CARD', card_token: 'tok_visa' }, meta);
      expect(await service.find('u1', added.payment_method_id)).toMatchObject({ cardToken: 'tok_visa' });
      // and writes from the stale instance still land after the other's
      const second = await service.add('u1', { type: 'CARD', card_token: 'tok_mastercard' }, meta);
      expect(second.is_default).toBe(false);
      expect((await other.list('u1')).map((m) => m.card_brand)).toEqual(['Visa', 'Mastercard']);
    } finally {
      await elsewhere.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('removes a method; removing it again is PAYMENT_METHOD_NOT_FOUND', async () => {
    await register('u1');
    const visa = await service.add('u1', { type: 'CARD', card_token: 'tok_visa' }, meta);
    const mc = await service.add('u1', { type: 'CARD', card_token: 'tok_mastercard' }, meta);
    await service.remove('u1', visa.payment_method_id, meta);
    expect(await service.list('u1')).toEqual([
      expect.objectContaining({ payment_method_id: mc.payment_method_id, is_default: true }),
    ]);
    expect(await codeOf(service.remove('u1', visa.payment_method_id, meta))).toBe('PAYMENT_METHOD_NOT_FOUND');
  });
});
