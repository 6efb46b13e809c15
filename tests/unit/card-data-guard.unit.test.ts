import type { NextFunction, Request, Response } from 'express';
import fc from 'fast-check';
import { ApiError } from '../../src/api/http/api-error';
import {
  findRawCardData,
  findRawCardDataInRequest,
  isSafeClientId,
  MAX_DEPTH,
  RAW_CARD_DATA_MESSAGE,
  rejectRawCardData,
} from '../../src/api/http/card-data-guard';
import {
  containsCardNumber,
  idHoldsCardNumber,
  luhnValid,
  redactCardNumbers,
} from '../../src/api/http/card-number-scan';

const VISA = '4242424242424242';

describe('Luhn check', () => {
  it.each([
    VISA,
    '4111111111111111',
    '5555555555554444',
    '378282246310005',
    '6011111111111117',
    '2223003122003222',
    '3530111333300000',
    '36227206271667',
    '79927398713',
  ])('%s is Luhn-valid', (digits) => expect(luhnValid(digits)).toBe(true));
  it.each(['4242424242424241', '4111111111111112', '1234567812345678', '', '42a2'])('%p is not', (digits) =>
    expect(luhnValid(digits)).toBe(false),
  );
});

describe('containsCardNumber', () => {
  it.each([
    VISA,
    '4242 4242 4242 4242',
    '4242-4242-4242-4242',
    '3782 822463 10005',
    '  4242424242424242 ',
    'my card is 4242 4242 4242 4242, thanks',
    'pan=4242424242424242;',
    'ref 1 4242 4242 4242 4242', // a card inside a longer run of digit groups
    '4242 4242 4242 4242 12/30',
    'tok_4242424242424242', // an underscore does not glue
    '6200000000000005', // UnionPay, 16
    '4000056655665556', // Visa debit
  ])('finds a card number in %p', (text) => expect(containsCardNumber(text)).toBe(true));

  // The red-team variants after issue 8: each line is a class the old guard let through.
  it.each([
    ['dots', '4242.4242.4242.4242'],
    ['double spaces', '4242  4242  4242  4242'],
    ['no-break spaces', '4242\u00a04242\u00a04242\u00a04242'],
    ['slashes', '4242/4242/4242/4242'],
    ['commas', '4242,4242,4242,4242'],
    ['plus signs', '4242+4242+4242+4242'],
    ['underscores', '4242_4242_4242_4242'],
    ['en dashes', '4242\u20134242\u20134242\u20134242'],
    ['spaced dashes', '4242 - 4242 - 4242 - 4242'],
    ['zero-width spaces', '4242\u200b4242\u200b4242\u200b4242'],
    ['a zero-width space and a space', '4242\u200b 4242\u200b 4242\u200b 4242'],
    ['soft hyphens and ideographic spaces', '4242\u00ad4242\u30004242\u00ad4242'],
    ['a letter before', 'x4242424242424242'],
    ['a letter after', '4242424242424242x'],
    ['a word and a dash before', 'ref-4242424242424242'],
    ['a dash and a letter after', '4242-4242-4242-4242-x'],
    ['letters on both sides, inside a name', 'Jane4242 4242 4242 4242Doe'],
    ['fullwidth digits', '\uff14\uff12\uff14\uff12'.repeat(4)],
    ['Arabic-Indic digits', '\u0664\u0662\u0664\u0662'.repeat(4)],
    ['Devanagari digits', '\u096a\u0968\u096a\u0968'.repeat(4)],
    ['mathematical bold digits (astral)', '\u{1D7D2}\u{1D7D0}'.repeat(8)],
    [
      'mixed scripts and separators',
      '\uff14\uff12\uff14\uff12 \u0664\u0662\u0664\u0662.4242\u00a0\u096a\u0968\u096a\u0968',
    ],
    ['a UATP card (prefix 1)', '122000000000003'],
    ['a Luhn-valid 13-digit number starting with 7-9', '7992739871300'],
  ])('finds a card number written with %s', (_what, text) => expect(containsCardNumber(text)).toBe(true));

  it.each([
    ['a Luhn-invalid 16-digit number', '4242424242424241'],
    ['a 12-digit barcode', '123456789012'],
    ['a Luhn-valid 12-digit number', '424242424242'.slice(0, 11) + '4'],
    ['a phone number', '+1 (415) 555-0100'],
    ['an international phone number', '+44 20 7946 0958'],
    ['more than 19 digits', '42424242424242424242424'],
    ['a UUID whose first three groups are digits', '42424242-4242-4242-a424-424242424242'],
    ['an ISO date', '2026-08-15T19:00:00Z'],
    ['a uuid', '4242a424-2424-4242-4242-424242424242'],
    ['a Luhn-invalid number with odd separators', '4242.4242\u00a04242/4241'],
    ['groups too far apart (4 separators)', '4242 -- 4242 -- 4242 -- 4242'],
    ['a Luhn-invalid epoch-millisecond timestamp', '1733059200000'],
    ['a Luhn-valid epoch-millisecond timestamp (13 digits starting with 1)', '1736339100008'],
    // 12341+1796137404733 and 1796137404733+4 are Luhn-valid: a group over 8 digits is not joined to others.
    ['a pid and a timestamp', 'fan-12341-1796137404733@example.test'],
    ['a timestamp and a counter', 'fan-1796137404733-4@example.test'],
    ['superscript digits (not decimal digits)', '\u2074\u00b2\u2074\u00b2'.repeat(4)],
    ['a date-time with milliseconds', '2026-08-15T19:00:00.123Z'],
  ])('ignores %s', (_what, text) => expect(containsCardNumber(text)).toBe(false));

  it('a UUID is an id, never scanned, even when a Luhn-valid run crosses its dashes', () => {
    // 4567-1234-4000-4 = 13 digits; as free text the run would be refused.
    const uuid = 'abcd4567-1234-4000-4bcd-ef0123456789';
    expect(luhnValid('4567123440004')).toBe(true);
    expect(containsCardNumber(uuid)).toBe(false);
    expect(idHoldsCardNumber(uuid)).toBe(false);
    expect(containsCardNumber(uuid.replace(/-/g, ' '))).toBe(true);
  });

  it('finds a card at the end of 100 kB of one-digit groups (windows reach 19 digits back, no further)', () => {
    const ones = '1 '.repeat(50_000); // no window of 13-19 ones is Luhn-valid
    expect(containsCardNumber(ones)).toBe(false);
    expect(containsCardNumber(`${ones}x 4242.4242.4242.4242`)).toBe(true);
  });

  it('flags a Luhn-valid phone-like number of 13+ digits starting with 2-6 (the documented trade-off)', () => {
    expect(luhnValid('4420794609582')).toBe(true);
    expect(containsCardNumber('+44 2079 4609 582')).toBe(true);
    expect(containsCardNumber('+44 2079 4609 583')).toBe(false);
  });
});

