import {
  customerDecider,
  emailDecider,
  MAX_PAYMENT_METHODS,
  normalizeEmail,
  type CustomerEvent,
} from '../../src/domain/customer/customer';
import { spec } from '../support/given-when-then';
import {
  NOW,
  at,
  shift,
  sha,
  USER,
  registered,
  issued,
  rotate,
  rotated,
  add,
  added,
  removed,
} from './fixtures/customer';

const customer = spec(customerDecider);
const email = spec(emailDecider);

describe('customer decider', () => {
  describe('RegisterCustomer', () => {
    it('registers a new account with a lower-cased email', () => {
      customer
        .given([], at())
        .when({
          type: 'RegisterCustomer',
          userId: USER,
          email: '  Fan@Example.COM ',
          name: 'A Fan',
          passwordHash: 'h',
          role: 'customer',
        })
        .then([
          {
            type: 'CustomerRegistered',
            data: {
              userId: USER,
              email: 'fan@example.com',
              name: 'A Fan',
              passwordHash: 'h',
              role: 'customer',
              registeredAt: NOW,
            },
          },
        ]);
    });

    it('refuses to register the same account twice', () => {
      customer
        .given([registered], at())
        .when({
          type: 'RegisterCustomer',
          userId: USER,
          email: 'fan@example.com',
          name: 'A Fan',
          passwordHash: 'h',
          role: 'customer',
        })
        .thenThrows('CUSTOMER_EXISTS');
    });

    it('keeps the role it was registered with', () => {
      const state = customer.given([{ ...registered, data: { ...registered.data, role: 'admin' } }]).state();
      expect(state).toMatchObject({ exists: true, role: 'admin', email: 'fan@example.com' });
    });
  });

  describe('IssueRefreshToken', () => {
    it('records only the hash of the token', () => {
      const [event] = customer
        .given([registered], at())
        .when({
          type: 'IssueRefreshToken',
          tokenId: 't-1',
          tokenHash: sha('secret-1'),
          expiresAt: shift(NOW, 3600),
        })
        .then([issued('t-1', 'secret-1')]);
      expect(JSON.stringify(event)).not.toContain('secret-1');
    });

    it('is INVALID_GRANT for an account that does not exist', () => {
      customer
        .given([], at())
        .when({ type: 'IssueRefreshToken', tokenId: 't-1', tokenHash: sha('x'), expiresAt: shift(NOW, 3600) })
        .thenThrows('INVALID_GRANT');
    });

    it('refuses a token that is already expired or a reused token id', () => {
      customer
        .given([registered], at())
        .when({ type: 'IssueRefreshToken', tokenId: 't-1', tokenHash: sha('x'), expiresAt: NOW })
        .thenThrows('VALIDATION_ERROR');
      customer
        .given([registered, issued('t-1', 'secret-1')], at())
        .when({ type: 'IssueRefreshToken', tokenId: 't-1', tokenHash: sha('x'), expiresAt: shift(NOW, 3600) })
        .thenThrows('VALIDATION_ERROR');
    });
  });

  describe('RotateRefreshToken', () => {
    it('rotates a live token', () => {
      customer
        .given([registered, issued('t-1', 'secret-1')], at())
        .when(rotate())
        .then([rotated('t-1', 't-2', 'secret-2')]);
    });

    it('rotates the token it got from a rotation', () => {
      customer
        .given([registered, issued('t-1', 'secret-1'), rotated('t-1', 't-2', 'secret-2')], at(shift(NOW, 60)))
        .when(
          rotate({
            oldTokenId: 't-2',
            oldTokenHash: sha('secret-2'),
            newTokenId: 't-3',
            newTokenHash: sha('secret-3'),
          }),
        )
        .then([rotated('t-2', 't-3', 'secret-3', shift(NOW, 60))]);
    });

    it('reuse of a rotated token revokes its whole family (recorded), and nothing of it rotates again', () => {
      const history: CustomerEvent[] = [
        registered,
        issued('t-1', 'secret-1'),
        issued('t-other', 'secret-other'), // another sign-in: another family, untouched
        rotated('t-1', 't-2', 'secret-2'),
        rotated('t-2', 't-3', 'secret-3'),
      ];
      customer
        .given(history, at())
        .when(rotate({ newTokenId: 't-9' })) // t-1 again: someone kept a copy
        .then([
          {
            type: 'RefreshTokenFamilyRevoked',
            data: {
              familyId: 't-1',
              reusedTokenId: 't-1',
              revokedTokenIds: ['t-1', 't-2', 't-3'],
              reason: 'reuse',
              revokedAt: NOW,
            },
          },
        ]);
      const revoked: CustomerEvent[] = [
        ...history,
        {
          type: 'RefreshTokenFamilyRevoked',
          data: {
            familyId: 't-1',
            reusedTokenId: 't-1',
            revokedTokenIds: ['t-1', 't-2', 't-3'],
            reason: 'reuse',
            revokedAt: NOW,
          },
        },
      ];
      // The newest token of the family (never used) is dead too; a second reuse records nothing more.
      customer
        .given(revoked, at())
        .when(rotate({ oldTokenId: 't-3', oldTokenHash: sha('secret-3'), newTokenId: 't-9' }))
        .thenThrows('INVALID_GRANT');
      customer
        .given(revoked, at())
        .when(rotate({ newTokenId: 't-9' }))
        .thenThrows('INVALID_GRANT');
      // The other family still rotates.
      customer
        .given(revoked, at())
        .when(rotate({ oldTokenId: 't-other', oldTokenHash: sha('secret-other'), newTokenId: 't-9' }))
        .then([rotated('t-other', 't-9', 'secret-2', NOW, shift(NOW, 7200), 't-other')]);
    });

    it('a reused token with a wrong secret revokes nothing (a token id alone is not enough)', () => {
      customer
        .given([registered, issued('t-1', 'secret-1'), rotated('t-1', 't-2', 'secret-2')], at())
        .when(rotate({ oldTokenHash: sha('guess'), newTokenId: 't-3' }))
        .thenThrows('INVALID_GRANT');
    });

    it('tokens recorded before families existed form a family from their first token', () => {
      const legacyIssued: CustomerEvent = {
        type: 'RefreshTokenIssued',
        data: { tokenId: 't-1', tokenHash: sha('secret-1'), expiresAt: shift(NOW, 3600), issuedAt: NOW },
      };
      const legacyRotated: CustomerEvent = {
        type: 'RefreshTokenRotated',
        data: {
          oldTokenId: 't-1',
          newTokenId: 't-2',
          newTokenHash: sha('secret-2'),
          expiresAt: shift(NOW, 7200),
          rotatedAt: NOW,
        },
      };
      const [event] = customer
        .given([registered, legacyIssued, legacyRotated], at())
        .when(rotate({ newTokenId: 't-3' }))
        .events();
      expect(event).toMatchObject({
        type: 'RefreshTokenFamilyRevoked',
        data: { familyId: 't-1', revokedTokenIds: ['t-1', 't-2'] },
      });
    });

    it('is INVALID_GRANT for an unknown token id', () => {
      customer
        .given([registered, issued('t-1', 'secret-1')], at())
        .when(rotate({ oldTokenId: 't-9' }))
        .thenThrows('INVALID_GRANT');
    });

    it('is INVALID_GRANT when the secret does not match', () => {
      customer
        .given([registered, issued('t-1', 'secret-1')], at())
        .when(rotate({ oldTokenHash: sha('guess') }))
        .thenThrows('INVALID_GRANT');
      customer
        .given([registered, issued('t-1', 'secret-1')], at())
        .when(rotate({ oldTokenHash: '' }))
        .thenThrows('INVALID_GRANT');
    });

    it('is INVALID_GRANT once the token has expired (by the context clock)', () => {
      const history: CustomerEvent[] = [registered, issued('t-1', 'secret-1', shift(NOW, 3600))];
      customer
        .given(history)
        .when(rotate({ expiresAt: shift(NOW, 99999) }), at(shift(NOW, 3599)))
        .then([rotated('t-1', 't-2', 'secret-2', shift(NOW, 3599), shift(NOW, 99999))]);
      customer
        .given(history)
        .when(rotate({ expiresAt: shift(NOW, 99999) }), at(shift(NOW, 3600)))
        .thenThrows('INVALID_GRANT');
    });

    it('is INVALID_GRANT for an account that does not exist', () => {
      customer.given([], at()).when(rotate()).thenThrows('INVALID_GRANT');
    });

    it('keeps only hashes in the state and forgets expired tokens', () => {
      const state = customer
        .given([
          registered,
          issued('t-old', 'secret-old', shift(NOW, 60)),
          issued('t-1', 'secret-1', shift(NOW, 3600), shift(NOW, 120)), // t-old expired by then
        ])
        .state();
      if (!state.exists) throw new Error('expected an account');
      expect([...state.refreshTokens.keys()]).toEqual(['t-1']);
      expect(state.refreshTokens.get('t-1')).toEqual({
        tokenHash: sha('secret-1'),
        expiresAt: Date.parse(shift(NOW, 3600)),
        used: false,
        familyId: 't-1',
      });
    });
  });
});

