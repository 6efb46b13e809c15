import { fail } from '../shared/errors';

/**
 * The partner API's card-field rules, on decrypted plaintext: a 16-character salt of [A-Za-z0-9] (the FAQ's
 * characters) followed by the value. Pure; errors name the field and never quote the value.
 */

export const SALT_LENGTH = 16;

const ASCII_0 = 0x30;
const ASCII_9 = 0x39;

function isSaltByte(byte: number): boolean {
  return (
    (byte >= ASCII_0 && byte <= ASCII_9) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
  );
}

/** The value after a valid salt (INVALID_CARD_SALT otherwise). Reads bytes, so no decoding step can hide a bad salt. */
export function unsalt(plaintext: Uint8Array, field: string): string {
  if (plaintext.length <= SALT_LENGTH)
    fail('INVALID_CARD_SALT', `${field} must be a ${SALT_LENGTH}-character salt followed by the value`, {
      field,
    });
  for (let i = 0; i < SALT_LENGTH; i += 1) {
    if (!isSaltByte(plaintext[i]))
      fail(
        'INVALID_CARD_SALT',
        `The salt of ${field} must be ${SALT_LENGTH} characters of A-Z, a-z and 0-9`,
        {
          field,
        },
      );
  }
  let value = '';
  for (let i = SALT_LENGTH; i < plaintext.length; i += 1) value += String.fromCharCode(plaintext[i]);
  return value;
}

/** The Luhn (mod 10) check digit rule. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let d = digits.charCodeAt(digits.length - 1 - i) - ASCII_0;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** 12-19 digits with a valid Luhn check digit (ISO/IEC 7812 lengths in use). */
export function checkCardNumber(value: string, field = 'card.encrypted_number'): string {
  if (!/^[0-9]{12,19}$/.test(value) || !luhnValid(value))
    fail('INVALID_CARD_NUMBER', 'The decrypted card number is not 12-19 digits with a valid check digit', {
      field,
    });
  return value;
}

/** American Express numbers (IIN 34, 37) carry a 4-digit security code on their front; every other brand 3. */
const cvvLength = (cardNumber: string) => (/^3[47]/.test(cardNumber) ? 4 : 3);

/** The security code: digits, as many as the card's brand prints (4 for American Express, else 3). */
export function checkCvv(value: string, cardNumber: string, field = 'card.encrypted_cvv'): string {
  const length = cvvLength(cardNumber);
  if (!new RegExp(`^[0-9]{${length}}$`).test(value))
    fail(
      'INVALID_CARD_CVV',
      `The decrypted security code is not ${length} digits, as the card's brand has (4 for American Express, else 3)`,
      { field },
    );
  return value;
}

/** A card is valid to the end of its expiry month (UTC). */
export function checkNotExpired(expMonth: number, expYear: number, now: Date): void {
  const months = (year: number, month: number) => year * 12 + month;
  if (months(expYear, expMonth) < months(now.getUTCFullYear(), now.getUTCMonth() + 1))
    fail('CARD_EXPIRED', 'The card has expired', { field: 'card.exp_year' });
}