describe('findRawCardData', () => {
  it.each([
    [{ card_number: 'whatever' }, 'card_number'],
    [{ cardNumber: 'x' }, 'cardNumber'],
    [{ 'card-number': 'x' }, 'card-number'],
    [{ CARDNUMBER: 'x' }, 'CARDNUMBER'],
    [{ pan: 'x' }, 'pan'],
    [{ PAN: 'x' }, 'PAN'],
    [{ cvc: '123' }, 'cvc'],
    [{ CVV: 123 }, 'CVV'],
    [{ cvc2: '123' }, 'cvc2'],
    [{ cvv_2: '123' }, 'cvv_2'],
    [{ security_code: '123' }, 'security_code'],
    [{ securityCode: '123' }, 'securityCode'],
    [{ card_code: '123' }, 'card_code'],
    [{ card: { number: 'x' } }, 'card.number'],
    [{ card: { cvc: '123' } }, 'card.cvc'],
    [{ payment: { credit_card: { number: 'x' } } }, 'payment.credit_card.number'],
    [{ paymentCard: { details: { Number: 'x' } } }, 'paymentCard.details.Number'],
    [{ cards: [{ number: 'x' }] }, 'cards.0.number'],
  ])('refuses the key in %j at %s', (body, field) => expect(findRawCardData(body)).toBe(field));

  it.each([
    [{ card_token: VISA }, 'card_token'],
    [{ note: '4242 4242 4242 4242' }, 'note'],
    [{ note: 4242424242424242 }, 'note'],
    [{ a: { b: { c: [1, 2, { d: `card ${VISA}` }] } } }, 'a.b.c.2.d'],
    [[{ ok: true }, '4242-4242-4242-4242'], '1'],
    [{ seat_ids: ['s1:A:1', VISA] }, 'seat_ids.1'],
  ])('refuses the value in %j at %s', (body, field) => expect(findRawCardData(body)).toBe(field));

  it('refuses a card number used as a key without repeating it in the path', () => {
    const field = findRawCardData({ meta: { [VISA]: true } });
    expect(field).toBe('meta.[redacted]');
  });

  it('never returns the offending value', () => {
    for (const body of [
      { card: { number: VISA } },
      { x: `4242 4242 4242 4242` },
      { [VISA]: 1 },
      { deep: [[{ [`k${VISA}`]: VISA }]] },
    ]) {
      const field = findRawCardData(body)!;
      expect(field).toBeDefined();
      expect(field.replace(/\D/g, '')).not.toContain('424242424242');
    }
  });

  it('the body itself may be the value', () => {
    expect(findRawCardData(VISA)).toBe('(body)');
    expect(findRawCardData('hello')).toBeUndefined();
  });

  it.each([
    { number: 12 }, // no card on the path
    { seat: { number: 12 } },
    { address: { number: '221B' } },
    { card_token: 'tok_visa' },
    { card: { token: 'tok_visa', last4: '4242', exp_month: 12, exp_year: 2030 } },
    { card: { encrypted_number: 'k3Jt0tq2hRkYrJc9+8/3mO0tJtJb2Q==', encrypted_cvv: 'AAAA+/==' } },
    {
      cart_id: 'c1',
      card: {
        encrypted_number: 'QUJD',
        encrypted_cvv: 'REVG',
        exp_month: 12,
        exp_year: 2030,
        holder_name: 'A Fan',
      },
    },
    { barcode: '123456789012' },
    { phone: '+1 415 555 0100' },
    { amount: 1860.0, quantity: 4, ts: 1736339100000 },
    { event_id: '000051048D991EE7', seat_ids: ['s1:A:1', 's1:A:2'] },
    { note: '4242424242424241' },
    [],
    {},
    { a: null, b: [null, true, false, 0] },
  ])('lets %j through', (body) => expect(findRawCardData(body)).toBeUndefined());

  it('stops at MAX_DEPTH', () => {
    let deep: unknown = { cvc: '123' };
    for (let i = 0; i < MAX_DEPTH + 5; i += 1) deep = { next: deep };
    expect(findRawCardData(deep)).toBeUndefined();
    let shallow: unknown = { cvc: '123' };
    for (let i = 0; i < MAX_DEPTH - 1; i += 1) shallow = { next: shallow };
    expect(findRawCardData(shallow)).toMatch(/\.cvc$/);
  });
});

