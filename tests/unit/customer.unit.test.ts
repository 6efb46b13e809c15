import crypto from 'node:crypto';
import {
  customerDecider,
  emailDecider,
  normalizeEmail,
  type CustomerEvent,
  type CustomerRegistered,
  type RefreshTokenIssued,
  type RefreshTokenRotated,
  type RotateRefreshToken,
} from '../../src/domain/customer/customer';
import { spec } from '../support/given-when-then';

const NOW = '2030-03-01T12:00:00.000Z';
const at = (iso: string = NOW) => ({ now: new Date(iso) });
const shift = (iso: string, seconds: number) => new Date(Date.parse(iso) + seconds * 1000).toISOString();
const sha = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

const USER = 'u-1';
const registered: CustomerRegistered = {
  type: 'CustomerRegistered',
  data: {
    userId: USER,
    email: 'fan@example.com',
    name: 'A Fan',
    passwordHash: 'scrypt$16384$8$1$salt$hash',
    role: 'customer',
    registeredAt: NOW,
  },
};
const issued = (
  tokenId: string,
  secret: string,
  expiresAt = shift(NOW, 3600),
  issuedAt = NOW,
): RefreshTokenIssued => ({
  type: 'RefreshTokenIssued',
  data: { tokenId, tokenHash: sha(secret), expiresAt, issuedAt },
});
const rotate = (over: Partial<RotateRefreshToken> = {}): RotateRefreshToken => ({
  type: 'RotateRefreshToken',
  oldTokenId: 't-1',
  oldTokenHash: sha('secret-1'),
  newTokenId: 't-2',
  newTokenHash: sha('secret-2'),
  expiresAt: shift(NOW, 7200),
  ...over,
});
const rotated = (
  oldTokenId: string,
  newTokenId: string,
  newSecret: string,
  rotatedAt = NOW,
  expiresAt = shift(NOW, 7200),
): RefreshTokenRotated => ({
  type: 'RefreshTokenRotated',
  data: { oldTokenId, newTokenId, newTokenHash: sha(newSecret), expiresAt, rotatedAt },
});

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

    it('is INVALID_GRANT when the old token was already used', () => {
      customer
        .given([registered, issued('t-1', 'secret-1'), rotated('t-1', 't-2', 'secret-2')], at())
        .when(rotate({ newTokenId: 't-3' }))
        .thenThrows('INVALID_GRANT');
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
      });
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
