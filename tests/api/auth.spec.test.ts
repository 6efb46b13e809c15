import crypto from 'node:crypto';
import { ManualClock } from '../../src/infrastructure/clock/system-clock';
import { ScryptPasswordHasher } from '../../src/infrastructure/auth/scrypt-password-hasher';
import {
  apiSpecification,
  customerRegistered,
  emailClaimed,
  streams,
  type ApiSpecification,
  type StreamEvent,
} from '../support/api-spec';

// Accounts and refresh tokens: given `email-{sha256}` and `customer-{id}` events, one request, the events it
// appends or the error. The rules are the customer and email deciders' (tests/unit/customer.unit.test.ts).

const NOW = '2026-06-01T12:00:00.000Z';
const IN_30_DAYS = '2026-07-01T12:00:00.000Z';
const sha256 = (value: string) => crypto.createHash('sha256').update(value).digest('hex');
const emailStream = (email: string) => `email-${sha256(email)}`;

describe('accounts and tokens: given events, one request, new events or an error', () => {
  const clock = new ManualClock(NOW);
  let spec: ApiSpecification;
  let n = 0;
  const email = () => `auth-spec-${++n}@example.test`;

  beforeAll(async () => {
    spec = await apiSpecification({ clock });
  });
  afterAll(() => spec?.close());

  describe('POST /v1/auth/register', () => {
    it('201; the email claimed on its own stream, then CustomerRegistered with a password hash only', async () => {
      const address = email();
      await spec
        .given()
        .when({
          method: 'POST',
          path: '/v1/auth/register',
          body: { email: address.toUpperCase(), password: 'password-1234', name: 'A Fan' },
        })
        .then({
          status: 201,
          body: { user_id: expect.stringMatching(/^[0-9a-f-]{36}$/), email: address, name: 'A Fan' },
          events: (res) => ({
            [emailStream(address)]: [emailClaimed(address, res.body.user_id)],
            [streams.customer(res.body.user_id)]: [
              {
                type: 'CustomerRegistered',
                data: {
                  userId: res.body.user_id,
                  email: address,
                  name: 'A Fan',
                  passwordHash: expect.not.stringContaining('password-1234'),
                  role: 'customer',
                  registeredAt: NOW,
                },
              },
            ],
          }),
        });
    });

    it('409 EMAIL_TAKEN for a registered email, whatever its case; nothing written', async () => {
      const address = email();
      await spec
        .given({
          [emailStream(address)]: [emailClaimed(address, 'someone')],
          [streams.customer('someone')]: [customerRegistered('someone', address)],
        })
        .when({
          method: 'POST',
          path: '/v1/auth/register',
          body: { email: ` ${address.toUpperCase()}`.trim(), password: 'another-password', name: 'B' },
        })
        .thenError(409, 'EMAIL_TAKEN');
    });
  });

  describe('POST /v1/auth/token', () => {
    let passwordHash: string;
    beforeAll(async () => {
      passwordHash = await new ScryptPasswordHasher().hash('password-1234');
    });
    const account = (userId: string, address: string): Record<string, StreamEvent[]> => ({
      [emailStream(address)]: [emailClaimed(address, userId)],
      [streams.customer(userId)]: [
        {
          ...customerRegistered(userId, address),
          data: { ...customerRegistered(userId, address).data, passwordHash },
        },
      ],
    });

    it('password grant: 200 with tokens; RefreshTokenIssued keeps only the hash of the refresh token', async () => {
      const address = email();
      const userId = `auth-spec-user-${n}`;
      const { response, appended } = await spec
        .given(account(userId, address))
        .when({
          method: 'POST',
          path: '/v1/auth/token',
          body: { grant_type: 'password', email: address, password: 'password-1234' },
        })
        .then({
          status: 200,
          body: {
            access_token: expect.any(String),
            token_type: 'Bearer',
            expires_in: 3600,
            refresh_token: expect.stringMatching(new RegExp(`^${userId}\\.`)),
          },
          events: (res) => {
            const [, tokenId, secret] = String(res.body.refresh_token).split('.');
            return {
              [streams.customer(userId)]: [
                {
                  type: 'RefreshTokenIssued',
                  data: {
                    tokenId,
                    tokenHash: sha256(secret),
                    expiresAt: IN_30_DAYS,
                    issuedAt: NOW,
                    familyId: tokenId,
                  },
                },
              ],
            };
          },
        });
      expect(JSON.stringify(appended)).not.toContain(String(response.body.refresh_token).split('.')[2]);
    });

    it('a wrong password is 401 INVALID_GRANT, and nothing is written', async () => {
      const address = email();
      await spec
        .given(account(`auth-spec-user-${n}`, address))
        .when({
          method: 'POST',
          path: '/v1/auth/token',
          body: { grant_type: 'password', email: address, password: 'wrong-password' },
        })
        .thenError(401, 'INVALID_GRANT');
    });

    it('a refresh token presented after its rotation: 401 INVALID_GRANT, and the whole family revoked', async () => {
      const userId = `auth-spec-user-${++n}`;
      const secret = crypto.randomBytes(32).toString('base64url');
      const issued = {
        type: 'RefreshTokenIssued',
        data: {
          tokenId: 't1',
          tokenHash: sha256(secret),
          expiresAt: IN_30_DAYS,
          issuedAt: NOW,
          familyId: 't1',
        },
      };
      const rotated = {
        type: 'RefreshTokenRotated',
        data: {
          oldTokenId: 't1',
          newTokenId: 't2',
          newTokenHash: sha256('the-next-secret'),
          expiresAt: IN_30_DAYS,
          rotatedAt: NOW,
          familyId: 't1',
        },
      };
      await spec
        .given({
          [streams.customer(userId)]: [customerRegistered(userId, `${userId}@example.test`), issued, rotated],
        })
        .when({
          method: 'POST',
          path: '/v1/auth/token',
          body: { grant_type: 'refresh_token', refresh_token: `${userId}.t1.${secret}` },
        })
        .then({
          status: 401,
          error: { code: 'INVALID_GRANT' },
          events: {
            [streams.customer(userId)]: [
              {
                type: 'RefreshTokenFamilyRevoked',
                data: {
                  familyId: 't1',
                  reusedTokenId: 't1',
                  revokedTokenIds: expect.arrayContaining(['t2']),
                  reason: 'reuse',
                  revokedAt: NOW,
                },
              },
            ],
          },
        });
    });
  });
});
