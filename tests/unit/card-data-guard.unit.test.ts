import type { NextFunction, Request, Response } from 'express';
import { ApiError } from '../../src/api/http/api-error';
import {
  containsCardNumber,
  findRawCardData,
  findRawCardDataInRequest,
  idHoldsCardNumber,
  isSafeClientId,
  luhnValid,
  MAX_DEPTH,
  RAW_CARD_DATA_MESSAGE,
  redactCardNumbers,
  rejectRawCardData,
} from '../../src/api/http/card-data-guard';

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

  it.each([
    ['a Luhn-invalid 16-digit number', '4242424242424241'],
    ['a 12-digit barcode', '123456789012'],
    ['a Luhn-valid 12-digit number', '424242424242'.slice(0, 11) + '4'],
    ['a phone number', '+1 (415) 555-0100'],
    ['an international phone number', '+44 20 7946 0958'],
    ['digits glued to letters (an id)', 'ord4242424242424242'],
    ['digits glued to letters after', '4242424242424242x'],
    ['more than 19 digits', '42424242424242424242424'],
    ['a Luhn-valid epoch-millisecond timestamp (starts with 1)', '1736339100008'],
    ['a Luhn-valid 13-digit number starting with 1', '1234567890128'],
    ['a Luhn-valid number starting with 0', '0000000000000000'],
    ['a Luhn-valid number starting with 7-9', '7992739871300'],
    ['digits glued to letters by a dash (an id)', 'ref-4242424242424242'],
    ['digits glued to letters by a dash after', '4242-4242-4242-4242-x'],
    ['a UUID whose first three groups are digits', '42424242-4242-4242-a424-424242424242'],
    ['an ISO date', '2026-08-15T19:00:00Z'],
    ['a uuid', '4242a424-2424-4242-4242-424242424242'],
    ['double separators', '4242  4242  4242  4242'],
  ])('ignores %s', (_what, text) => expect(containsCardNumber(text)).toBe(false));

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
    '1234567890123456', // 16 digits in a row, Luhn or not
  ])('%s holds a card number', (id) => expect(idHoldsCardNumber(id)).toBe(true));
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
