import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  PartnerPaymentService,
  type EncryptedCardPayment,
  type TokenizedCardPayment,
} from '../../src/application/partner/partner-payment-service';
import { DomainError } from '../../src/domain/shared/errors';
import { ManualClock } from '../../src/infrastructure/clock/system-clock';
import { RsaCardKeyRing } from '../../src/infrastructure/crypto/rsa-card-key-ring';
import { TestPaymentGateway } from '../../src/infrastructure/payments/test-payment-gateway';

const SALT = 'Ab3dEf6hIj9lMn0p';
const encrypt = (publicKeyPem: string, plaintext: string) =>
  crypto
    .publicEncrypt(
      { key: publicKeyPem, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
      Buffer.from(plaintext),
    )
    .toString('base64');

/**
 * The service with the real key ring and test gateway; the cart side (CartService.setPayment, tested with the
 * cart in the API tests) is a recorder here, so what the cart would be given can be inspected whole.
 */
describe('PartnerPaymentService: decrypt, check, tokenize, hand the cart the token only', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'partner-payment-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const clock = new ManualClock('2030-03-10T12:00:00Z');
  const keys = new RsaCardKeyRing({ dir, secret: 'x'.repeat(10) + 'abcdefghijklmnopqrstuvwxyz', clock });
  const gateway = new TestPaymentGateway();
  const given: TokenizedCardPayment[] = [];
  let required: string[] | undefined;
  const service = new PartnerPaymentService({
    encryption: keys,
    gateway,
    clock,
    setCartPayment: async (_event, _cart, _partner, payment) => {
      given.push(payment);
      return { ok: true };
    },
    requiredFields: async () => required,
  });
  beforeEach(() => {
    given.length = 0;
    required = undefined;
  });

  async function request(
    overrides: { number?: string; cvv?: string; salt?: string } = {},
    more: Partial<EncryptedCardPayment> = {},
  ): Promise<EncryptedCardPayment> {
    const { encryptionKey, publicKeyPem } = await keys.current();
    const salt = overrides.salt ?? SALT;
    return {
      cartId: 'cart-1',
      encryptionKey,
      card: {
        encrypted_number: encrypt(publicKeyPem, salt + (overrides.number ?? '4242424242424242')),
        encrypted_cvv: encrypt(publicKeyPem, salt + (overrides.cvv ?? '123')),
        exp_month: 12,
        exp_year: 2031,
        holder_name: 'Ada Lovelace',
      },
      billingAddress: { line1: '1 Main St', city: 'Springfield', postal_code: '62701', country: 'US' },
      ...more,
    };
  }

  async function refusal(input: Promise<EncryptedCardPayment> | EncryptedCardPayment) {
    try {
      await service.setPayment('event-1', 'partner-1', await input, {
        correlationId: 'c',
        causationId: 'c',
        userId: 'partner-1',
      });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return { code: error.code, details: error.details, message: error.message };
    }
    throw new Error('expected a refusal');
  }

  const pay = async (input: EncryptedCardPayment) =>
    service.setPayment('event-1', 'partner-1', input, { correlationId: 'c', causationId: 'c', userId: 'p' });

  it('gives the cart the gateway token, brand, last four, expiry, holder and address: never the number or code', async () => {
    await pay(await request({ cvv: '918' }));
    expect(given).toEqual([
      {
        cardToken: 'tok_visa',
        brand: 'Visa',
        last4: '4242',
        expMonth: 12,
        expYear: 2031,
        holderName: 'Ada Lovelace',
        billingAddress: { line1: '1 Main St', city: 'Springfield', postal_code: '62701', country: 'US' },
      },
    ]);
    const recorded = JSON.stringify(given);
    expect(recorded).not.toContain('4242424242424242');
    expect(recorded).not.toContain('918');
  });

  it('maps the test card numbers to the gateway tokens and their behaviours', async () => {
    await pay(await request({ number: '4111111111111111' }));
    await pay(await request({ number: '4000000000000002' }));
    await pay(await request({ number: '5555555555554444', cvv: '123' }));
    // Both of Stripe's American Express test numbers, with their four-digit codes (issue 11: the first was refused).
    await pay(await request({ number: '378282246310005', cvv: '1234' }));
    await pay(await request({ number: '371449635398431', cvv: '1234' }));
    expect(given.map((g) => [g.cardToken, g.brand, g.last4])).toEqual([
      ['tok_visa_1111', 'Visa', '1111'],
      ['tok_chargeDeclined', 'Visa', '0002'], // tokenizes fine, declined when the order charges it
      ['tok_mastercard', 'Mastercard', '4444'],
      ['tok_amex_0005', 'American Express', '0005'],
      ['tok_amex', 'American Express', '8431'],
    ]);
    // A Luhn-valid number that is no test card: the test processor refuses it (a real one would vault it).
    expect((await refusal(request({ number: '4012888888881881' }))).code).toBe('PAYMENT_DECLINED');
  });

  it.each([
    // 15 salt characters: the first digit completes the salt, and what is left is no card number.
    ['a 15-character salt', 'INVALID_CARD_NUMBER', { salt: 'Ab3dEf6hIj9lMn0' }],
    ['a salt with a dash', 'INVALID_CARD_SALT', { salt: 'Ab3dEf6hIj9lMn0-' }],
    ['a salt with a space', 'INVALID_CARD_SALT', { salt: 'Ab3dEf6h j9lMn0p' }],
    ['no salt', 'INVALID_CARD_SALT', { salt: '' }],
    ['a number failing Luhn', 'INVALID_CARD_NUMBER', { number: '4242424242424241' }],
    ['a number with spaces', 'INVALID_CARD_NUMBER', { number: '4242 4242 4242 4242' }],
    ['a 2-digit security code', 'INVALID_CARD_CVV', { cvv: '12' }],
    ['a 4-digit code on a Visa card', 'INVALID_CARD_CVV', { cvv: '1234' }],
    [
      'a 3-digit code on an American Express card',
      'INVALID_CARD_CVV',
      { number: '378282246310005', cvv: '123' },
    ],
  ])('refuses %s (400 %s), quoting nothing decrypted', async (_what, code, overrides) => {
    const refused = await refusal(request(overrides));
    expect(refused.code).toBe(code);
    expect(JSON.stringify(refused)).not.toMatch(/4242|Ab3dEf/);
    expect(given).toEqual([]);
  });

  it('refuses card data that is not encrypted, or not under the named key', async () => {
    const valid = await request();
    const plain = { ...valid, card: { ...valid.card, encrypted_cvv: '123' } };
    expect(await refusal(plain)).toMatchObject({
      code: 'CARD_DATA_NOT_ENCRYPTED',
      details: { field: 'card.encrypted_cvv' },
    });
    const otherKey = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
      type: 'spki',
      format: 'pem',
    }) as string;
    const wrong = {
      ...valid,
      card: { ...valid.card, encrypted_number: encrypt(otherKey, SALT + '4242424242424242') },
    };
    expect(await refusal(wrong)).toMatchObject({
      code: 'CARD_DECRYPTION_FAILED',
      details: { field: 'card.encrypted_number' },
    });
    expect(await refusal({ ...valid, encryptionKey: 'ck-20300310-aaaaaaaaaaaaaaaa' })).toMatchObject({
      code: 'ENCRYPTION_KEY_UNKNOWN',
    });
  });

  it('names every missing required field at once: the card always, the rest per partner', async () => {
    const valid = await request();
    const refused = await refusal({
      cartId: 'cart-1',
      card: { encrypted_number: valid.card!.encrypted_number, holder_name: '  ' },
    });
    expect(refused.code).toBe('MISSING_PAYMENT_FIELDS');
    expect(refused.details.fields).toEqual([
      'encryption_key',
      'card.encrypted_cvv',
      'card.exp_month',
      'card.exp_year',
      // the default configuration: holder name and billing address
      'card.holder_name',
      'billing_address.line1',
      'billing_address.city',
      'billing_address.postal_code',
      'billing_address.country',
    ]);

    // A partner configured to need only the postal code pays without a holder name or the rest of the address.
    required = ['billing_address.postal_code'];
    await pay({
      ...valid,
      card: { ...valid.card, holder_name: undefined },
      billingAddress: { postal_code: '02139' },
    });
    expect(given[0]).toMatchObject({ holderName: '', billingAddress: { postal_code: '02139' } });
    expect(await refusal({ ...valid, billingAddress: { city: 'Boston' } })).toMatchObject({
      code: 'MISSING_PAYMENT_FIELDS',
      details: { fields: ['billing_address.postal_code'] },
    });
  });

  it('refuses an expired card before it reaches the gateway, and an expired key with a clear code', async () => {
    const valid = await request();
    expect(await refusal({ ...valid, card: { ...valid.card, exp_month: 2, exp_year: 2030 } })).toMatchObject({
      code: 'CARD_EXPIRED',
    });
    const later = new ManualClock('2030-03-12T00:00:00Z');
    const laterService = new PartnerPaymentService({
      encryption: new RsaCardKeyRing({
        dir,
        secret: 'x'.repeat(10) + 'abcdefghijklmnopqrstuvwxyz',
        clock: later,
      }),
      gateway,
      clock: later,
      setCartPayment: async () => ({ ok: true }),
    });
    await expect(
      laterService.setPayment('e', 'p', valid, { correlationId: 'c', causationId: 'c', userId: 'p' }),
    ).rejects.toMatchObject({ code: 'ENCRYPTION_KEY_EXPIRED' });
  });

  it('answers PAYMENT_UNAVAILABLE when the processor cannot be reached', async () => {
    gateway.simulateOutage(['tokenizeCard']);
    try {
      expect((await refusal(request())).code).toBe('PAYMENT_UNAVAILABLE');
    } finally {
      gateway.endOutage();
    }
  });
});