describe('customer decider: payment methods', () => {
  const defaults = (history: CustomerEvent[]) => {
    const state = customer.given(history).state();
    if (!state.exists) throw new Error('expected an account');
    return [...state.paymentMethods.values()].map((m) => [m.paymentMethodId, m.isDefault]);
  };

  describe('AddPaymentMethod', () => {
    it('records the token and card facts; the first method is the default even when not asked', () => {
      customer
        .given([registered], at())
        .when(add('pm-1', { billingAddress: { street: '1 Main St', city: 'New York', country: 'US' } }))
        .then([
          added('pm-1', {
            isDefault: true,
            billingAddress: { street: '1 Main St', city: 'New York', country: 'US' },
          }),
        ]);
    });

    it('a later method is not the default unless asked', () => {
      customer
        .given([registered, added('pm-1', { isDefault: true })], at())
        .when(add('pm-2', { cardToken: 'tok_mastercard', brand: 'Mastercard', last4: '4444' }))
        .then([added('pm-2', { cardToken: 'tok_mastercard', brand: 'Mastercard', last4: '4444' })]);
    });

    it('a new default names the default it replaces, and evolving it un-defaults the others', () => {
      const history: CustomerEvent[] = [registered, added('pm-1', { isDefault: true }), added('pm-2')];
      const [event] = customer
        .given(history, at())
        .when(add('pm-3', { makeDefault: true }))
        .then([added('pm-3', { isDefault: true, previousDefaultId: 'pm-1' })]);
      expect(defaults([...history, event])).toEqual([
        ['pm-1', false],
        ['pm-2', false],
        ['pm-3', true],
      ]);
    });

    it('is NOT_FOUND for an account that does not exist', () => {
      customer.given([], at()).when(add('pm-1')).thenThrows('NOT_FOUND');
    });

    it('refuses a payment method id already in use', () => {
      customer
        .given([registered, added('pm-1', { isDefault: true })], at())
        .when(add('pm-1'))
        .thenThrows('VALIDATION_ERROR');
    });

    it(`keeps at most ${MAX_PAYMENT_METHODS} methods`, () => {
      const history: CustomerEvent[] = [registered];
      for (let i = 0; i < MAX_PAYMENT_METHODS; i += 1) history.push(added(`pm-${i}`, { isDefault: i === 0 }));
      customer
        .given(history, at())
        .when(add('pm-x'))
        .thenThrows('VALIDATION_ERROR', { max_payment_methods: MAX_PAYMENT_METHODS });
      customer
        .given([...history, removed('pm-3')], at())
        .when(add('pm-x'))
        .then([added('pm-x')]);
    });

    it('refuses an expired card: valid through the last day of its expiry month', () => {
      const card = add('pm-1', { expMonth: 2, expYear: 2030 });
      customer
        .given([registered], at('2030-02-28T23:59:59.999Z'))
        .when(card)
        .then([added('pm-1', { expMonth: 2, isDefault: true, addedAt: '2030-02-28T23:59:59.999Z' })]);
      customer
        .given([registered], at('2030-03-01T00:00:00.000Z'))
        .when(card)
        .thenThrows('INVALID_PAYMENT_METHOD');
    });

    it.each([
      ['a token that is not a tok_', { cardToken: '4242424242424242' }],
      ['malformed last four', { last4: '42a2' }],
      ['an impossible month', { expMonth: 13 }],
      ['a fractional year', { expYear: 2030.5 }],
    ])('is INVALID_PAYMENT_METHOD for %s', (_what, over) => {
      customer.given([registered], at()).when(add('pm-1', over)).thenThrows('INVALID_PAYMENT_METHOD');
    });

    it('keeps the methods in the state, oldest first, with their token', () => {
      const state = customer
        .given([registered, added('pm-1', { isDefault: true }), added('pm-2', { cardToken: 'tok_amex' })])
        .state();
      if (!state.exists) throw new Error('expected an account');
      expect([...state.paymentMethods.keys()]).toEqual(['pm-1', 'pm-2']);
      expect(state.paymentMethods.get('pm-2')).toEqual({
        paymentMethodId: 'pm-2',
        type: 'CARD',
        cardToken: 'tok_amex',
        brand: 'Visa',
        last4: '4242',
        expMonth: 12,
        expYear: 2030,
        isDefault: false,
        addedAt: NOW,
      });
    });
  });

  describe('RemovePaymentMethod', () => {
    it('removes a method that is not the default', () => {
      const history: CustomerEvent[] = [registered, added('pm-1', { isDefault: true }), added('pm-2')];
      const [event] = customer
        .given(history, at())
        .when({ type: 'RemovePaymentMethod', paymentMethodId: 'pm-2' })
        .then([removed('pm-2')]);
      expect(defaults([...history, event])).toEqual([['pm-1', true]]);
    });

    it('removing the default makes the most recently added remaining method the default', () => {
      const history: CustomerEvent[] = [
        registered,
        added('pm-1', { isDefault: true }),
        added('pm-2'),
        added('pm-3'),
      ];
      const [event] = customer
        .given(history, at())
        .when({ type: 'RemovePaymentMethod', paymentMethodId: 'pm-1' })
        .then([removed('pm-1', 'pm-3')]);
      expect(defaults([...history, event])).toEqual([
        ['pm-2', false],
        ['pm-3', true],
      ]);
    });

    it('removing the last method leaves none', () => {
      const history: CustomerEvent[] = [registered, added('pm-1', { isDefault: true })];
      const [event] = customer
        .given(history, at())
        .when({ type: 'RemovePaymentMethod', paymentMethodId: 'pm-1' })
        .then([removed('pm-1')]);
      expect(defaults([...history, event])).toEqual([]);
    });

    it('is PAYMENT_METHOD_NOT_FOUND for an unknown or already removed method, or no account', () => {
      const history: CustomerEvent[] = [registered, added('pm-1', { isDefault: true }), removed('pm-1')];
      customer
        .given(history, at())
        .when({ type: 'RemovePaymentMethod', paymentMethodId: 'pm-1' })
        .thenThrows('PAYMENT_METHOD_NOT_FOUND');
      customer
        .given(history, at())
        .when({ type: 'RemovePaymentMethod', paymentMethodId: 'pm-9' })
        .thenThrows('PAYMENT_METHOD_NOT_FOUND');
      customer
        .given([], at())
        .when({ type: 'RemovePaymentMethod', paymentMethodId: 'pm-1' })
        .thenThrows('PAYMENT_METHOD_NOT_FOUND');
    });
  });
});

describe('email decider', () => {
  it('claims an unclaimed email, lower-cased', () => {
    email
      .given([])
      .when({ type: 'ClaimEmail', email: 'Fan@Example.com', userId: USER })
      .then([{ type: 'EmailClaimed', data: { email: 'fan@example.com', userId: USER } }]);
  });

  it('is EMAIL_TAKEN once claimed, even by the same user', () => {
    const claimed = [{ type: 'EmailClaimed' as const, data: { email: 'fan@example.com', userId: USER } }];
    email
      .given(claimed)
      .when({ type: 'ClaimEmail', email: 'fan@example.com', userId: 'u-2' })
      .thenThrows('EMAIL_TAKEN');
    email
      .given(claimed)
      .when({ type: 'ClaimEmail', email: 'fan@example.com', userId: USER })
      .thenThrows('EMAIL_TAKEN');
  });

  it('normalizes emails by trimming and lower-casing', () => {
    expect(normalizeEmail('  MiXeD@Example.COM ')).toBe('mixed@example.com');
  });
});
