import type { OpenAPIObject, OperationObject } from 'openapi3-ts/oas30';
import { contractChecker } from '../support/contract';
import { createEvent } from '../support/fixtures';
import { createPartnerClient, type PartnerClientFixture } from '../support/partner-client';
import { openRealtime, realtimeUrl, refusedUpgrade } from '../support/realtime-client';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * One reading of a path (issue 11): which operation a request is for is decided once, by the router, and every
 * check that matters (the Partner API's client check and quota, which token kinds an operation takes) runs in that
 * operation's own chain. Before, the partner gate asked a case-sensitive regex of its own while express routed
 * case-insensitively, so `POST /partners/v1/Events/{id}/cart` made a cart with a customer's token; and a partner
 * token was kept on the Partner API by a check of `req.path`. Every operation is taken from /openapi.json, so a new
 * one is covered the day it is declared.
 */

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
const METHODS: Method[] = ['get', 'post', 'put', 'patch', 'delete'];
const PARTNER_PREFIX = '/partners/v1/';
/** Where a partner token is taken outside the Partner API: its token info, and token requests (which ignore it). */
const PARTNER_TOKEN_ELSEWHERE = ['/oauth/info', '/v1/auth/info', '/oauth/token', '/v1/auth/token'];

interface Documented {
  method: Method;
  template: string;
  op: OperationObject;
}

function documentedOperations(doc: OpenAPIObject): Documented[] {
  return Object.entries(doc.paths).flatMap(([template, item]) =>
    METHODS.filter((m) => item[m]).map((method) => ({ method, template, op: item[method]! })),
  );
}

/** The same path with one literal segment in another case, once per segment that has letters. */
function caseVariants(path: string): string[] {
  const segments = path.split('/');
  const variants: string[] = [];
  segments.forEach((segment, i) => {
    if (segment.startsWith('{') || !/[a-z]/i.test(segment)) return;
    const letter = segment.search(/[a-z]/i);
    const flipped = segment[letter] === segment[letter].toUpperCase() ? 'toLowerCase' : 'toUpperCase';
    const changed = segment.slice(0, letter) + segment[letter][flipped]() + segment.slice(letter + 1);
    variants.push([...segments.slice(0, i), changed, ...segments.slice(i + 1)].join('/'));
  });
  return variants;
}

describe('the Partner API gate and the token kinds are part of each operation, never of a path check', () => {
  let t: TestApp;
  let doc: OpenAPIObject;
  let admin: string;
  let customer: string;
  let partner: PartnerClientFixture;
  let revoked: PartnerClientFixture;
  let eventId: string;

  /** A documented path made concrete: the test event where an event id goes, a made-up id elsewhere. */
  const concrete = (template: string) =>
    template.replace('{event_id}', eventId).replace(/\{[^}]+\}/g, 'no-such-id');
  /** A body a partner would send to create a cart (the red team's exploit), `{}` to the other writes. */
  const bodyFor = (method: Method, template: string) =>
    method === 'post' && template.endsWith('/cart')
      ? { section_id: 's1', quantity: 2 }
      : ['post', 'put', 'patch'].includes(method)
        ? {}
        : undefined;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await t.adminToken();
    customer = (await t.customerToken()).token;
    partner = await createPartnerClient(t, { name: 'Gate Tickets' });
    revoked = await createPartnerClient(t, { name: 'Gone Tickets' });
    const revoke = await t.call('DELETE', `/v1/admin/partners/${revoked.partnerId}`, { token: admin });
    expect(revoke.status).toBe(204);
    ({ eventId } = await createEvent(t.call, admin));
    doc = (await t.call('GET', '/openapi.json')).body as OpenAPIObject;
  });
  afterAll(() => t?.close());

  it('any documented path with one segment in another case is 404 ROUTE_NOT_FOUND, for every caller', async () => {
    // Its own client: a request that reaches no operation must not be counted against the quota either.
    const wanderer = await createPartnerClient(t, { name: 'Wandering Tickets' });
    const operations = documentedOperations(doc);
    expect(operations.length).toBeGreaterThan(60);
    // `/v1/events/Search` is the event `Search` (`/v1/events/{event_id}`): a variant that is another documented
    // operation is that operation, not an unknown path.
    const checker = contractChecker(doc);
    const another = (method: Method, path: string) => checker.match(method, path) !== undefined;
    const answers: string[] = [];
    const expected: string[] = [];
    for (const { method, template } of operations) {
      const partnerPath = template.startsWith(PARTNER_PREFIX);
      const variants = caseVariants(template).filter((variant) => !another(method, variant));
      for (const path of variants.map(concrete)) {
        for (const token of [partnerPath ? wanderer.token : admin, customer, undefined]) {
          const res = await t.call(method.toUpperCase(), path, {
            token,
            body: bodyFor(method, template),
            // Compared below, every one: a case-changed path that answers must show in the list, not stop it.
            uncheckedBecause: 'the status and code of each answer are the assertion',
          });
          const caller = token === undefined ? 'none' : token === customer ? 'customer' : 'entitled';
          answers.push(`${method} ${path} (${caller}): ${res.status} ${res.body?.error?.code}`);
          expected.push(`${method} ${path} (${caller}): 404 ROUTE_NOT_FOUND`);
          expect(res.headers.get('ratelimit-quota-used')).toBeNull();
        }
      }
    }
    expect(answers).toEqual(expected);
    // Nothing was held by any of those requests, and the partner's quota counted none of them.
    const held = await t.call('GET', '/v1/audit/log?type=SeatsHeld', { token: admin });
    expect(held.body.events).toEqual([]);
    const first = await t.call('GET', '/partners/v1/events', { token: wanderer.token });
    expect([first.status, first.headers.get('ratelimit-quota-used')]).toEqual([200, '1']);
  });

  it('every Partner API operation refuses a customer, an admin, a waiting-room token, a revoked client, no token, and a client over its quota', async () => {
    const frugal = await createPartnerClient(t, { name: 'Frugal Tickets', quota_per_hour: 1 });
    expect((await t.call('GET', '/partners/v1/events', { token: frugal.token })).status).toBe(200);
    const queueToken = t.app.container
      .get<{ issue: (claims: object, ttl: number) => { token: string } }>(Symbol.for('AccessTokens'))
      .issue(
        { sub: 'q', email: 'q@example.test', role: 'customer', kind: 'queue', eventId, entryId: 'x' },
        600,
      ).token;
    const callers: Array<[string, string | undefined, number, string]> = [
      ['customer', customer, 403, 'FORBIDDEN'],
      ['admin', admin, 403, 'FORBIDDEN'],
      ['queue token', queueToken, 403, 'FORBIDDEN'],
      ['revoked client', revoked.token, 401, 'UNAUTHORIZED'],
      ['no token', undefined, 401, 'UNAUTHORIZED'],
      ['over its quota', frugal.token, 429, 'QUOTA_EXCEEDED'],
    ];
    const partnerOperations = documentedOperations(doc).filter((o) => o.template.startsWith(PARTNER_PREFIX));
    expect(partnerOperations.length).toBeGreaterThanOrEqual(14);
    const answers: string[] = [];
    const expected: string[] = [];
    for (const { method, template } of partnerOperations) {
      for (const [who, token, status, code] of callers) {
        // Forced polling would answer 202 before the command ran, if the command were reached at all.
        const res = await t.call(method.toUpperCase(), concrete(template), {
          token,
          body: bodyFor(method, template),
          headers: { 'X-Force-Polling': 'true' },
        });
        answers.push(`${method} ${template} (${who}): ${res.status} ${res.body?.error?.code}`);
        // A poll is answered past the quota (the answer of a call the quota let through): here, an unknown poll id.
        // So is a cart deletion (it gives seats back): here, one without its cart_id.
        const pastQuota = who === 'over its quota';
        const answered =
          pastQuota && template.startsWith(`${PARTNER_PREFIX}polling/`)
            ? '404 POLL_NOT_FOUND'
            : pastQuota && method === 'delete' && template.endsWith('/cart')
              ? '400 VALIDATION_ERROR'
              : `${status} ${code}`;
        expected.push(`${method} ${template} (${who}): ${answered}`);
      }
    }
    expect(answers).toEqual(expected);
    const held = await t.call('GET', '/v1/audit/log?type=SeatsHeld', { token: admin });
    expect(held.body.events).toEqual([]);
  });

  it("a partner client's token is taken only by the Partner API, its token info and token requests", async () => {
    const elsewhere = documentedOperations(doc).filter(
      ({ template, op }) =>
        !template.startsWith(PARTNER_PREFIX) &&
        !PARTNER_TOKEN_ELSEWHERE.includes(template) &&
        // Served before authentication (health, the document): a token is not even read there.
        op.security !== undefined,
    );
    expect(elsewhere.length).toBeGreaterThan(40);
    const answers: string[] = [];
    for (const { method, template } of elsewhere) {
      const res = await t.call(method.toUpperCase(), concrete(template), {
        token: partner.token,
        body: bodyFor(method, template),
      });
      answers.push(`${method} ${template}: ${res.status} ${res.body?.error?.code}`);
    }
    expect(answers).toEqual(elsewhere.map(({ method, template }) => `${method} ${template}: 403 FORBIDDEN`));

    for (const path of ['/oauth/info', '/v1/auth/info']) {
      const info = await t.call('GET', path, { token: partner.token });
      expect([path, info.status, info.body.client_id]).toEqual([path, 200, partner.clientId]);
    }
    // The red team's probe: a partner token on /OAuth/info was 403 where a customer's was 200. Neither is a route.
    for (const token of [partner.token, customer]) {
      const res = await t.call('GET', '/OAuth/info', { token });
      expect([res.status, res.body.error.code]).toEqual([404, 'ROUTE_NOT_FOUND']);
    }
    // A refresh with the partner's bearer token still present: the token request ignores it.
    const refreshed = await t.call('POST', '/oauth/token', {
      token: partner.token,
      body: { grant_type: 'refresh_token', refresh_token: partner.refreshToken },
    });
    expect(refreshed.status).toBe(200);
  });

  it("a revoked client's token is refused wherever it is presented (401), as it is on the Partner API", async () => {
    for (const [method, path] of [
      ['GET', '/oauth/info'],
      ['GET', '/v1/events'],
      ['GET', '/partners/v1/events'],
    ]) {
      const res = await t.call(method, path, { token: revoked.token });
      expect([path, res.status, res.body.error.code]).toEqual([path, 401, 'UNAUTHORIZED']);
    }
  });

  it("the realtime upgrade authenticates as the HTTP pipeline does: a partner's token 403, a revoked client's 401", async () => {
    const refusals: Array<[string, string, number]> = [
      ['partner', partner.token, 403],
      ['revoked partner', revoked.token, 401],
    ];
    for (const [who, token, status] of refusals) {
      const upgrade = await refusedUpgrade(realtimeUrl(t.baseUrl, token));
      expect([who, upgrade.status, upgrade.body.error.code]).toEqual([
        who,
        status,
        status === 403 ? 'FORBIDDEN' : 'UNAUTHORIZED',
      ]);
      // The same answer without the upgrade, from the REST declaration of the same operation.
      const plain = await t.call('GET', `/v1/realtime?token=${token}`);
      expect([who, plain.status]).toEqual([who, status]);
    }
    const fan = await openRealtime(t.baseUrl, doc, customer);
    await fan.close();
  });
});
