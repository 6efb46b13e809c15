/* eslint-disable @typescript-eslint/no-explicit-any -- frames, bodies and the document are whatever the server sent */
import type { OpenAPIObject } from 'openapi3-ts/oas30';
import { systemMetadata } from '../../src/application/shared/command-metadata';
import { contractChecker, type ContractChecker } from '../support/contract';
import { createEvent } from '../support/fixtures';
import { openRealtime, realtimeUrl, refusedUpgrade, type RealtimeClient } from '../support/realtime-client';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The WebSocket upgrade (GET /v1/realtime) checks the API key like every /v1 request: the X-API-Key header, or the
 * `api_key` query parameter for browsers; unknown or revoked keys are 401 INVALID_API_KEY, and with
 * REQUIRE_API_KEY=true a missing one is 401 API_KEY_REQUIRED. The upgrade is served outside express, so every
 * refusal is also checked against the document.
 */
const withKey = (url: string, key: string) => `${url}&api_key=${encodeURIComponent(key)}`;
const UNKNOWN_KEY = `tk_${'Q'.repeat(45)}`;

async function makeKey(t: TestApp, name: string) {
  return t.app.apiKeys.create({ name }, systemMetadata('test', `key-${name}`));
}

describe('realtime upgrade with REQUIRE_API_KEY=true', () => {
  let t: TestApp;
  let doc: OpenAPIObject;
  let checker: ContractChecker;
  let key: string;
  const clients: RealtimeClient[] = [];

  /** The upgrade is refused with this status and code, in the documented envelope. */
  const expectRefused = async (url: string, status: number, code: string, headers = {}) => {
    const res = await refusedUpgrade(url, { headers });
    expect([res.status, res.body?.error?.code]).toEqual([status, code]);
    expect(res.body.error.request_id).toBe(res.headers.get('x-request-id'));
    expect(checker.problems('GET', new URL(url).pathname, res)).toEqual([]);
    return res;
  };

  beforeAll(async () => {
    t = await startTestApp({ env: { REQUIRE_API_KEY: 'true' } });
    key = (await makeKey(t, 'Web app')).apiKey;
    doc = (await t.call('GET', '/openapi.json', { headers: { 'x-api-key': key } })).body;
    checker = contractChecker(doc);
  });
  afterEach(() => {
    for (const client of clients) expect(client.problems).toEqual([]);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await t.close();
  });

  it('without a key: 401 API_KEY_REQUIRED, checked before the token (a bad token changes nothing)', async () => {
    await expectRefused(realtimeUrl(t.baseUrl, t.mintToken('keyless')), 401, 'API_KEY_REQUIRED');
    await expectRefused(realtimeUrl(t.baseUrl, 'not.a.token'), 401, 'API_KEY_REQUIRED');
    expect(t.app.realtime.connectionCount).toBe(0);
  });

  it('with the key in X-API-Key or in ?api_key=, the connection opens and works', async () => {
    const { eventId } = await createEvent(
      (method, url, options = {}) =>
        t.call(method, url, { ...options, headers: { ...options.headers, 'x-api-key': key } }),
      (
        await t.call('POST', '/v1/auth/token', {
          headers: { 'x-api-key': key },
          body: { grant_type: 'password', email: 'admin@example.test', password: 'admin-password-123' },
        })
      ).body.access_token,
    );
    const byHeader = await openRealtime(t.baseUrl, doc, t.mintToken('native-app'), {
      headers: { 'x-api-key': key },
    });
    const byQuery = await openRealtime(t.baseUrl, doc, t.mintToken('browser'), { query: { api_key: key } });
    clients.push(byHeader, byQuery);
    for (const client of [byHeader, byQuery]) {
      client.send({ type: 'subscribe', event_id: eventId });
      expect(await client.next((f) => f.type === 'subscribed')).toEqual({
        type: 'subscribed',
        event_id: eventId,
      });
      expect(await client.next((f) => f.type === 'availability_update')).toMatchObject({ event_id: eventId });
    }
  });

  it('an unknown key is 401 INVALID_API_KEY in either form; the header wins over the query', async () => {
    const url = realtimeUrl(t.baseUrl, t.mintToken('guesser'));
    await expectRefused(url, 401, 'INVALID_API_KEY', { 'x-api-key': UNKNOWN_KEY });
    await expectRefused(withKey(url, UNKNOWN_KEY), 401, 'INVALID_API_KEY');
    // A valid query key does not rescue an unknown header key, and a valid header ignores the query.
    await expectRefused(withKey(url, key), 401, 'INVALID_API_KEY', { 'x-api-key': UNKNOWN_KEY });
    const headerWins = await openRealtime(t.baseUrl, doc, t.mintToken('both'), {
      headers: { 'x-api-key': key },
      query: { api_key: UNKNOWN_KEY },
    });
    clients.push(headerWins);
  });

  it('a key of the wrong shape is 400 as on the HTTP pipeline; a repeated api_key is 400', async () => {
    const url = realtimeUrl(t.baseUrl, t.mintToken('shapes'));
    await expectRefused(withKey(url, 'has spaces'), 400, 'VALIDATION_ERROR');
    await expectRefused(withKey(url, 'x'.repeat(129)), 400, 'VALIDATION_ERROR');
    await expectRefused(url, 400, 'INVALID_HEADER', { 'x-api-key': 'has spaces' });
    await expectRefused(withKey(url, '4242424242424242'), 400, 'RAW_CARD_DATA_REJECTED');
    await expectRefused(withKey(withKey(url, key), key), 400, 'VALIDATION_ERROR');
  });

  it('a revoked key is refused on the next upgrade, in either form', async () => {
    const created = await makeKey(t, 'Retired app');
    const url = realtimeUrl(t.baseUrl, t.mintToken('retiree'));
    const before = await openRealtime(t.baseUrl, doc, t.mintToken('retiree'), {
      query: { api_key: created.apiKey },
    });
    await before.close();
    await t.app.apiKeys.revoke(created.keyId, systemMetadata('test', 'revoke'));
    await expectRefused(withKey(url, created.apiKey), 401, 'INVALID_API_KEY');
    await expectRefused(url, 401, 'INVALID_API_KEY', { 'x-api-key': created.apiKey });
  });

  it('a plain GET (no upgrade) takes the same key forms: 426 with a key, 401 without', async () => {
    const token = t.mintToken('plain');
    const check = async (url: string, headers: Record<string, string>, status: number, code: string) => {
      const res = await t.call('GET', url, { headers });
      expect([url.slice(0, 40), res.status, res.body.error.code]).toEqual([url.slice(0, 40), status, code]);
    };
    await check(`/v1/realtime?token=${token}&api_key=${key}`, {}, 426, 'UPGRADE_REQUIRED');
    await check(`/v1/realtime?token=${token}`, { 'x-api-key': key }, 426, 'UPGRADE_REQUIRED');
    await check(`/v1/realtime?token=${token}`, {}, 401, 'API_KEY_REQUIRED');
    await check(`/v1/realtime?token=${token}&api_key=${UNKNOWN_KEY}`, {}, 401, 'INVALID_API_KEY');
    await check(`/v1/realtime?token=${token}&api_key=bad%20key`, {}, 400, 'VALIDATION_ERROR');
    // The query form is the realtime route's alone: elsewhere a key goes in the header.
    await check(`/v1/events/search?query=x&api_key=${key}`, {}, 401, 'API_KEY_REQUIRED');
  });

  it('/openapi.json documents both forms on connectRealtime, and the 401 codes', () => {
    const operation = (doc.paths['/v1/realtime'] as any).get;
    expect(operation.operationId).toBe('connectRealtime');
    const apiKeyParam = operation.parameters.find((p: any) => p.name === 'api_key');
    expect(apiKeyParam).toMatchObject({ in: 'query', required: false, schema: { type: 'string' } });
    expect(apiKeyParam.description).toMatch(/access logs/);
    expect(operation.description).toMatch(/X-API-Key/);
    expect(operation.description).toMatch(/api_key/);
    expect(operation.security.every((r: Record<string, unknown>) => 'apiKey' in r)).toBe(true);
    expect(operation.responses['401']['x-error-codes']).toEqual(
      expect.arrayContaining(['UNAUTHORIZED', 'API_KEY_REQUIRED', 'INVALID_API_KEY']),
    );
  });
});

describe('realtime upgrade without REQUIRE_API_KEY', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('no key is fine, but a key that is sent must be valid', async () => {
    const doc = (await t.call('GET', '/openapi.json')).body;
    const keyless = await openRealtime(t.baseUrl, doc, t.mintToken('keyless'));
    await keyless.close();
    const url = realtimeUrl(t.baseUrl, t.mintToken('guesser'));
    for (const res of [
      await refusedUpgrade(withKey(url, UNKNOWN_KEY)),
      await refusedUpgrade(url, { headers: { 'x-api-key': UNKNOWN_KEY } }),
    ])
      expect([res.status, res.body.error.code]).toEqual([401, 'INVALID_API_KEY']);
    const { apiKey } = await makeKey(t, 'Optional key');
    const keyed = await openRealtime(t.baseUrl, doc, t.mintToken('keyed'), { query: { api_key: apiKey } });
    expect(keyed.problems).toEqual([]);
    await keyed.close();
  });
});
