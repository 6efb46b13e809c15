import crypto from 'node:crypto';
import fc from 'fast-check';
import jwt from 'jsonwebtoken';
import { JwtAccessTokens } from '../../src/infrastructure/auth/jwt-access-tokens';

/**
 * Issue 14: tokens in the shape JwtAccessTokens signs are verified with one HMAC on the hot path, everything else
 * by jsonwebtoken. Whatever the token, the answer must be the one jsonwebtoken alone gives.
 */

const SECRET = 'unit-test-secret-0123456789';
const tokens = new JwtAccessTokens(SECRET);
/** The same adapter with the fast path turned off: jsonwebtoken decides everything. */
const reference = new JwtAccessTokens(SECRET);
(reference as unknown as { verifyOwnShape: () => undefined }).verifyOwnShape = () => undefined;

const b64 = (value: string | Buffer) => Buffer.from(value).toString('base64url');
const hmac = (input: string, secret = SECRET) =>
  crypto.createHmac('sha256', secret).update(input).digest('base64url');
/** A token signed with our key, with any header and payload text. */
const signed = (header: string, payload: string, secret = SECRET) => {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${hmac(input, secret)}`;
};
const now = () => Math.floor(Date.now() / 1000);

const OWN_HEADER = JSON.stringify({ alg: 'HS256', typ: 'JWT' });
/** Mostly what we sign, sometimes something else: both outcomes come up often. */
const mostly = <T, U>(usual: fc.Arbitrary<T>, other: fc.Arbitrary<U>) =>
  fc.oneof({ weight: 4, arbitrary: usual }, { weight: 1, arbitrary: other });
const claims = fc.record(
  {
    sub: mostly(fc.constant('user-1'), fc.integer()),
    email: fc.constantFrom('a@example.test', undefined),
    role: mostly(fc.constantFrom('customer', 'admin', 'auditor', 'partner'), fc.constant('root')),
    kind: mostly(fc.constantFrom(undefined, 'access'), fc.constantFrom('queue', 'queue_access', 'other')),
    event_id: fc.constantFrom(undefined, 'e1'),
    entry_id: fc.constantFrom(undefined, 'q1'),
    exp: mostly(
      fc.integer({ min: 1, max: 3600 }).map((d) => now() + d),
      fc.oneof(
        fc.integer({ min: -5, max: 0 }).map((d) => now() + d),
        fc.constant('soon'),
      ),
    ),
    nbf: mostly(
      fc.integer({ min: -100, max: 0 }).map((d) => now() + d),
      fc.oneof(
        fc.integer({ min: 60, max: 100 }).map((d) => now() + d),
        fc.constant('x'),
      ),
    ),
    iss: mostly(fc.constant('ticketing-backend'), fc.constantFrom('someone-else', undefined)),
  },
  { requiredKeys: ['sub', 'role', 'exp', 'iss'] },
);
const headers = mostly(
  fc.constant(OWN_HEADER),
  fc.constantFrom(
    JSON.stringify({ typ: 'JWT', alg: 'HS256' }),
    JSON.stringify({ alg: 'HS256' }),
    JSON.stringify({ alg: 'HS384', typ: 'JWT' }),
    JSON.stringify({ alg: 'none', typ: 'JWT' }),
    JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: 'k1' }),
  ),
);

describe('JwtAccessTokens: the fast verification decides as jsonwebtoken does', () => {
  it('verifies the tokens it issues without jsonwebtoken, with the same claims', () => {
    const spy = jest.spyOn(jwt, 'verify');
    try {
      const member = tokens.issue({ sub: 'u1', email: 'u1@example.test', role: 'customer' }, 60).token;
      const queue = tokens.issue(
        { sub: 'u2', email: '', role: 'customer', kind: 'queue_access', eventId: 'e1', entryId: 'q1' },
        60,
      ).token;
      for (const token of [member, queue]) {
        const { expiresAt, ...verified } = tokens.verifyAnyKind(token)!;
        const { expiresAt: referenceExpiry, ...expected } = reference.verifyAnyKind(token)!;
        expect(verified).toEqual(expected);
        expect(expiresAt.getTime()).toBe(referenceExpiry.getTime());
      }
      // The reference used jsonwebtoken twice; the fast path never did.
      expect(spy).toHaveBeenCalledTimes(2);
    } finally {
      spy.mockRestore();
    }
  });

  it('gives the same answer for any claims under any header, signed with our key or another', () => {
    let accepted = 0;
    fc.assert(
      fc.property(
        headers,
        claims,
        mostly(fc.constant(true), fc.constant(false)),
        (header, payload, ownKey) => {
          const token = signed(header, JSON.stringify(payload), ownKey ? SECRET : 'another-secret');
          const expected = reference.verifyAnyKind(token);
          if (expected) accepted += 1;
          expect(tokens.verifyAnyKind(token)).toEqual(expected);
        },
      ),
      { numRuns: 2000 },
    );
    // Both outcomes were tried often.
    expect(accepted).toBeGreaterThan(50);
    expect(accepted).toBeLessThan(1950);
  });

  it('gives the same answer for tampered tokens', () => {
    const valid = tokens.issue({ sub: 'u1', email: 'u1@example.test', role: 'admin' }, 60).token;
    fc.assert(
      fc.property(
        fc.nat({ max: valid.length - 1 }),
        fc.constantFrom('A', 'a', '_', '-', '.', '=', '+', '/', ' ', ''),
        (at, replacement) => {
          const token = valid.slice(0, at) + replacement + valid.slice(at + 1);
          expect(tokens.verifyAnyKind(token)).toEqual(reference.verifyAnyKind(token));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('refuses payloads that are not claims objects, as jsonwebtoken does', () => {
    for (const payload of ['null', '[1,2]', '"text"', '42', 'not json', '{"sub":"u1"', '']) {
      const token = signed(OWN_HEADER, payload);
      expect(tokens.verifyAnyKind(token)).toBeUndefined();
      expect(reference.verifyAnyKind(token)).toBeUndefined();
    }
    // Our shape with a payload jsonwebtoken accepts: the same claims either way.
    const token = signed(
      OWN_HEADER,
      JSON.stringify({ sub: 'u1', role: 'customer', exp: now() + 60, iss: 'ticketing-backend' }),
    );
    expect(tokens.verifyAnyKind(token)).toMatchObject({ sub: 'u1', role: 'customer', kind: 'access' });
    expect(tokens.verifyAnyKind(token)).toEqual(reference.verifyAnyKind(token));
  });
});
