import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createApplication } from '../../src/composition';
import { ManualClock } from '../../src/infrastructure/clock/system-clock';
import { loadConfig } from '../../src/infrastructure/config/config';
import { createLogger } from '../../src/infrastructure/logging/logger';
import { apiClient } from '../support/http';
import { createPartnerClient, type PartnerClientFixture } from '../support/partner-client';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestApp, type TestApp } from '../support/test-app';

/**
 * Partner clients and their OAuth (the FAQ's "Oauth" answers): admins register clients (secret shown once, kept as a
 * hash), rotate or revoke them; clients get client_credentials tokens that expire after 3600 s, refresh them, and
 * /oauth/info says `No valid access token found` for an expired or revoked one; /oauth/authorize refuses redirect
 * URIs and logos that are not registered with the client.
 */
const NO_VALID_TOKEN = 'No valid access token found';
const REDIRECT = 'https://shop.example.com/oauth/callback';
const LOGO = 'https://cdn.example.com/shop-logo.png';

describe('partner clients and OAuth', () => {
  // Starts at the real time: access tokens are signed on the wall clock and also checked on this one.
  const clock = new ManualClock(new Date());
  let t: TestApp;
  let admin: string;
  let partner: PartnerClientFixture;

  const token = (body: Record<string, string>, headers: Record<string, string> = {}) =>
    t.call('POST', '/oauth/token', { body, headers });
  const credentials = (p: PartnerClientFixture, secret = p.clientSecret) => ({
    grant_type: 'client_credentials',
    client_id: p.clientId,
    client_secret: secret,
  });
  const info = (bearer: string) => t.call('GET', '/oauth/info', { token: bearer });
  const events = (bearer: string) => t.call('GET', '/partners/v1/events', { token: bearer });
  const expectNoValidToken = (res: {
    status: number;
    body: { error?: { code: string; message: string } };
  }) => {
    expect(res.status).toBe(401);
    expect(res.body.error).toMatchObject({ code: 'UNAUTHORIZED', message: NO_VALID_TOKEN });
  };

  beforeAll(async () => {
    t = await startTestApp({ clock });
    admin = await t.adminToken();
    partner = await createPartnerClient(t, {
      name: 'Shop',
      redirect_uris: [REDIRECT, 'http://localhost:5173/callback'],
      logo_urls: [LOGO],
      captcha_domains: ['shop.example.com'],
    });
  });
  afterAll(() => t.close());

  describe('admin', () => {
    it('registers a client: the secret is shown once, never again, and the defaults are filled in', async () => {
      const created = await t.call('POST', '/v1/admin/partners', {
        token: admin,
        body: { name: 'Another shop' },
      });
      expect(created.status).toBe(201);
      expect(created.headers.get('cache-control')).toBe('no-store');
      expect(created.body).toMatchObject({
        partner_id: expect.any(String),
        client_id: created.body.partner_id,
        client_secret: expect.stringMatching(/^pcs_[A-Za-z0-9_-]{43}$/),
        name: 'Another shop',
        redirect_uris: [],
        required_payment_fields: [
          'card.holder_name',
          'billing_address.line1',
          'billing_address.city',
          'billing_address.postal_code',
          'billing_address.country',
        ],
        quota_per_hour: 5000,
        site_key: expect.stringMatching(/^sk_/),
        status: 'ACTIVE',
      });
      const read = await t.call('GET', `/v1/admin/partners/${created.body.partner_id}`, { token: admin });
      expect(read.status).toBe(200);
      expect(read.body).not.toHaveProperty('client_secret');
      expect(JSON.stringify(read.body)).not.toContain(created.body.client_secret);
      const { client_secret: _secret, ...shown } = created.body;
      expect(read.body).toEqual(shown);
    });

    it('refuses allow-list entries that are not https URLs or host names, and non-admins', async () => {
      const bad = [
        { name: 'x', redirect_uris: ['http://shop.example.com/cb'] },
        { name: 'x', redirect_uris: ['https://shop.example.com/cb#x'] },
        { name: 'x', logo_urls: ['ftp://cdn.example.com/logo.png'] },
        { name: 'x', captcha_domains: ['https://shop.example.com'] },
        { name: 'x', required_payment_fields: ['card.number'] },
        { name: 'x', quota_per_hour: 0 },
      ];
      for (const body of bad) {
        const res = await t.call('POST', '/v1/admin/partners', { token: admin, body });
        expect({ body, status: res.status, code: res.body.error?.code }).toEqual({
          body,
          status: 400,
          code: 'VALIDATION_ERROR',
        });
      }
      const fan = await t.customerToken();
      const refused = await t.call('POST', '/v1/admin/partners', { token: fan.token, body: { name: 'x' } });
      expect(refused.status).toBe(403);
      const unknown = await t.call('GET', '/v1/admin/partners/no-such-partner', { token: admin });
      expect(unknown.status).toBe(404);
      expect(unknown.body.error.code).toBe('PARTNER_NOT_FOUND');
    });

    it('a partner id that cannot be one (`..%2f..%2fx`) is 400 on every admin route, its value not echoed', async () => {
      const unsafe = '..%2f..%2fx';
      for (const [method, path] of [
        ['GET', `/v1/admin/partners/${unsafe}`],
        ['DELETE', `/v1/admin/partners/${unsafe}`],
        ['POST', `/v1/admin/partners/${unsafe}/rotate-secret`],
        ['POST', `/v1/admin/partners/${unsafe}/rotate-site-key`],
      ]) {
        const res = await t.call(method, path, { token: admin });
        expect([path, res.status, res.body.error.code, res.body.error.details.fields[0].field]).toEqual([
          path,
          400,
          'VALIDATION_ERROR',
          'path.partner_id',
        ]);
        expect(JSON.stringify(res.body)).not.toContain('../');
      }
    });
  });

  describe('tokens', () => {
    it('client_credentials in a JSON body, a form body or HTTP Basic; a wrong secret is INVALID_GRANT', async () => {
      const json = await token(credentials(partner));
      expect(json.status).toBe(200);
      expect(json.body).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 3600,
        refresh_token: expect.stringMatching(/^partner\./),
      });

      const form = await t.call('POST', '/oauth/token', {
        rawBody: new URLSearchParams(credentials(partner)).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(form.status).toBe(200);

      const basic = `Basic ${Buffer.from(`${partner.clientId}:${partner.clientSecret}`).toString('base64')}`;
      const viaBasic = await token({ grant_type: 'client_credentials' }, { authorization: basic });
      expect(viaBasic.status).toBe(200);
      // As `curl -u id:secret -d grant_type=client_credentials` sends it.
      const curlLike = await t.call('POST', '/oauth/token', {
        rawBody: 'grant_type=client_credentials',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic },
      });
      expect(curlLike.status).toBe(200);
      const both = await token(credentials(partner), { authorization: basic });
      expect(both.status).toBe(400);

      const wrong = await token(credentials(partner, `pcs_${'x'.repeat(43)}`));
      expect(wrong.status).toBe(401);
      expect(wrong.body.error.code).toBe('INVALID_GRANT');
      const wrongBasic = `Basic ${Buffer.from(`${partner.clientId}:nope`).toString('base64')}`;
      const refused = await token({ grant_type: 'client_credentials' }, { authorization: wrongBasic });
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe('Basic realm="partners"');
      const unknown = await token({ ...credentials(partner), client_id: 'no-such-client' });
      expect(unknown.status).toBe(401);
      expect(unknown.body.error.code).toBe('INVALID_GRANT');
    });

    it('a form field given twice is said so; a request without a body is told a form is taken too', async () => {
      const basic = `Basic ${Buffer.from(`${partner.clientId}:${partner.clientSecret}`).toString('base64')}`;
      const twice = await t.call('POST', '/oauth/token', {
        rawBody: 'grant_type=client_credentials&grant_type=password',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic },
      });
      expect(twice.status).toBe(400);
      expect(twice.body.error).toMatchObject({
        code: 'VALIDATION_ERROR',
        details: { fields: [{ field: 'grant_type', errors: ['grant_type is given more than once'] }] },
      });
      const empty = await t.call('POST', '/oauth/token', { headers: { authorization: basic } });
      expect(empty.status).toBe(400);
      expect(empty.body.error.message).toBe(
        'The request body must be a JSON object or a form (application/x-www-form-urlencoded)',
      );
    });

    it('/oauth/info gives the token facts; after 3600 s it is "No valid access token found", and the refresh token gets a new one', async () => {
      clock.set(new Date());
      const got = await token(credentials(partner));
      const facts = await info(got.body.access_token);
      expect(facts.status).toBe(200);
      expect(facts.body).toEqual({
        user_id: partner.clientId,
        client_id: partner.clientId,
        partner_name: 'Shop',
        role: 'partner',
        scope: 'partner',
        expires_at: expect.any(String),
        expires_in: expect.any(Number),
      });
      expect(facts.body.expires_in).toBeGreaterThan(3590);
      expect(facts.body.expires_in).toBeLessThanOrEqual(3600);

      clock.advance(3601 * 1000);
      expectNoValidToken(await info(got.body.access_token));
      expectNoValidToken(await events(got.body.access_token));
      const refreshed = await token({ grant_type: 'refresh_token', refresh_token: got.body.refresh_token });
      expect(refreshed.status).toBe(200);
      expect(refreshed.body.refresh_token).not.toBe(got.body.refresh_token);
      // Back to the time the signatures are made on (the wall clock): the new token works, the old one does not.
      clock.set(new Date());
      expect((await info(refreshed.body.access_token)).status).toBe(200);
      expect((await events(refreshed.body.access_token)).status).toBe(200);
    });

    it('a refresh token works once; presenting it again revokes its whole family', async () => {
      const got = await token(credentials(partner));
      const first = await token({ grant_type: 'refresh_token', refresh_token: got.body.refresh_token });
      expect(first.status).toBe(200);
      const reused = await token({ grant_type: 'refresh_token', refresh_token: got.body.refresh_token });
      expect(reused.status).toBe(401);
      expect(reused.body.error.code).toBe('INVALID_GRANT');
      // The copy that was rotated in the meantime died with its family.
      const descendant = await token({
        grant_type: 'refresh_token',
        refresh_token: first.body.refresh_token,
      });
      expect(descendant.status).toBe(401);
    });

    it('a partner token is for the Partner API: elsewhere 403; a customer token on the Partner API 403', async () => {
      const onV1 = await t.call('GET', '/v1/orders', { token: partner.token });
      expect(onV1.status).toBe(403);
      const fan = await t.customerToken();
      const onPartner = await events(fan.token);
      expect(onPartner.status).toBe(403);
      const anonymous = await t.call('GET', '/partners/v1/events');
      expectNoValidToken(anonymous);
    });
  });

  describe('rotating the secret', () => {
    it('the old secret and its refresh tokens stop working; the new secret works', async () => {
      const p = await createPartnerClient(t, { name: 'Rotating shop' });
      const rotated = await t.call('POST', `/v1/admin/partners/${p.partnerId}/rotate-secret`, {
        token: admin,
      });
      expect(rotated.status).toBe(200);
      expect(rotated.body.client_secret).toMatch(/^pcs_/);
      expect(rotated.body.client_secret).not.toBe(p.clientSecret);
      expect(rotated.body.secret_rotated_at).toEqual(expect.any(String));

      const old = await token(credentials(p));
      expect(old.status).toBe(401);
      expect(old.body.error.code).toBe('INVALID_GRANT');
      const oldRefresh = await token({ grant_type: 'refresh_token', refresh_token: p.refreshToken });
      expect(oldRefresh.status).toBe(401);
      const fresh = await token(credentials(p, rotated.body.client_secret));
      expect(fresh.status).toBe(200);
      expect((await events(fresh.body.access_token)).status).toBe(200);
    });
  });

  describe('revoking', () => {
    it('its tokens stop working at once, it gets no new ones, and revoking twice is the same as once', async () => {
      const p = await createPartnerClient(t, { name: 'Leaving shop' });
      expect((await events(p.token)).status).toBe(200);

      const revoked = await t.call('DELETE', `/v1/admin/partners/${p.partnerId}`, { token: admin });
      expect(revoked.status).toBe(204);
      expectNoValidToken(await events(p.token));
      expectNoValidToken(await info(p.token));
      expect((await token(credentials(p))).status).toBe(401);
      expect((await token({ grant_type: 'refresh_token', refresh_token: p.refreshToken })).status).toBe(401);

      const again = await t.call('DELETE', `/v1/admin/partners/${p.partnerId}`, { token: admin });
      expect(again.status).toBe(204);
      const read = await t.call('GET', `/v1/admin/partners/${p.partnerId}`, { token: admin });
      expect(read.body).toMatchObject({ status: 'REVOKED', revoked_at: expect.any(String) });
      const rotate = await t.call('POST', `/v1/admin/partners/${p.partnerId}/rotate-secret`, {
        token: admin,
      });
      expect(rotate.status).toBe(409);
      expect(rotate.body.error.code).toBe('PARTNER_REVOKED');
    });
  });

  describe('/oauth/authorize', () => {
    const authorize = (query: Record<string, string>) =>
      t.call('GET', `/oauth/authorize?${new URLSearchParams(query).toString()}`);
    const base = () => ({ client_id: partner.clientId, response_type: 'code' });

    it('refuses a redirect URI that is not registered with the client: 400 "redirect_uri not allowed", no redirect', async () => {
      for (const redirect of [
        'https://evil.example.com/callback',
        `${REDIRECT}/more`,
        REDIRECT.toUpperCase(),
        `${REDIRECT}?x=1`,
      ]) {
        const res = await authorize({ ...base(), redirect_uri: redirect });
        expect(res.status).toBe(400);
        expect(res.body.error).toMatchObject({
          code: 'REDIRECT_URI_NOT_ALLOWED',
          message: 'redirect_uri not allowed',
        });
        expect(res.headers.get('location')).toBeNull();
      }
    });

    it('refuses a logo that is not whitelisted for the client', async () => {
      const res = await authorize({
        ...base(),
        redirect_uri: REDIRECT,
        logo_url: 'https://cdn.example.com/other.png',
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'LOGO_URL_NOT_ALLOWED', message: 'logo_url not allowed' });
    });

    it('sends a registered redirect URI back with error=unauthorized_client and the state', async () => {
      const query = new URLSearchParams({
        ...base(),
        redirect_uri: REDIRECT,
        logo_url: LOGO,
        state: 'abc123',
      });
      // Not followed: the document's check of a redirect is its status and Location.
      const res = await fetch(`${t.baseUrl}/oauth/authorize?${query.toString()}`, { redirect: 'manual' });
      expect(res.status).toBe(302);
      const location = new URL(res.headers.get('location')!);
      expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
      expect(location.searchParams.get('error')).toBe('unauthorized_client');
      expect(location.searchParams.get('state')).toBe('abc123');
    });

    it('refuses an unknown or revoked client without redirecting', async () => {
      const res = await authorize({
        client_id: 'no-such-client',
        response_type: 'code',
        redirect_uri: REDIRECT,
      });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('UNKNOWN_CLIENT');
    });
  });
});

