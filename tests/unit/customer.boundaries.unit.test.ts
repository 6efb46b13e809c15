// The customer and email deciders at their edges: exact expiry instants, ids reused within a rotation, card
// facts just inside and just outside their formats, and events folded onto an account that cannot place them
// (evolve must be total: a log is replayed as it was written).
import {
  customerDecider,
  emailDecider,
  type CustomerEvent,
  type CustomerState,
  type RefreshTokenFamilyRevoked,
} from '../../src/domain/customer/customer';
import { spec } from '../support/given-when-then';
import {
  NOW,
  USER,
  add,
  added,
  at,
  issued,
  registered,
  removed,
  rotate,
  rotated,
  sha,
  shift,
} from './fixtures/customer';

const customer = spec(customerDecider);
const email = spec(emailDecider);

const account = (history: CustomerEvent[]): Extract<CustomerState, { exists: true }> => {
  const state = customer.given(history).state();
  if (!state.exists) throw new Error('expected an account');
  return state;
};
const revoked = (familyId: string, revokedTokenIds: string[]): RefreshTokenFamilyRevoked => ({
  type: 'RefreshTokenFamilyRevoked',
  data: { familyId, reusedTokenId: familyId, revokedTokenIds, reason: 'reuse', revokedAt: NOW },
});

describe('streams with no events', () => {
  test('a customer stream with no events holds no account; an email stream claims nothing', () => {
    expect(customer.given([]).state()).toEqual({ exists: false });
    expect(email.given([]).state()).toEqual({ claimed: false });
  });

  test('registering an account that exists fails with CUSTOMER_EXISTS naming it', () => {
    customer
      .given([registered], at())
      .when({
        type: 'RegisterCustomer',
        userId: USER,
        email: 'x@example.com',
        name: 'X',
        passwordHash: 'h',
        role: 'customer',
      })
      .thenThrows('CUSTOMER_EXISTS', { user_id: USER });
  });

  test('a second EmailClaimed does not move the email to another account', () => {
    const claim = (userId: string) => ({
      type: 'EmailClaimed' as const,
      data: { email: 'fan@example.com', userId },
    });
    expect(email.given([claim('u-1'), claim('u-2')]).state()).toEqual({
      claimed: true,
      email: 'fan@example.com',
      userId: 'u-1',
    });
  });
});

describe('rotating a refresh token: ids and instants', () => {
  test('a new token id already in use fails with VALIDATION_ERROR', () => {
    customer
      .given([registered, issued('t-1', 'secret-1'), issued('t-2', 'secret-other')], at())
      .when(rotate())
      .thenThrows('VALIDATION_ERROR');
  });

  test('a new token expiring exactly now fails with VALIDATION_ERROR; a millisecond later is fine', () => {
    customer
      .given([registered, issued('t-1', 'secret-1')], at())
      .when(rotate({ expiresAt: NOW }))
      .thenThrows('VALIDATION_ERROR');
    customer
      .given([registered, issued('t-1', 'secret-1')], at())
      .when(rotate({ expiresAt: shift(NOW, 0.001) }))
      .then([rotated('t-1', 't-2', 'secret-2', NOW, shift(NOW, 0.001))]);
  });

  test('a new token expiry that does not parse fails with VALIDATION_ERROR', () => {
    customer
      .given([registered, issued('t-1', 'secret-1')], at())
      .when(rotate({ expiresAt: 'tomorrow' }))
      .thenThrows('VALIDATION_ERROR');
  });

  test('a secret hash that only shares a prefix with the recorded one is refused', () => {
    const recorded = sha('secret-1');
    for (const presented of [
      recorded.slice(0, 32),
      `${recorded}00`,
      recorded.replace(/.$/, (c) => (c === '0' ? '1' : '0')),
    ])
      customer
        .given([registered, issued('t-1', 'secret-1')], at())
        .when(rotate({ oldTokenHash: presented }))
        .thenThrows('INVALID_GRANT');
  });
});

