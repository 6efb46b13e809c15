import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { systemMetadata } from '../../src/application/shared/command-metadata';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * API keys (seed header X-API-Key): created by an admin and shown once, stored only as a hash, checked on every
 * /v1 request (unknown or revoked: 401 INVALID_API_KEY), required with REQUIRE_API_KEY=true (operations routes
 * stay open), recorded by id in the metadata of the events a request causes, and limited per key.
 */
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const UNKNOWN_KEY = `tk_${'Q'.repeat(45)}`;

describe('API keys', () => {
  let t: TestApp;
  let admin: string;
  /** Every key this suite was shown: none may be found in the log or the data directory. */
  const shown: string[] = [];

  const createKey = async (body: Record<string, unknown>) => {
    const res = await t.call('POST', '/v1/admin/api-keys', { token: admin, body });
    expect(res.status).toBe(201);
    shown.push(res.body.api_key);
    return res;
  };
  const listKeys = async (afterPosition?: string | null) =>
    t.call('GET', '/v1/admin/api-keys', {
      token: admin,
      headers: afterPosition ? { 'x-min-log-position': afterPosition } : {},
    });

  beforeAll(async () => {
    t = await startTestApp({ env: { RATE_LIMITS: 'on' } });
    admin = await t.adminToken();
  });
  afterAll(() => t.close());

  it('create: the key is shown once (256 random bits, no-store), and the list never shows it', async () => {
    const created = await createKey({ name: 'Box office app', rate_limit_per_hour: 5000 });
    expect(created.body).toEqual({
      key_id: expect.any(String),
      name: 'Box office app',
      api_key: expect.stringMatching(/^tk_[A-Za-z]{45}$/),
      rate_limit_per_hour: 5000,
      created_at: expect.any(String),
    });
    expect(created.headers.get('cache-control')).toBe('no-store');
    const other = await createKey({ name: 'Kiosk' });
    expect(other.body.api_key).not.toBe(created.body.api_key);
    expect(other.body).not.toHaveProperty('rate_limit_per_hour');

    const list = await listKeys(other.headers.get('x-log-position'));
    expect(list.status).toBe(200);
    expect(list.body.api_keys).toEqual(
      expect.arrayContaining([
        {
          key_id: created.body.key_id,
          name: 'Box office app',
          status: 'ACTIVE',
          rate_limit_per_hour: 5000,
          created_at: created.body.created_at,
          revoked_at: null,
        },
        {
          key_id: other.body.key_id,
          name: 'Kiosk',
          status: 'ACTIVE',
          created_at: other.body.created_at,
          revoked_at: null,
        },
      ]),
    );
    for (const key of [created.body.api_key, other.body.api_key]) {
      expect(list.text).not.toContain(key);
      expect(list.text).not.toContain(sha256(key));
    }
  });

  it('only admins manage keys; bad input is 400', async () => {
    const fan = t.mintToken('curious-fan');
    expect((await t.call('POST', '/v1/admin/api-keys', { token: fan, body: { name: 'x' } })).status).toBe(
      403,
    );
    expect((await t.call('GET', '/v1/admin/api-keys')).status).toBe(401);
    for (const body of [
      {},
      { name: '' },
      { name: 'x'.repeat(101) },
      { name: 'ok', rate_limit_per_hour: 0 },
      { name: 'ok', rate_limit_per_hour: 1.5 },
      { name: 'ok', rate_limit_per_hour: '100' },
      { name: 'ok', api_key: 'tk_chosen_by_me' },
    ]) {
      const res = await t.call('POST', '/v1/admin/api-keys', { token: admin, body });
      expect([JSON.stringify(body), res.status, res.body.error.code]).toEqual([
        JSON.stringify(body),
        400,
        'VALIDATION_ERROR',
      ]);
    }
  });

  it('use: a valid key passes, and its id (never the key) is in the metadata of the events the request causes', async () => {
    const key = (await createKey({ name: 'Signup widget' })).body;
    const headers = { 'x-api-key': key.api_key, 'x-request-id': `signup-${key.key_id}` };
    expect((await t.call('GET', '/v1/events/search?query=x', { headers })).status).toBe(200);
    const registered = await t.call('POST', '/v1/auth/register', {
      headers,
      body: { email: `widget-${key.key_id}@example.test`, password: 'fan-password-123', name: 'A Fan' },
    });
    expect(registered.status).toBe(201);

    // The request id the client chose, scoped to its caller (anonymous here).
    const correlation = registered.headers.get('x-correlation-id');
    expect(correlation).toBe(`anonymous:signup-${key.key_id}`);
    const caused = await t.call('GET', `/v1/audit/correlations/${correlation}`, {
      token: admin,
      headers: { 'x-min-log-position': registered.headers.get('x-log-position')! },
    });
    expect(caused.status).toBe(200);
    expect(caused.body.events.length).toBeGreaterThan(0);
    for (const event of caused.body.events) expect(event.metadata.apiKeyId).toBe(key.key_id);
    expect(caused.text).not.toContain(key.api_key);
  });

  it('an unknown key is 401 INVALID_API_KEY on every /v1 route; the operations routes do not read it', async () => {
    const headers = { 'x-api-key': UNKNOWN_KEY };
    for (const [method, url] of [
      ['GET', '/v1/events/search?query=x'],
      ['POST', '/v1/auth/token'],
      ['GET', '/v1/orders'],
    ] as const) {
      const res = await t.call(method, url, { headers, body: method === 'POST' ? {} : undefined });
      expect([url, res.status, res.body.error.code]).toEqual([url, 401, 'INVALID_API_KEY']);
    }
    const unknownRoute = await t.call('GET', '/v1/no-such-route', {
      headers,
      uncheckedBecause: 'an undocumented path',
    });
    expect([unknownRoute.status, unknownRoute.body.error.code]).toEqual([401, 'INVALID_API_KEY']);
    for (const url of ['/healthz', '/readyz', '/openapi.json'])
      expect((await t.call('GET', url, { headers })).status).toBe(200);
  });

  it('a malformed header is 400, and a card number in it is refused as card data', async () => {
    const bad = await t.call('GET', '/v1/events/search?query=x', { headers: { 'x-api-key': 'not a key' } });
    expect([bad.status, bad.body.error.code, bad.body.error.details]).toEqual([
      400,
      'INVALID_HEADER',
      { field: 'headers.x-api-key' },
    ]);
    const long = await t.call('GET', '/healthz', { headers: { 'x-api-key': 'k'.repeat(129) } });
    expect([long.status, long.body.error.code]).toEqual([400, 'INVALID_HEADER']);
    const card = await t.call('GET', '/v1/events/search?query=x', {
      headers: { 'x-api-key': 'tk_4242424242424242' },
    });
    expect([card.status, card.body.error.code]).toEqual([400, 'RAW_CARD_DATA_REJECTED']);
  });

  it('revoke: 204, then 401 for the key (idempotent; unknown id 404); the list says REVOKED', async () => {
    const key = (await createKey({ name: 'Old kiosk' })).body;
    const headers = { 'x-api-key': key.api_key };
    expect((await t.call('GET', '/v1/events/search?query=x', { headers })).status).toBe(200);

    const revoked = await t.call('DELETE', `/v1/admin/api-keys/${key.key_id}`, { token: admin });
    expect(revoked.status).toBe(204);
    const refused = await t.call('GET', '/v1/events/search?query=x', { headers });
    expect([refused.status, refused.body.error.code]).toEqual([401, 'INVALID_API_KEY']);
    expect((await t.call('DELETE', `/v1/admin/api-keys/${key.key_id}`, { token: admin })).status).toBe(204);
    for (const id of ['0190c2b4-0000-7000-8000-000000000000', 'not.an.id']) {
      const unknown = await t.call('DELETE', `/v1/admin/api-keys/${id}`, { token: admin });
      expect([unknown.status, unknown.body.error.code]).toEqual([404, 'API_KEY_NOT_FOUND']);
    }

    const list = await listKeys(revoked.headers.get('x-log-position'));
    const entry = list.body.api_keys.find((k: { key_id: string }) => k.key_id === key.key_id);
    expect(entry).toMatchObject({ status: 'REVOKED', revoked_at: expect.any(String) });
  });

  it("per-key limit: a key's requests count against its rate_limit_per_hour across users and endpoints", async () => {
    const limited = (await createKey({ name: 'Chatty app', rate_limit_per_hour: 3 })).body;
    const headers = { 'x-api-key': limited.api_key };
    const answers = [
      await t.call('GET', '/v1/events/search?query=x', { headers }),
      await t.call('GET', '/v1/auth/info', { headers, token: t.mintToken('app-user-1') }),
      await t.call('GET', '/v1/orders', { headers, token: t.mintToken('app-user-2') }),
      await t.call('GET', '/v1/auth/info', { headers, token: t.mintToken('app-user-3') }),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    const refused = answers[3];
    expect(refused.body.error).toMatchObject({ code: 'RATE_LIMIT_EXCEEDED', details: { limit: 3 } });
    expect(refused.body.error.message).toContain('API key');
    expect(refused.headers.get('x-ratelimit-limit')).toBe('3');
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    // Without that key the same users go on; a key without a budget of its own is not limited by this.
    expect((await t.call('GET', '/v1/auth/info', { token: t.mintToken('app-user-3') })).status).toBe(200);
    const unlimited = (await createKey({ name: 'Quiet app' })).body;
    for (let i = 0; i < 5; i += 1) {
      const res = await t.call('GET', '/v1/orders', {
        headers: { 'x-api-key': unlimited.api_key },
        token: t.mintToken('quiet-user'),
      });
      expect(res.status).toBe(200);
    }
  });

  it('the keys never reach the log or the data directory; the audit API redacts their hashes', async () => {
    expect(shown.length).toBeGreaterThanOrEqual(5);
    await t.app.runner.catchUp(10_000);
    const events = JSON.stringify(await t.app.store.readAll({ maxCount: 100_000 }));
    const files = fs
      .readdirSync(t.dataDir)
      .map((file) => path.join(t.dataDir, file))
      .filter((file) => fs.statSync(file).isFile())
      .map((file) => fs.readFileSync(file).toString('latin1'));
    expect(files.length).toBeGreaterThan(0);
    for (const key of shown) {
      expect(events).not.toContain(key);
      for (const content of files) expect(content).not.toContain(key);
    }

    const keyId = JSON.parse(events).find((e: { type: string }) => e.type === 'ApiKeyCreated').data.keyId;
    const audited = await t.call('GET', `/v1/audit/streams/api-key-${keyId}`, { token: admin });
    expect(audited.body.events[0].data).toMatchObject({ keyId, keyHash: '[REDACTED]' });
  });
});

describe('REQUIRE_API_KEY=true', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { REQUIRE_API_KEY: 'true' } });
  });
  afterAll(() => t.close());

  it('refuses a /v1 request without a key, but not the operations routes', async () => {
    for (const url of ['/v1/events/search?query=x', '/v1/auth/info']) {
      const res = await t.call('GET', url);
      expect([url, res.status, res.body.error.code]).toEqual([url, 401, 'API_KEY_REQUIRED']);
    }
    const token = await t.call('POST', '/v1/auth/token', {
      body: { grant_type: 'password', email: 'admin@example.test', password: 'admin-password-123' },
    });
    expect([token.status, token.body.error.code]).toEqual([401, 'API_KEY_REQUIRED']);
    for (const url of ['/healthz', '/readyz', '/openapi.json'])
      expect((await t.call('GET', url)).status).toBe(200);
    expect((await t.call('GET', '/docs/')).status).toBe(200);
  });

  it('takes a key made outside HTTP (what `npm run api-key` does), then an admin can work with it', async () => {
    const key = await t.app.apiKeys.create(
      { name: 'Admin console' },
      systemMetadata('cli:api-key', 'bootstrap'),
    );
    const headers = { 'x-api-key': key.apiKey };
    expect((await t.call('GET', '/v1/events/search?query=x', { headers })).status).toBe(200);
    const admin = await t.call('POST', '/v1/auth/token', {
      headers,
      body: { grant_type: 'password', email: 'admin@example.test', password: 'admin-password-123' },
    });
    expect(admin.status).toBe(200);
    const created = await t.call('POST', '/v1/admin/api-keys', {
      headers,
      token: admin.body.access_token,
      body: { name: 'Mobile app' },
    });
    expect(created.status).toBe(201);
  });

  it('documents the requirement: every /v1 operation needs the apiKey scheme and lists API_KEY_REQUIRED', async () => {
    const doc = (await t.call('GET', '/openapi.json')).body;
    expect(doc.components.securitySchemes.apiKey).toEqual(
      expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-API-Key' }),
    );
    const search = doc.paths['/v1/events/search'].get;
    expect(search.security.every((r: Record<string, unknown>) => 'apiKey' in r)).toBe(true);
    expect(search.responses['401']['x-error-codes']).toEqual(
      expect.arrayContaining(['API_KEY_REQUIRED', 'INVALID_API_KEY']),
    );
    expect(doc.paths['/healthz'].get.security).toBeUndefined();
  });
});

describe('revocation across processes', () => {
  it('another API process on the same log refuses a revoked key once its projections reach the revocation', async () => {
    const a = await startTestApp();
    const b = await startTestApp({ dataDir: a.dataDir });
    try {
      const admin = await a.adminToken();
      const created = await a.call('POST', '/v1/admin/api-keys', { token: admin, body: { name: 'Shared' } });
      const headers = { 'x-api-key': created.body.api_key };
      // b learns of the key from the log, within its projection lag.
      expect(await b.app.runner.waitFor(Number(created.headers.get('x-log-position')), 10_000)).toBe(true);
      expect((await b.call('GET', '/v1/events/search?query=x', { headers })).status).toBe(200);

      const revoked = await a.call('DELETE', `/v1/admin/api-keys/${created.body.key_id}`, { token: admin });
      expect(revoked.status).toBe(204);
      expect(await b.app.runner.waitFor(Number(revoked.headers.get('x-log-position')), 10_000)).toBe(true);
      const refused = await b.call('GET', '/v1/events/search?query=x', { headers });
      expect([refused.status, refused.body.error.code]).toEqual([401, 'INVALID_API_KEY']);
    } finally {
      await b.close();
      await a.close();
    }
  });
});