describe('rejectRawCardData middleware', () => {
  const run = (body: unknown) => {
    const req = { body } as Request;
    let passed: unknown = 'not called';
    rejectRawCardData(req, {} as Response, ((error?: unknown) => (passed = error)) as NextFunction);
    return { req, passed };
  };

  it('passes clean bodies and bodiless requests on', () => {
    expect(run({ card_token: 'tok_visa' }).passed).toBeUndefined();
    expect(run(undefined).passed).toBeUndefined();
  });

  it('refuses card data with 400 RAW_CARD_DATA_REJECTED naming only the field, and drops the body', () => {
    const { req, passed } = run({ card: { number: VISA } });
    expect(passed).toBeInstanceOf(ApiError);
    const error = passed as ApiError;
    expect(error.status).toBe(400);
    expect(error.code).toBe('RAW_CARD_DATA_REJECTED');
    expect(error.message).toBe(RAW_CARD_DATA_MESSAGE);
    expect(error.details).toEqual({ field: 'card.number' });
    expect(JSON.stringify({ m: error.message, d: error.details })).not.toContain('4242');
    expect(req.body).toBeUndefined();
  });
});

describe('every door: query strings and paths', () => {
  it.each([
    [{ query: { q: VISA } }, 'query.q'],
    [{ query: { cvv: '123' } }, 'query.cvv'],
    [{ query: { tags: ['a', '4242 4242 4242 4242'] } }, 'query.tags.1'],
    [{ path: `/v1/orders/${VISA}` }, '(path)'],
    [{ path: `/v1/orders/${encodeURIComponent('4242 4242 4242 4242')}` }, '(path)'],
    [{ path: `/v1/orders/${'%34%32'.repeat(8)}` }, '(path)'],
    [{ path: `/v1/orders/${VISA}%E0%A4%A` }, '(path)'], // malformed escape: the raw path is still checked
  ])('%j is refused at %s', (req, field) => {
    expect(findRawCardDataInRequest(req)).toBe(field);
  });

  it('passes clean requests (the hot path) and ids that merely hold digits', () => {
    expect(
      findRawCardDataInRequest({ path: '/v1/seats/reserve', query: {}, body: { seat_ids: ['s1:A:1'] } }),
    ).toBe(undefined);
    expect(findRawCardDataInRequest({ path: '/v1/events/000051048D991EE7', query: { page: '2' } })).toBe(
      undefined,
    );
    expect(findRawCardDataInRequest({ path: '/v1/orders/123e4567-e89b-42d3-a456-426614174000' })).toBe(
      undefined,
    );
  });
});