describe('refresh tokens in the state', () => {
  test('a token expiring exactly when another is issued is forgotten; one expiring a millisecond later is kept', () => {
    const state = account([
      registered,
      issued('t-a', 'a', shift(NOW, 60)),
      issued('t-b', 'b', shift(NOW, 60.001)),
      issued('t-c', 'c', shift(NOW, 3600), shift(NOW, 60)),
    ]);
    expect([...state.refreshTokens.keys()]).toEqual(['t-b', 't-c']);
  });

  test('a rotation forgets tokens that expired by its time', () => {
    const state = account([
      registered,
      issued('t-old', 'old', shift(NOW, 30)),
      issued('t-1', 'secret-1'),
      rotated('t-1', 't-2', 'secret-2', shift(NOW, 30)),
    ]);
    expect([...state.refreshTokens.keys()]).toEqual(['t-1', 't-2']);
  });

  test('tokens rotated before families were recorded stay in the family of the chain’s first token', () => {
    const legacy = (oldTokenId: string, newTokenId: string): CustomerEvent => {
      const event = rotated(oldTokenId, newTokenId, `secret-${newTokenId}`);
      const { familyId: _dropped, ...data } = event.data;
      return { type: 'RefreshTokenRotated', data };
    };
    const state = account([
      registered,
      issued('t-1', 'secret-1'),
      legacy('t-1', 't-2'),
      legacy('t-2', 't-3'),
    ]);
    expect([...state.refreshTokens].map(([id, token]) => [id, token.familyId])).toEqual([
      ['t-1', 't-1'],
      ['t-2', 't-1'],
      ['t-3', 't-1'],
    ]);
  });

  test('a rotation whose old token is no longer known starts a family from the old token id', () => {
    const { familyId: _dropped, ...data } = rotated('t-gone', 't-2', 'secret-2').data;
    const state = account([registered, { type: 'RefreshTokenRotated', data }]);
    expect(state.refreshTokens.get('t-2')).toMatchObject({ familyId: 't-gone', used: false });
    expect(state.refreshTokens.has('t-gone')).toBe(false);
  });

  test('a revoked family is forgotten whole, including tokens the revocation did not list', () => {
    const state = account([
      registered,
      issued('t-1', 'secret-1'),
      rotated('t-1', 't-2', 'secret-2'),
      issued('t-other', 'secret-other'),
      revoked('t-1', ['t-1']),
    ]);
    expect([...state.refreshTokens.keys()]).toEqual(['t-other']);
  });

  test('a revocation also forgets the tokens it lists, whatever their family', () => {
    const state = account([
      registered,
      issued('t-1', 'secret-1'),
      issued('t-x', 'x'),
      revoked('t-1', ['t-x']),
    ]);
    expect([...state.refreshTokens.keys()]).toEqual([]);
  });
});

describe('adding a card: formats at their edges', () => {
  test.each([
    ['a token with text before tok_', { cardToken: 'xtok_visa' }],
    ['a token with text after it', { cardToken: 'tok_visa!' }],
    ['a bare tok_', { cardToken: 'tok_' }],
    ['a token over 100 characters after tok_', { cardToken: `tok_${'a'.repeat(101)}` }],
    ['five last digits', { last4: '42424' }],
    ['three last digits', { last4: '424' }],
    ['a digit too many before', { last4: 'x4242' }],
    ['month 0 (of a year still to come)', { expMonth: 0, expYear: 2031 }],
    ['month -1 (of a year still to come)', { expMonth: -1, expYear: 2031 }],
    ['a fractional month', { expMonth: 1.5, expYear: 2031 }],
    ['a month that is not a number', { expMonth: Number.NaN }],
  ])('%s fails with INVALID_PAYMENT_METHOD', (_what, over) => {
    customer.given([registered], at()).when(add('pm-1', over)).thenThrows('INVALID_PAYMENT_METHOD');
  });

  test.each([
    ['a token of exactly 100 characters after tok_', { cardToken: `tok_${'a'.repeat(100)}` }],
    ['month 1', { expMonth: 1, expYear: 2031 }],
    ['month 12', { expMonth: 12 }],
  ])('%s is fine', (_what, over) => {
    const [event] = customer.given([registered], at()).when(add('pm-1', over)).events();
    expect(event).toMatchObject({ type: 'PaymentMethodAdded', data: over });
  });

  test('a card expiring this month is valid until its last millisecond', () => {
    customer
      .given([registered], at('2030-03-31T23:59:59.999Z'))
      .when(add('pm-1', { expMonth: 3, expYear: 2030 }))
      .then([added('pm-1', { expMonth: 3, isDefault: true, addedAt: '2030-03-31T23:59:59.999Z' })]);
    customer
      .given([registered], at('2030-04-01T00:00:00.000Z'))
      .when(add('pm-1', { expMonth: 3, expYear: 2030 }))
      .thenThrows('INVALID_PAYMENT_METHOD');
  });

  test('a new default names the current default, wherever it sits among the cards', () => {
    customer
      .given(
        [
          registered,
          added('pm-1', { isDefault: true }),
          added('pm-2', { isDefault: true, previousDefaultId: 'pm-1' }),
        ],
        at(),
      )
      .when(add('pm-3', { makeDefault: true }))
      .then([added('pm-3', { isDefault: true, previousDefaultId: 'pm-2' })]);
  });

  test('a card that is not the default names no previous default', () => {
    customer
      .given([registered, added('pm-1', { isDefault: true })], at())
      .when(add('pm-2', { makeDefault: false }))
      .then([added('pm-2')]);
  });
});

describe('evolve is total: events the stream cannot place are ignored', () => {
  const cases: CustomerEvent[] = [
    issued('t-1', 'secret-1'),
    rotated('t-1', 't-2', 'secret-2'),
    revoked('t-1', ['t-1']),
    added('pm-1', { isDefault: true }),
    removed('pm-1'),
  ];
  test.each(cases.map((event) => [event.type, event] as const))(
    '%s on a customer never registered leaves no account',
    (_type, event) => {
      expect(customer.given([event]).state()).toEqual({ exists: false });
    },
  );

  test('a removal naming an unknown new default leaves the defaults as they were', () => {
    const state = account([
      registered,
      added('pm-1', { isDefault: true }),
      added('pm-2'),
      removed('pm-2', 'pm-9'),
    ]);
    expect([...state.paymentMethods.values()].map((m) => [m.paymentMethodId, m.isDefault])).toEqual([
      ['pm-1', true],
    ]);
  });
});
