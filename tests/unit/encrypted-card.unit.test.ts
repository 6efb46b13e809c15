import {
  checkCardNumber,
  checkCvv,
  checkNotExpired,
  luhnValid,
  unsalt,
} from '../../src/domain/payment/encrypted-card';
import { DomainError } from '../../src/domain/shared/errors';

const bytes = (text: string) => Buffer.from(text, 'latin1');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return error instanceof DomainError ? error.code : 'not a DomainError';
  }
}

describe('encrypted card fields: salt, number, security code, expiry (pure rules)', () => {
  it('takes the value after a 16-character salt of A-Z, a-z, 0-9 (the FAQ characters)', () => {
    expect(unsalt(bytes('Ab3dEf6hIj9lMn0p4242424242424242'), 'card.encrypted_number')).toBe(
      '4242424242424242',
    );
    expect(unsalt(bytes('zzzzzzzzzzzzzzzz123'), 'card.encrypted_cvv')).toBe('123');
    expect(unsalt(bytes('0000000000000000' + '9'), 'f')).toBe('9');
  });

  it.each([
    ['15 salt characters and no value', 'Ab3dEf6hIj9lMn0'],
    ['only the salt', 'Ab3dEf6hIj9lMn0p'],
    ['a dash in the salt', 'Ab3dEf6hIj9lM-0p4242424242424242'],
    ['a space in the salt', 'Ab3dEf6h j9lMn0p4242424242424242'],
    ['a non-ASCII letter in the salt', 'Ab3dEf6hIj9lMn0é4242424242424242'],
    ['no salt at all', '4242424242424242'],
  ])('refuses %s with INVALID_CARD_SALT, naming the field and not the value', (_what, plaintext) => {
    let error: unknown;
    try {
      unsalt(Buffer.from(plaintext, 'utf8'), 'card.encrypted_number');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('INVALID_CARD_SALT');
    expect((error as DomainError).details).toEqual({ field: 'card.encrypted_number' });
    expect(JSON.stringify({ m: (error as Error).message, d: (error as DomainError).details })).not.toContain(
      '4242',
    );
  });

  it('checks the number: 12-19 digits with a valid Luhn digit', () => {
    expect(luhnValid('4242424242424242')).toBe(true);
    expect(luhnValid('4242424242424241')).toBe(false);
    expect(luhnValid('371449635398431')).toBe(true);
    expect(checkCardNumber('4000000000000002')).toBe('4000000000000002');
    for (const bad of [
      '4242424242424241',
      '4242 4242 4242 4242',
      '42424242424',
      '42424242424242424242',
      'abcd',
    ])
      expect(codeOf(() => checkCardNumber(bad))).toBe('INVALID_CARD_NUMBER');
  });

  it('checks the security code: 4 digits on American Express cards (34, 37), 3 on every other brand', () => {
    const visa = '4242424242424242';
    const amex = '378282246310005';
    expect(checkCvv('123', visa)).toBe('123');
    expect(checkCvv('1234', amex)).toBe('1234');
    expect(checkCvv('1234', '341111111111111')).toBe('1234');
    for (const bad of ['1234', '12', '12345', '12a', ' 123'])
      expect(codeOf(() => checkCvv(bad, visa))).toBe('INVALID_CARD_CVV');
    for (const bad of ['123', '12345', '123a'])
      expect(codeOf(() => checkCvv(bad, amex))).toBe('INVALID_CARD_CVV');
  });

  it('a card is valid to the end of its expiry month', () => {
    const now = new Date('2030-03-31T23:59:59Z');
    expect(codeOf(() => checkNotExpired(3, 2030, now))).toBeUndefined();
    expect(codeOf(() => checkNotExpired(2, 2030, now))).toBe('CARD_EXPIRED');
    expect(codeOf(() => checkNotExpired(12, 2029, now))).toBe('CARD_EXPIRED');
    expect(codeOf(() => checkNotExpired(1, 2031, now))).toBeUndefined();
  });
});