describe('client-chosen ids and keys', () => {
  it.each(['req-1', 'a.b:c_d-e', '123e4567-e89b-42d3-a456-426614174000', 'k'.repeat(128), '1733059200000'])(
    '%s is a safe id',
    (id) => {
      expect(isSafeClientId(id)).toBe(true);
      expect(idHoldsCardNumber(id)).toBe(false);
    },
  );
  it.each(['', 'has space', 'a/b', 'semi;colon', 'k'.repeat(129), 'é', 'a\u0000b'])(
    '%p is not a safe id',
    (id) => expect(isSafeClientId(id)).toBe(false),
  );
  it.each([
    VISA,
    'req-4242424242424242', // glued to a letter: an identifier in a body, still a card number in an id
    'req_4242_4242_4242_4242',
    '4242.4242.4242.4242',
    'x:378282246310005',
    '4111111111111112', // 16 digits in a row starting as a Visa, Luhn or not
    '2221000000000009', // a Mastercard 2-series number
    '9792000000000001', // a Troy card: 0, 8 and 9 lead national schemes' cards
    '0000000000000000',
    '42424242424242424242', // 20 digits in a row: a card glued to others
    '4242a4242b4242c4242', // digit groups split by letters
    'pan_4242x4242x4242x4242',
    'X4242Y4242Z4242W4242',
    '3782x822463x10005', // Amex, 4-6-5
    'ref-4242424242424242',
    '4242..4242..4242..4242',
  ])('%s holds a card number', (id) => expect(idHoldsCardNumber(id)).toBe(true));

  it.each([
    '000051048D991EE7', // the partner's event id format
    'demo-stadium-onsale',
    's12:AA:1234',
    '4242a4242b4242c4241', // Luhn-invalid
    '42a42b42c42d42e42f42g42', // groups shorter than 4 digits: a hex-like id, not a card shape
    // No card starts so: timestamps and counters led by 1 or 2 (Luhn-valid or not).
    'ord-20261203095712132',
    'k-20261203095638694',
    'k-0.1234567890123456',
    '1234567890123456',
    '2026120309571213',
  ])('%s is not taken for a card number', (id) => expect(idHoldsCardNumber(id)).toBe(false));

  it('a timestamp Idempotency-Key or request id is not refused, whichever its check digit', () => {
    // yyyyMMddHHmmssSSS keys: one in ten passes Luhn; none starts as a card number does.
    for (let ms = 0; ms < 1000; ms += 37) {
      const key = `ord-20261203095712${String(ms).padStart(3, '0')}`;
      expect([key, idHoldsCardNumber(key), containsCardNumber(key)]).toEqual([key, false, false]);
    }
  });

  it('random UUIDs (our own ids, and the usual client ids) are never refused', () => {
    fc.assert(
      fc.property(fc.uuid(), (uuid) => {
        expect(idHoldsCardNumber(uuid)).toBe(false);
        expect(containsCardNumber(`order ${uuid}, reservation ${uuid.toUpperCase()}`)).toBe(false);
        expect(findRawCardDataInRequest({ path: `/v1/orders/${uuid}`, body: { reservation_id: uuid } })).toBe(
          undefined,
        );
      }),
      { seed: 8, numRuns: 2000 },
    );
  });

  it('values of id keys get the id rule (event_id becomes a stream name), other text the free-text rule', () => {
    expect(findRawCardData({ event_id: '4242a4242b4242c4242' })).toBe('event_id');
    expect(findRawCardData({ seat_ids: ['s1:A:1', 'pan_4242x4242x4242x4242'] })).toBe('seat_ids.1');
    expect(findRawCardData({ eventId: 'X4242Y4242Z4242W4242' })).toBe('eventId');
    expect(findRawCardData({ name: 'Bob', event_id: 'ev-1' })).toBeUndefined();
    // Not an id: letters split a free-text value into words, not digit groups.
    expect(findRawCardData({ name: '4242a4242b4242c4242' })).toBeUndefined();
    expect(findRawCardData({ billing_address: { street: 'Main St x4242424242424242' } })).toBe(
      'billing_address.street',
    );
  });

  it('path segments get the id rule; an encoded slash does not split a card number', () => {
    expect(findRawCardDataInRequest({ path: '/v1/events/4242a4242b4242c4242' })).toBe('(path)');
    expect(findRawCardDataInRequest({ path: '/v1/events/4242%2F4242%2F4242%2F4242/seats' })).toBe('(path)');
    expect(findRawCardDataInRequest({ path: '/v1/events/000051048D991EE7/seats' })).toBeUndefined();
  });
});

describe('redactCardNumbers (text about to be logged)', () => {
  it('masks every card-number run and keeps the rest', () => {
    const text = `failed on /v1/orders/${VISA} with 5555 5555 5555 4444 at 2026-12-01 order 42`;
    const masked = redactCardNumbers(text);
    expect(masked).toBe('failed on /v1/orders/[redacted] with [redacted] at 2026-12-01 order 42');
  });
  it('leaves text without card numbers as it is', () => {
    expect(redactCardNumbers('Invalid time value 1733059200000')).toBe('Invalid time value 1733059200000');
  });
});
