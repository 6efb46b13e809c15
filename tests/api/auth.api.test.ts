import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import express from 'express';
import jwt from 'jsonwebtoken';
import { authenticate } from '../../src/api/http/auth';
import { errorHandler, requestId } from '../../src/api/http/middleware';
import { authRoutes } from '../../src/api/routes/auth.routes';
import { ACCESS_TOKENS } from '../../src/application/ports/access-tokens';
import { ManualClock } from '../../src/infrastructure/clock/system-clock';
import { startTestApp, type TestApp } from '../support/test-app';

const JWT_SECRET = 'auth-api-test-secret-0123456789-abcdefghij';
const ISSUER = 'ticketing-backend';
const NO_TOKEN = 'No valid access token found';

let seq = 0;
const uniqueEmail = (prefix = 'fan') => `${prefix}-${process.pid}-${Date.now()}-${seq++}@example.test`;

function expectEnvelope(body: unknown, code: string): void {
  expect(body).toEqual({
    error: {
      code,
      message: expect.any(String),
      details: expect.any(Object),
      request_id: expect.any(String),
      timestamp: expect.any(String),
    },
  });
}

describe('accounts and tokens API', () => {
  let t: TestApp;
  const clock = new ManualClock(new Date());

  beforeAll(async () => {
    t = await startTestApp({ env: { JWT_SECRET }, clock });
  });
  afterAll(async () => {
    await t?.close();
  });

  const register = (email: string, password = 'password-1234', name = 'A Fan') =>
    t.call('POST', '/v1/auth/register', { body: { email, password, name } });
  const login = (email: string, password = 'password-1234', prefix = '/v1/auth') =>
    t.call('POST', `${prefix}/token`, { body: { grant_type: 'password', email, password } });
  const refresh = (refreshToken: string, prefix = '/v1/auth') =>
    t.call('POST', `${prefix}/token`, { body: { grant_type: 'refresh_token', refresh_token: refreshToken } });

  describe('POST /v1/auth/register', () => {
    it('creates an account: 201 {user_id, email, name} with the log position', async () => {
      const email = uniqueEmail();
      const res = await register(email);
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ user_id: expect.stringMatching(/^[0-9a-f-]{36}$/), email, name: 'A Fan' });
      expect(Number(res.headers.get('x-log-position'))).toBeGreaterThan(0);
      expect(res.text).not.toContain('password');
    });

    it('lower-cases the email', async () => {
      const email = uniqueEmail('MixedCase');
      const res = await register(email.toUpperCase());
      expect(res.status).toBe(201);
      expect(res.body.email).toBe(email.toLowerCase());
    });

    it('drops spaces around the email, as sign-in does: the account signs in with or without them', async () => {
      const email = uniqueEmail('Padded');
      const res = await register(`  ${email} `);
      expect([res.status, res.body.email]).toEqual([201, email.toLowerCase()]);
      for (const given of [email, ` ${email}  `]) {
        const signIn = await t.call('POST', '/v1/auth/token', {
          body: { grant_type: 'password', email: given, password: 'password-1234' },
        });
        expect(signIn.status).toBe(200);
      }
    });

    // 409 EMAIL_TAKEN for a claimed email (any case): auth.spec.test.ts, given the email's claim.
    it('lets only one of two simultaneous registrations of one email win', async () => {
      const email = uniqueEmail();
      const results = await Promise.all([
        register(email),
        register(email.toUpperCase()),
        register(` ${email}`.trim()),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    });

    it('validates the body', async () => {
      for (const body of [
        { email: 'not-an-email', password: 'password-1234', name: 'X' },
        { email: uniqueEmail(), password: 'short', name: 'X' },
        { email: uniqueEmail(), password: 'x'.repeat(129), name: 'X' },
        { email: uniqueEmail(), password: 'password-1234', name: '' },
        { email: uniqueEmail(), password: 'password-1234', name: '   ' },
        { email: uniqueEmail(), password: ' '.repeat(10), name: 'X' },
        { email: uniqueEmail(), password: 'password-1234', name: 'X', role: 'admin' },
      ]) {
        const res = await t.call('POST', '/v1/auth/register', { body });
        expect(res.status).toBe(400);
        expectEnvelope(res.body, 'VALIDATION_ERROR');
      }
    });
  });

  describe('POST /v1/auth/token', () => {
    it('password grant: 200 {access_token, token_type, expires_in, refresh_token}, right after registering', async () => {
      const email = uniqueEmail();
      await register(email);
      const res = await login(email.toUpperCase());
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 3600,
        refresh_token: expect.any(String),
      });
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(Number(res.headers.get('x-log-position'))).toBeGreaterThan(0);
      const claims = jwt.decode(res.body.access_token) as jwt.JwtPayload;
      expect(claims).toMatchObject({ email, role: 'customer', iss: ISSUER });
      expect(claims.exp! - claims.iat!).toBe(3600);
    });

    it('wrong password or unknown email: 401 INVALID_GRANT, the same answer for both', async () => {
      const email = uniqueEmail();
      await register(email);
      const wrong = await login(email, 'wrong-password');
      const unknown = await login(uniqueEmail('nobody'));
      for (const res of [wrong, unknown]) {
        expect(res.status).toBe(401);
        expectEnvelope(res.body, 'INVALID_GRANT');
      }
      expect(wrong.body.error.message).toBe(unknown.body.error.message);
    });

    it('password grant without email or password: 400 VALIDATION_ERROR', async () => {
      for (const body of [
        { grant_type: 'password', email: uniqueEmail() },
        { grant_type: 'password', password: 'password-1234' },
      ]) {
        const res = await t.call('POST', '/v1/auth/token', { body });
        expect(res.status).toBe(400);
        expectEnvelope(res.body, 'VALIDATION_ERROR');
      }
      const noToken = await t.call('POST', '/v1/auth/token', { body: { grant_type: 'refresh_token' } });
      expect(noToken.status).toBe(400);
      expectEnvelope(noToken.body, 'VALIDATION_ERROR');
    });

    it('an unknown grant type is a validation error; client_credentials of an unknown client is 401 INVALID_GRANT', async () => {
      const bad = await t.call('POST', '/v1/auth/token', { body: { grant_type: 'implicit' } });
      expect(bad.status).toBe(400);
      expectEnvelope(bad.body, 'VALIDATION_ERROR');
      // Partner clients (tests/api/partner-oauth.api.test.ts): a client id nobody registered gets no token.
      const cc = await t.call('POST', '/oauth/token', {
        body: { grant_type: 'client_credentials', client_id: 'p', client_secret: 's' },
      });
      expect(cc.status).toBe(401);
      expectEnvelope(cc.body, 'INVALID_GRANT');
      const missing = await t.call('POST', '/oauth/token', { body: { grant_type: 'client_credentials' } });
      expect(missing.status).toBe(400);
      expectEnvelope(missing.body, 'VALIDATION_ERROR');
    });

    it('refresh grant rotates: new tokens, and the old refresh token is dead afterwards', async () => {
      const email = uniqueEmail();
      await register(email);
      const first = await login(email);
      const second = await refresh(first.body.refresh_token);
      expect(second.status).toBe(200);
      expect(second.body).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 3600,
        refresh_token: expect.any(String),
      });
      expect(second.body.refresh_token).not.toBe(first.body.refresh_token);
      expect((jwt.decode(second.body.access_token) as jwt.JwtPayload).sub).toBe(
        (jwt.decode(first.body.access_token) as jwt.JwtPayload).sub,
      );

      const reused = await refresh(first.body.refresh_token);
      expect(reused.status).toBe(401);
      expectEnvelope(reused.body, 'INVALID_GRANT');

      // Reusing a rotated token revoked its whole family (issue 8): the token it was rotated into is dead too.
      const third = await refresh(second.body.refresh_token, '/oauth');
      expect(third.status).toBe(401);
      expectEnvelope(third.body, 'INVALID_GRANT');
    });

    it('the token a rotation returns works once, also through /oauth', async () => {
      const email = uniqueEmail();
      await register(email);
      const first = await login(email);
      const second = await refresh(first.body.refresh_token);
      const third = await refresh(second.body.refresh_token, '/oauth');
      expect(third.status).toBe(200);
      expect((await refresh(third.body.refresh_token)).status).toBe(200);
    });

    it('a refresh token can be used only once even when raced', async () => {
      const email = uniqueEmail();
      await register(email);
      const { body } = await login(email);
      const results = await Promise.all([
        refresh(body.refresh_token),
        refresh(body.refresh_token),
        refresh(body.refresh_token),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 401, 401]);
    });

    it('refuses malformed, tampered and expired refresh tokens with 401 INVALID_GRANT', async () => {
      const email = uniqueEmail();
      await register(email);
      const { body } = await login(email);
      const [userId, tokenId, secret] = (body.refresh_token as string).split('.');
      const otherSecret = crypto.randomBytes(32).toString('base64url');
      for (const token of [
        'garbage',
        `${userId}.${tokenId}`,
        `${userId}.${tokenId}.${otherSecret}`,
        `${crypto.randomUUID()}.${tokenId}.${secret}`,
        `${userId}.${crypto.randomUUID()}.${secret}`,
      ]) {
        const res = await refresh(token);
        expect(res.status).toBe(401);
        expectEnvelope(res.body, 'INVALID_GRANT');
      }
      // Still good after those attempts...
      const fresh = await refresh(body.refresh_token);
      expect(fresh.status).toBe(200);
      // ...until 30 days pass.
      clock.advance(30 * 24 * 3600 * 1000 + 1000);
      const expired = await refresh(fresh.body.refresh_token);
      expect(expired.status).toBe(401);
      expectEnvelope(expired.body, 'INVALID_GRANT');
    });

    it('accepts form-encoded token requests, as OAuth clients send them', async () => {
      const email = uniqueEmail();
      await register(email);
      const res = await fetch(`${t.baseUrl}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'password', email, password: 'password-1234' }).toString(),
      });
      const body = (await res.json()) as { refresh_token: string };
      expect(res.status).toBe(200);
      expect(body).toMatchObject({
        token_type: 'Bearer',
        expires_in: 3600,
        access_token: expect.any(String),
        refresh_token: expect.any(String),
      });

      const refreshed = await fetch(`${t.baseUrl}/v1/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: body.refresh_token,
        }).toString(),
      });
      expect(refreshed.status).toBe(200);
    });
    it('the auth router parses form-encoded bodies itself (mounted after express.json and authenticate only)', async () => {
      const bare = express();
      bare.use(requestId, express.json(), authenticate(t.app.container.get(ACCESS_TOKENS)));
      bare.use('/oauth', authRoutes({ accounts: t.app.accounts, authLimit: (_req, _res, next) => next() }));
      bare.use(errorHandler(t.app.logger));
      const server = bare.listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      try {
        const email = uniqueEmail();
        await register(email);
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/token`;
        const form = (fields: Record<string, string>) =>
          fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams(fields).toString(),
          });
        const ok = await form({ grant_type: 'password', email, password: 'password-1234' });
        expect(ok.status).toBe(200);
        const tokens = (await ok.json()) as { refresh_token: string };
        expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
        expect(
          (await form({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token })).status,
        ).toBe(200);
        const missing = await form({ grant_type: 'password', email });
        expect(missing.status).toBe(400);
        expectEnvelope(await missing.json(), 'VALIDATION_ERROR');
        const unknownField = await form({
          grant_type: 'password',
          email,
          password: 'password-1234',
          extra: 'x',
        });
        expect(unknownField.status).toBe(400);
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });
  });

  describe('GET /info', () => {
    it('describes the bearer of a valid token, at /v1/auth/info and /oauth/info', async () => {
      const email = uniqueEmail();
      const reg = await register(email);
      const { body } = await login(email);
      for (const prefix of ['/v1/auth', '/oauth']) {
        const res = await t.call('GET', `${prefix}/info`, { token: body.access_token });
        expect(res.status).toBe(200);
        expect(res.body).toEqual({
          user_id: reg.body.user_id,
          email,
          role: 'customer',
          expires_at: expect.any(String),
        });
        const exp = (jwt.decode(body.access_token) as jwt.JwtPayload).exp!;
        expect(res.body.expires_at).toBe(new Date(exp * 1000).toISOString());
      }
    });

    it('answers 401 "No valid access token found" without a valid token', async () => {
      const key = crypto.createSecretKey(Buffer.from(JWT_SECRET, 'utf8'));
      const otherKey = crypto.createSecretKey(crypto.randomBytes(48));
      const claims = { email: 'x@example.test', role: 'customer' };
      const forged = jwt.sign(claims, otherKey, {
        algorithm: 'HS256',
        subject: crypto.randomUUID(),
        issuer: ISSUER,
        expiresIn: 3600,
      });
      const expired = jwt.sign({ ...claims, exp: Math.floor(Date.now() / 1000) - 60 }, key, {
        algorithm: 'HS256',
        subject: crypto.randomUUID(),
        issuer: ISSUER,
      });
      const unsigned = jwt.sign(claims, '', {
        algorithm: 'none',
        subject: crypto.randomUUID(),
        issuer: ISSUER,
        expiresIn: 3600,
      });
      // Sanity check: the same claims signed with the app's key are accepted.
      const genuine = jwt.sign(claims, key, {
        algorithm: 'HS256',
        subject: crypto.randomUUID(),
        issuer: ISSUER,
        expiresIn: 3600,
      });
      expect((await t.call('GET', '/v1/auth/info', { token: genuine })).status).toBe(200);

      for (const prefix of ['/v1/auth', '/oauth']) {
        const cases: Array<Record<string, string>> = [
          {},
          { authorization: 'Bearer garbage' },
          { authorization: 'Basic dXNlcjpwYXNz' },
          { authorization: `Bearer ${forged}` },
          { authorization: `Bearer ${expired}` },
          { authorization: `Bearer ${unsigned}` },
        ];
        for (const headers of cases) {
          const res = await t.call('GET', `${prefix}/info`, { headers });
          expect(res.status).toBe(401);
          expectEnvelope(res.body, 'UNAUTHORIZED');
          expect(res.body.error.message).toBe(NO_TOKEN);
        }
      }
    });
  });

  describe('admin bootstrap', () => {
    it('the ADMIN_EMAIL account exists at start-up and logs in with role admin', async () => {
      const token = await t.adminToken();
      const info = await t.call('GET', '/v1/auth/info', { token });
      expect(info.status).toBe(200);
      expect(info.body).toMatchObject({ email: 'admin@example.test', role: 'admin' });
      // Registering the admin's email is refused like any taken email.
      const res = await register('ADMIN@example.test');
      expect(res.status).toBe(409);
    });
  });
});

describe('admin bootstrap across restarts', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketing-auth-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  const token = async (app: TestApp, email: string, password: string) => {
    const res = await app.call('POST', '/oauth/token', { body: { grant_type: 'password', email, password } });
    expect(res.status).toBe(200);
    const info = await app.call('GET', '/oauth/info', { token: res.body.access_token });
    // Not expires_at: two logins a second apart expire a second apart.
    const { user_id, role, email: shown } = info.body as { user_id: string; role: string; email: string };
    return { user_id, role, email: shown };
  };

  it('is idempotent: the same admin account after a restart', async () => {
    const dataDir = tempDir();
    const env = { JWT_SECRET, ADMIN_EMAIL: 'Boss@Example.test', ADMIN_PASSWORD: 'boss-password-1' };
    const first = await startTestApp({ env, dataDir });
    let before: { user_id: string; role: string };
    try {
      before = await token(first, 'boss@example.test', 'boss-password-1');
      expect(before.role).toBe('admin');
    } finally {
      await first.close();
    }
    const second = await startTestApp({ env, dataDir });
    try {
      expect(await token(second, 'boss@example.test', 'boss-password-1')).toEqual(before);
      // Exactly one account was written for that email.
      const accounts = (await second.app.store.readAll({ maxCount: 10_000 })).filter(
        (e) => e.type === 'CustomerRegistered',
      );
      expect(
        accounts.filter((e) => (e.data as { email: string }).email === 'boss@example.test'),
      ).toHaveLength(1);
    } finally {
      await second.close();
    }
  });

  it('leaves an existing customer with that email alone', async () => {
    const dataDir = tempDir();
    const first = await startTestApp({ env: { JWT_SECRET, ADMIN_EMAIL: '', ADMIN_PASSWORD: '' }, dataDir });
    try {
      const reg = await first.call('POST', '/v1/auth/register', {
        body: { email: 'chief@example.test', password: 'customer-pass-1', name: 'Chief' },
      });
      expect(reg.status).toBe(201);
    } finally {
      await first.close();
    }
    const second = await startTestApp({
      env: { JWT_SECRET, ADMIN_EMAIL: 'chief@example.test', ADMIN_PASSWORD: 'admin-pass-12' },
      dataDir,
    });
    try {
      expect((await token(second, 'chief@example.test', 'customer-pass-1')).role).toBe('customer');
      const asAdmin = await second.call('POST', '/oauth/token', {
        body: { grant_type: 'password', email: 'chief@example.test', password: 'admin-pass-12' },
      });
      expect(asAdmin.status).toBe(401);
    } finally {
      await second.close();
    }
  });
});