describe('partner secrets are never logged or stored raw', () => {
  it('the client secret, access and refresh tokens appear in no log line, no stored event and no audit answer', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketing-partner-secrets-'));
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const config = loadConfig({
      DATA_DIR: dataDir,
      RATE_LIMITS: 'off',
      ADMIN_EMAIL,
      ADMIN_PASSWORD,
    });
    const app = await createApplication(config, createLogger('trace', sink));
    try {
      const server = await app.listen(0, '127.0.0.1');
      const address = server.address() as { port: number };
      const call = apiClient(`http://127.0.0.1:${address.port}`);
      const admin = (
        await call('POST', '/oauth/token', {
          body: { grant_type: 'password', email: ADMIN_EMAIL, password: ADMIN_PASSWORD },
        })
      ).body.access_token as string;
      const created = await call('POST', '/v1/admin/partners', { token: admin, body: { name: 'Secretive' } });
      const { client_id: clientId, client_secret: firstSecret } = created.body;
      const rotated = await call('POST', `/v1/admin/partners/${clientId}/rotate-secret`, { token: admin });
      const secret = rotated.body.client_secret as string;
      const tokens = await call('POST', '/oauth/token', {
        body: { grant_type: 'client_credentials', client_id: clientId, client_secret: secret },
      });
      const refreshed = await call('POST', '/oauth/token', {
        body: { grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token },
      });
      // A failed attempt with the old secret, which a careless log line would quote.
      await call('POST', '/oauth/token', {
        body: { grant_type: 'client_credentials', client_id: clientId, client_secret: firstSecret },
      });
      const audit = await call('GET', '/v1/audit/log?limit=1000', { token: admin });
      expect(audit.status).toBe(200);

      const stored = JSON.stringify(await app.store.readAll({ maxCount: 100_000 }));
      expect(stored).toContain(clientId); // the search does look at the partner's events
      const secrets = [
        firstSecret,
        secret,
        tokens.body.access_token,
        tokens.body.refresh_token,
        refreshed.body.refresh_token,
        // The secret part of a refresh token (`partner.{id}.{tokenId}.{secret}`), alone.
        String(tokens.body.refresh_token).split('.').pop(),
      ];
      // The sink does receive what the application logs (it logs little at all on these paths).
      app.logger.info('log capture probe');
      expect(lines.join('')).toContain('log capture probe');
      for (const value of secrets) {
        expect(typeof value).toBe('string');
        expect(stored).not.toContain(value);
        expect(lines.join('')).not.toContain(value);
        expect(audit.text).not.toContain(value);
      }
    } finally {
      await app.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
