import type { OpenAPIObject, OperationObject, ParameterObject, ResponseObject } from 'openapi3-ts/oas30';
import { isSafeClientId } from '../../src/api/http/card-data-guard';
import type { ContractChecker } from '../support/contract';
import { createPartnerClient } from '../support/partner-client';
import type { ApiResponse, CallOptions } from '../support/http';
import { startDocumentedApp } from '../support/documented-app';
import type { TestApp } from '../support/test-app';

/**
 * The headers of the contract against the running app: the request headers the service reads are declared as
 * parameters where it reads them, with the rules it applies; the response headers it sends are listed on the
 * answers that carry them, and only there.
 */

type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';
const METHODS: HttpMethod[] = ['get', 'post', 'put', 'patch', 'delete'];

describe('OpenAPI document: headers', () => {
  let t: TestApp;
  let doc: OpenAPIObject;
  let checker: ContractChecker;
  let admin: string;

  const resolve = <T>(value: unknown): T => {
    let current = value as { $ref?: string } | undefined;
    while (current && typeof current === 'object' && current.$ref) {
      const [, kind, name] = /^#\/components\/(\w+)\/(.+)$/.exec(current.$ref) ?? [];
      current = (doc.components as Record<string, Record<string, { $ref?: string }>>)[kind]?.[name];
    }
    return current as T;
  };
  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, item]) =>
      METHODS.filter((m) => item[m]).map((method) => ({ method, path, op: item[method] as OperationObject })),
    );
  const headerParameters = (op: OperationObject) =>
    (op.parameters ?? [])
      .map((p) => resolve<ParameterObject>(p))
      .filter((p) => p.in === 'header')
      .map((p) => p.name);
  const operation = (operationId: string) => {
    const found = operations().find(({ op }) => op.operationId === operationId);
    if (!found) throw new Error(`no operation ${operationId}`);
    return found.op;
  };
  /** The operation answers a 403 of its own (beyond the token checks): its `x-error-codes` say more than FORBIDDEN. */
  const hasOwn403 = (op: OperationObject) =>
    (resolve<ResponseObject>(op.responses['403'])['x-error-codes'] as string[]).some(
      (c) => c !== 'FORBIDDEN',
    );
  const responseHeaders = (op: OperationObject, status: string) =>
    Object.keys(resolve<ResponseObject>(op.responses[status])?.headers ?? {});
  /** A call whose answer the document must describe, headers included (the client checks it too). */
  const call = async (method: string, url: string, options: CallOptions = {}): Promise<ApiResponse> => {
    const res = await t.call(method, url, options);
    expect(checker.problems(method, url, res)).toEqual([]);
    return res;
  };

  beforeAll(async () => {
    ({ t, admin, doc, checker } = await startDocumentedApp());
  });
  afterAll(() => t.close());

  describe('request headers the service reads are parameters', () => {
    it('X-Request-Id on every operation; X-Correlation-Id and X-Session-ID on every operation that writes events', () => {
      const declared = operations().map(({ method, path, op }) => ({
        where: `${method} ${path}`,
        headers: headerParameters(op),
        writes: method !== 'get' && !('x-always-refused' in op),
      }));
      expect(declared.length).toBeGreaterThan(50);
      for (const { where, headers, writes } of declared) {
        expect([where, headers.includes('X-Request-Id')]).toEqual([where, true]);
        expect([where, headers.includes('X-Correlation-Id'), headers.includes('X-Session-ID')]).toEqual([
          where,
          writes,
          writes,
        ]);
      }
    });

    it('X-Queue-Access-Token only on the reserve, X-Device-ID on the reserve and the queue join', () => {
      const reading = (name: string) =>
        operations()
          .filter(({ op }) => headerParameters(op).includes(name))
          .map(({ op }) => op.operationId)
          .sort();
      expect(reading('X-Queue-Access-Token')).toEqual(['reserveSeats']);
      expect(reading('X-Device-ID')).toEqual(['joinQueue', 'reserveSeats']);
    });

    it('their schemas state the rules the server applies', async () => {
      const parameter = (name: string) =>
        Object.values(doc.components!.parameters!)
          .map((p) => resolve<ParameterObject>(p))
          .find((p) => p.in === 'header' && p.name === name)!;
      const safeIds = ['X-Request-Id', 'X-Correlation-Id', 'X-Session-ID'];
      for (const name of safeIds)
        expect(parameter(name).schema).toEqual({
          type: 'string',
          pattern: '^[A-Za-z0-9._:-]{1,128}$',
          maxLength: 128,
        });
      expect(parameter('X-Device-ID').schema).toEqual({ type: 'string', maxLength: 512 });
      expect(parameter('X-Queue-Access-Token').schema).toEqual({ type: 'string' });

      // The pattern is the server's rule (isSafeClientId), and the server refuses what it refuses.
      const pattern = new RegExp((parameter('X-Request-Id').schema as { pattern: string }).pattern);
      const samples = ['a', 'A.b_c:d-9', 'x'.repeat(128), 'x'.repeat(129), '', 'a b', 'a/b', 'é', 'a,b'];
      for (const sample of samples)
        expect([sample, pattern.test(sample)]).toEqual([sample, isSafeClientId(sample)]);
      const codes = { 'X-Request-Id': 'INVALID_REQUEST_ID', 'X-Correlation-Id': 'INVALID_CORRELATION_ID' };
      for (const name of safeIds) {
        const refused = await call('GET', '/v1/events/search', { headers: { [name]: 'x'.repeat(129) } });
        expect([name, refused.status, refused.body.error.code]).toEqual([
          name,
          400,
          codes[name as keyof typeof codes] ?? 'INVALID_HEADER',
        ]);
        const taken = await call('GET', '/v1/events/search', {
          headers: { [name]: `A.b_c:d-${'x'.repeat(120)}` },
        });
        expect([name, taken.status]).toEqual([name, 200]);
      }
      const longDevice = await call('GET', '/v1/events/search', {
        headers: { 'x-device-id': 'd'.repeat(513) },
      });
      expect([longDevice.status, longDevice.body.error.code]).toEqual([400, 'INVALID_HEADER']);
      const device = await call('GET', '/v1/events/search', {
        headers: { 'x-device-id': 'd é/'.repeat(128) },
      });
      expect(device.status).toBe(200);
    });
  });

  describe('X-Correlation-Id, the correlation of what a request writes', () => {
    it("the API tests' checker refuses a header the document knows where it is not listed", () => {
      const body = { events: [], total: 0, page: 1, limit: 20 };
      const answer = (headers: Record<string, string>) => ({
        status: 200,
        body,
        headers: new Headers({ 'content-type': 'application/json', ...headers }),
      });
      const problems = (headers: Record<string, string>) =>
        checker.problems('GET', '/v1/events/search', answer(headers)).filter((p) => p.includes('header'));
      expect(problems({ 'x-request-id': 'r' })).toEqual([]);
      expect(problems({ 'x-correlation-id': 'c' })).toEqual([
        expect.stringContaining('header x-correlation-id is sent but not listed on this answer'),
      ]);
      expect(problems({ 'ratelimit-quota-used': '1' })).toEqual([
        expect.stringContaining('header ratelimit-quota-used is sent but not listed on this answer'),
      ]);
    });

    it('is listed on every answer of an operation that writes events (refusals included), and on no other', () => {
      const component = doc.components!.headers!['X-Correlation-Id'];
      expect(component).toMatchObject({ schema: { type: 'string' } });
      for (const { method, path, op } of operations()) {
        const writes = method !== 'get' && !('x-always-refused' in op);
        for (const status of Object.keys(op.responses)) {
          const where = `${method} ${path} ${status}`;
          // The WebSocket's 101 is answered outside the route's middleware.
          const expected = writes && status !== '101';
          expect([where, responseHeaders(op, status).includes('X-Correlation-Id')]).toEqual([
            where,
            expected,
          ]);
        }
      }
    });

    it('is sent on the answers of a command, its refusals included, and on no read (304 included)', async () => {
      const fan = (await t.customerToken()).token;
      const correlation = (res: ApiResponse) => res.headers.get('x-correlation-id');
      // A command: its success, and refusals made by the operation (validation, the handler, no token).
      const venue = {
        name: 'Header Hall',
        city: 'Docs',
        state: 'DC',
        country: 'US',
        sections: [{ name: 'Floor', rows: [{ row: 'A', seats: 2 }] }],
      };
      const created = await call('POST', '/v1/admin/venues', {
        token: admin,
        body: venue,
        headers: { 'x-correlation-id': 'venue-1' },
      });
      expect(created.status).toBe(201);
      const adminId = (await call('GET', '/v1/auth/info', { token: admin })).body.user_id as string;
      expect(correlation(created)).toBe(`${adminId}:venue-1`);
      const invalid = await call('POST', '/v1/admin/venues', { token: admin, body: { name: 'x' } });
      // No id chosen by the caller: the one the server made up.
      expect([invalid.status, correlation(invalid)]).toEqual([400, invalid.headers.get('x-request-id')]);
      const notFound = await call('POST', '/v1/seats/reserve', {
        token: fan,
        body: { event_id: 'no-such-event', seat_ids: ['s1:A:1'] },
        headers: { 'x-request-id': 'reserve-1' },
      });
      expect([notFound.status, correlation(notFound)]).toEqual([404, expect.stringMatching(/:reserve-1$/)]);
      const anonymous = await call('POST', '/v1/orders', {
        body: {},
        headers: { 'x-request-id': 'order-1' },
      });
      expect([anonymous.status, correlation(anonymous)]).toEqual([401, 'anonymous:order-1']);
      // Refused before the request reaches the operation: no correlation.
      const badHeader = await call('POST', '/v1/admin/venues', {
        token: admin,
        body: venue,
        headers: { 'x-session-id': 'not safe' },
      });
      expect([badHeader.status, correlation(badHeader)]).toEqual([400, null]);
      // Reads never carry it: a 200, a 404, a 304.
      const read = await call('GET', '/v1/events/search');
      expect([read.status, correlation(read)]).toEqual([200, null]);
      const missing = await call('GET', '/v1/events/no-such-event');
      expect([missing.status, correlation(missing)]).toEqual([404, null]);
      const event = await call('POST', '/v1/admin/events', {
        token: admin,
        body: {
          name: 'Header Night',
          artist: 'The Headers',
          category: 'Concert',
          venue_id: created.body.venue_id,
          date: '2030-06-01T20:00:00Z',
          general_sale_start: '2020-01-01T00:00:00Z',
          pricing_tiers: [{ name: 'Floor', price: 10, fees: 1, sections: ['Floor'] }],
        },
      });
      expect([event.status, event.text]).toEqual([201, expect.anything()]);
      const eventId = event.body.event_id as string;
      const published = await call('POST', `/v1/admin/events/${eventId}/publish`, { token: admin });
      expect(published.status).toBe(200);
      const eventUrl = `/v1/events/${eventId}`;
      await t.app.runner.catchUp();
      const shown = await call('GET', eventUrl);
      const cached = await call('GET', eventUrl, {
        headers: { 'if-none-match': shown.headers.get('etag')! },
      });
      expect([shown.status, cached.status, correlation(shown), correlation(cached)]).toEqual([
        200,
        304,
        null,
        null,
      ]);
    });

    it("a replayed answer carries the first request's correlation, not the retry's", async () => {
      const fan = (await t.customerToken()).token;
      const add = (requestId: string) =>
        call('POST', '/v1/payment-methods', {
          token: fan,
          body: { type: 'CARD', card_token: 'tok_visa' },
          headers: { 'idempotency-key': `corr-${Date.now()}`, 'x-request-id': requestId },
        });
      const key = `corr-${process.pid}-${Date.now()}`;
      const first = await call('POST', '/v1/payment-methods', {
        token: fan,
        body: { type: 'CARD', card_token: 'tok_visa' },
        headers: { 'idempotency-key': key, 'x-request-id': 'first-try' },
      });
      const retry = await call('POST', '/v1/payment-methods', {
        token: fan,
        body: { type: 'CARD', card_token: 'tok_visa' },
        headers: { 'idempotency-key': key, 'x-request-id': 'second-try' },
      });
      expect([first.status, retry.status, retry.headers.get('idempotent-replayed')]).toEqual([
        201,
        201,
        'true',
      ]);
      expect(first.headers.get('x-correlation-id')).toMatch(/:first-try$/);
      expect(retry.headers.get('x-correlation-id')).toBe(first.headers.get('x-correlation-id'));
      expect((await add('third-try')).headers.get('x-correlation-id')).toMatch(/:third-try$/);
    });
  });

  describe('the Partner API lists the quota headers it sends, where it sends them', () => {
    const QUOTA = ['Ratelimit-Quota-Allowed', 'Ratelimit-Quota-Used', 'Ratelimit-Expiry'];
    const RATE_LIMIT = ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'];
    const partnerOperations = () => operations().filter(({ path }) => path.startsWith('/partners/v1/'));

    it('429 QUOTA_EXCEEDED: the quota headers and Retry-After, not X-RateLimit-*; 401 and 403: no quota headers', () => {
      expect(partnerOperations().length).toBeGreaterThan(10);
      for (const { method, path, op } of partnerOperations()) {
        const where = `${method} ${path}`;
        expect([where, responseHeaders(op, '429')]).toEqual([
          where,
          expect.arrayContaining([...QUOTA, 'Retry-After']),
        ]);
        expect([where, responseHeaders(op, '429').filter((h) => RATE_LIMIT.includes(h))]).toEqual([
          where,
          [],
        ]);
        const quotaOn = (status: string) => responseHeaders(op, status).filter((h) => QUOTA.includes(h));
        // Refused before the quota counts: no valid client (401), not a partner token (403), or before routing
        // (408, 431). A 403 the operation itself answers, past the quota, carries them.
        expect([where, quotaOn('401'), quotaOn('408'), quotaOn('431')]).toEqual([where, [], [], []]);
        expect([where, quotaOn('403')]).toEqual([where, hasOwn403(op) ? QUOTA : []]);
        for (const status of Object.keys(op.responses).filter(
          (s) => !['401', '403', '408', '431'].includes(s),
        ))
          expect([where, status, quotaOn(status)]).toEqual([where, status, QUOTA]);
      }
      // The rate limiters' 429 keeps its own headers.
      expect(responseHeaders(operation('reserveSeats'), '429')).toEqual(
        expect.arrayContaining([...RATE_LIMIT, 'Retry-After']),
      );
    });

    it('what the server sends: quota headers past the client check (its 429 included), none on 401 and 403', async () => {
      const quota = (res: ApiResponse) => QUOTA.map((h) => res.headers.get(h));
      const small = await createPartnerClient(t, { name: 'Header quota', quota_per_hour: 2 });
      const ok = await call('GET', '/partners/v1/events', { token: small.token });
      const missing = await call('GET', '/partners/v1/events/no-such-event', { token: small.token });
      const over = await call('GET', '/partners/v1/events', { token: small.token });
      expect([ok.status, missing.status, over.status, over.body.error.code]).toEqual([
        200,
        404,
        429,
        'QUOTA_EXCEEDED',
      ]);
      for (const res of [ok, missing, over])
        expect(quota(res)).toEqual([expect.any(String), expect.any(String), expect.any(String)]);
      expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(RATE_LIMIT.map((h) => over.headers.get(h))).toEqual([null, null, null]);

      const noToken = await call('GET', '/partners/v1/events');
      const customer = await call('GET', '/partners/v1/events', { token: admin });
      const revoked = await createPartnerClient(t, { name: 'Header revoked' });
      const revoke = await call('DELETE', `/v1/admin/partners/${revoked.partnerId}`, { token: admin });
      expect(revoke.status).toBe(204);
      const gone = await call('GET', '/partners/v1/events', { token: revoked.token });
      expect([noToken.status, customer.status, gone.status]).toEqual([401, 403, 401]);
      for (const res of [noToken, customer, gone]) expect(quota(res)).toEqual([null, null, null]);
    });
  });

  describe('redirects are answered as documented: status and Location, no body', () => {
    it('GET /docs: 301 to /docs/, where the UI is served', async () => {
      const op = operation('apiDocs');
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '301']));
      expect(responseHeaders(op, '301')).toEqual(expect.arrayContaining(['Location']));
      expect(resolve<ResponseObject>(op.responses['301']).content).toBeUndefined();
      const moved = await call('GET', '/docs');
      expect([moved.status, moved.headers.get('location'), moved.text]).toEqual([301, '/docs/', '']);
      const query = await call('GET', '/docs?url=x');
      expect([query.status, query.headers.get('location')]).toEqual([301, '/docs/?url=x']);
      const page = await call('GET', '/docs/');
      expect([page.status, page.headers.get('content-type')]).toEqual([
        200,
        expect.stringMatching(/^text\/html/),
      ]);
    });

    it('GET /oauth/authorize: 302 with Location and no body', async () => {
      const redirectUri = 'https://shop.example.com/callback';
      const partner = await createPartnerClient(t, { name: 'Header redirect', redirect_uris: [redirectUri] });
      const query = new URLSearchParams({
        client_id: partner.clientId,
        response_type: 'code',
        redirect_uri: redirectUri,
        state: 's1',
      });
      const res = await call('GET', `/oauth/authorize?${query.toString()}`);
      expect([res.status, res.text, res.headers.get('content-type')]).toEqual([302, '', null]);
      const location = new URL(res.headers.get('location')!);
      expect([`${location.origin}${location.pathname}`, location.searchParams.get('state')]).toEqual([
        redirectUri,
        's1',
      ]);
      expect(resolve<ResponseObject>(operation('oauthAuthorize').responses['302']).content).toBeUndefined();
    });

    it('the checker refuses a body where the document describes none', () => {
      const headers = new Headers({ 'content-type': 'text/plain; charset=utf-8' });
      const found = {
        status: 302,
        body: undefined,
        headers,
        text: 'Found. Redirecting to https://x.example',
      };
      expect(checker.problems('GET', '/oauth/authorize', found)).toEqual([
        expect.stringContaining('a body is sent where the document describes none'),
      ]);
    });
  });
});
