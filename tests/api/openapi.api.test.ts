import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { getMetadataStorage } from 'class-validator';
import type { OpenAPIObject, OperationObject, ResponseObject, SchemaObject } from 'openapi3-ts/oas30';
import { mountedOperations } from '../../src/api/contract/api-router';
import { ReserveSeatsDto } from '../../src/api/dto/reservation.dto';
import { ApiError, fromDomainError } from '../../src/api/http/api-error';
import { buildOpenApiDocument } from '../../src/api/openapi';
import { seatRoutes, type ReservationRouteDeps } from '../../src/api/routes/reservation.routes';
import { DomainError } from '../../src/domain/shared/errors';
import { documentAjv, type ContractChecker } from '../support/contract';
import { apiClient, type ApiResponse } from '../support/http';
import { startDocumentedApp } from '../support/documented-app';
import type { TestApp } from '../support/test-app';

/**
 * The OpenAPI document against the running app. The list of operations comes from the routers (each operation is
 * declared beside its route); this checks it matches the express router stack both ways, that every documented
 * operation is served, that the document is valid (ajv compiles every schema), that a DTO constraint and the
 * document move together, and that what the server answers is what the document says (the client in
 * tests/support/http.ts checks every answer of every API test the same way).
 */

type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';
const METHODS: HttpMethod[] = ['get', 'post', 'put', 'patch', 'delete'];
/** Parameter names differ between express (`:id`) and the document (`{event_id}`): compare shapes only. */
const shape = (path: string) => path.replace(/\{[^}]+\}/g, '{}').replace(/:[A-Za-z_][A-Za-z0-9_]*/g, '{}');
const key = (method: string, path: string) => `${method.toUpperCase()} ${shape(path)}`;
const sorted = (keys: Iterable<string>) => [...new Set(keys)].sort();

function documentedOperations(
  doc: OpenAPIObject,
): Array<{ method: HttpMethod; path: string; op: OperationObject }> {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((method) => ({ method, path, op: item[method]! })),
  );
}

// --- the express router stack --------------------------------------------------------------------------

interface RouterLayer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle: { stack?: RouterLayer[] };
  rawPath?: unknown;
  name?: string;
}

/** `/v1/payment-methods` + `/` is `/v1/payment-methods`: a router's root route has no trailing slash. */
const join = (prefix: string, path: string) => (path === '/' ? prefix || '/' : prefix + path);

/**
 * [METHOD, full path] of every route, read from express itself (not from the declarations): route layers give
 * their methods and path; routers are walked with their mount path (router 2.x keeps it as `rawPath`); other
 * middleware mounted at a path of its own (swagger-ui at /docs) counts as a GET page.
 */
function servedRoutes(stack: RouterLayer[], prefix = ''): Array<[string, string]> {
  const found: Array<[string, string]> = [];
  for (const layer of stack) {
    if (layer.route) {
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      for (const path of paths) {
        for (const [method, on] of Object.entries(layer.route.methods))
          if (on && method !== '_all') found.push([method, join(prefix, path)]);
      }
      continue;
    }
    const mount = layer.rawPath;
    if (typeof mount !== 'string') {
      throw new Error(
        `cannot tell where middleware ${layer.name} is mounted (rawPath ${String(mount)}): update servedRoutes()`,
      );
    }
    const base = mount === '/' ? prefix : join(prefix, mount);
    if (layer.handle.stack) found.push(...servedRoutes(layer.handle.stack, base));
    else if (mount !== '/') found.push(['get', base]);
  }
  return found;
}

function resolve<T>(doc: OpenAPIObject, value: unknown): T {
  let current: unknown = value;
  for (let hops = 0; current && typeof current === 'object' && '$ref' in current; hops++) {
    if (hops > 10) throw new Error('reference loop');
    const ref = (current as { $ref: string }).$ref;
    const [, kind, name] = /^#\/components\/(\w+)\/(.+)$/.exec(ref) ?? [];
    current = (doc.components as Record<string, Record<string, unknown>>)[kind]?.[name];
    if (current === undefined) throw new Error(`unresolved reference ${ref}`);
  }
  return current as T;
}

/** Every $ref anywhere in the document. */
function references(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => references(n, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else references(v, out);
    }
  }
  return out;
}

describe('OpenAPI document', () => {
  let t: TestApp;
  let doc: OpenAPIObject;
  let checker: ContractChecker;
  let admin: string;

  const find = (method: string, path: string) => {
    const hit = documentedOperations(doc).find(
      (o) => o.method === method.toLowerCase() && shape(o.path) === shape(path),
    );
    if (!hit) throw new Error(`${method} ${path} is not documented`);
    return hit;
  };

  /**
   * One call of the walk: the operation it reaches, the expected status (when given), then the document check
   * (the client checks too; done here explicitly so this file does not depend on it).
   */
  async function check(
    method: string,
    template: string,
    url: string,
    options: Parameters<TestApp['call']>[2] = {},
    expected?: number,
  ): Promise<ApiResponse> {
    const res = await t.call(method, url, options);
    expect(checker.match(method, url)?.template).toBe(find(method, template).path);
    if (expected !== undefined)
      expect([method, url, res.status, res.body?.error?.code]).toEqual([
        method,
        url,
        expected,
        res.status >= 400 ? res.body?.error?.code : undefined,
      ]);
    expect(checker.problems(method, url, res)).toEqual([]);
    return res;
  }

  beforeAll(async () => {
    ({ t, admin, doc, checker } = await startDocumentedApp());
  });
  afterAll(() => t.close());

  it('is served at /openapi.json: OpenAPI 3.0.3, every schema valid JSON Schema (ajv compiles them all)', () => {
    expect(doc.openapi).toBe('3.0.3');
    const ajv = documentAjv();
    ajv.addSchema({ $id: 'doc', components: doc.components } as object);
    for (const name of Object.keys(doc.components?.schemas ?? {}))
      expect(() => ajv.getSchema(`doc#/components/schemas/${name}`)).not.toThrow();
    expect(Object.keys(doc.components?.schemas ?? {})).toEqual(
      expect.arrayContaining(['Error', 'ReserveSeatsDto', 'CreateEventDto', 'PricingTierDto', 'Order']),
    );
  });

  it('the audit cursors say which end they include: positions exclusive, revisions inclusive, both with a maximum', () => {
    const parameter = (path: string, name: string) => {
      const found = (
        doc.paths[path].get!.parameters as Array<{ name: string; description?: string; schema: object }>
      ).find((p) => p.name === name);
      return { description: found?.description, schema: found?.schema };
    };
    for (const path of [
      '/v1/audit/log',
      '/v1/audit/correlations/{correlation_id}',
      '/v1/audit/events/{event_id}/seats/{seat_id}',
    ])
      expect(parameter(path, 'from_position')).toEqual({
        description: expect.stringMatching(/^Exclusive: the events after this log position/),
        schema: expect.objectContaining({ maximum: Number.MAX_SAFE_INTEGER }),
      });
    expect(parameter('/v1/audit/streams/{stream}', 'from_revision')).toEqual({
      description: expect.stringMatching(/^Inclusive: the page starts at this revision/),
      schema: expect.objectContaining({ maximum: Number.MAX_SAFE_INTEGER }),
    });
  });

  it('the partner cart path documents its own 400 for bodies it cannot read, not the 415 the rest of the API answers', () => {
    const cart = doc.paths['/partners/v1/events/{event_id}/cart'];
    for (const op of [cart.post!, cart.put!]) {
      expect(op.responses['415']).toBeUndefined();
      expect(JSON.stringify(op.responses['400'])).toContain('UNSUPPORTED_MEDIA_TYPE');
    }
    expect(doc.paths['/v1/seats/reserve'].post!.responses['415']).toBeDefined();
  });

  it('every route in the express router stack is documented, and every documented operation is routed', () => {
    const stack = (t.app.http as unknown as { router: { stack: RouterLayer[] } }).router.stack;
    const served = sorted(servedRoutes(stack).map(([m, p]) => key(m, p)));
    const documented = sorted(documentedOperations(doc).map((o) => key(o.method, o.path)));
    expect(served.length).toBeGreaterThanOrEqual(30);
    expect({
      undocumented: served.filter((k) => !documented.includes(k)),
      unrouted: documented.filter((k) => !served.includes(k)),
    }).toEqual({
      undocumented: [],
      unrouted: [],
    });
  });

  it('every documented operation is answered by a route (never 404 ROUTE_NOT_FOUND), as documented', async () => {
    for (const { method, path } of documentedOperations(doc)) {
      const url = path.replace(/\{[^}]+\}/g, 'no-such-id');
      const res = await t.call(method.toUpperCase(), url, {
        token: admin,
        ...(method === 'post' ? { body: {} } : {}),
      });
      expect({
        call: `${method} ${url}`,
        routeNotFound: res.status === 404 && res.body?.error?.code === 'ROUTE_NOT_FOUND',
        serverError: res.status >= 500,
        problems: checker.problems(method, url, res),
      }).toEqual({
        call: `${method} ${url}`,
        routeNotFound: false,
        serverError: false,
        problems: [],
      });
    }
  });

  it('the probe can tell: an undocumented method on each documented API path is 404 ROUTE_NOT_FOUND', async () => {
    let probed = 0;
    for (const path of Object.keys(doc.paths).filter((p) => p !== '/docs')) {
      // PATCH unless the path documents it. The partner cart path documents every method: the ones that are not
      // cart operations answer the FAQ's 400 (partner-carts.api.test.ts), so there is nothing to probe there.
      const method = ['patch', 'get', 'put', 'post', 'delete'].find((m) => !(m in doc.paths[path]));
      if (method === undefined) continue;
      probed += 1;
      const res = await t.call(method.toUpperCase(), path.replace(/\{[^}]+\}/g, 'no-such-id'), {
        token: admin,
      });
      expect([path, res.status, res.body?.error?.code]).toEqual([path, 404, 'ROUTE_NOT_FOUND']);
    }
    expect(probed).toBeGreaterThanOrEqual(Object.keys(doc.paths).length - 2);
  });

  it('the checker can tell: an undocumented status, an unlisted code, a wrong or extra field are problems', () => {
    const headers = new Headers({ 'content-type': 'application/json' });
    const envelope = (code: string) => ({
      error: { code, message: 'm', details: {}, request_id: 'r', timestamp: '2026-01-01T00:00:00Z' },
    });
    const hold = {
      reservation_id: 'h',
      event_id: 'e',
      seat_ids: ['s1:A:1'],
      expires_at: '2026-01-01T00:10:00Z',
      total_price: 10,
      fees: 1,
      total: 11,
    };
    const at = (status: number, body: unknown) =>
      checker.problems('POST', '/v1/seats/reserve', { status, body, headers });
    expect(at(201, hold)).toEqual([]);
    expect(at(409, envelope('SEATS_UNAVAILABLE'))).toEqual([]);
    expect(at(418, envelope('TEAPOT'))).toEqual([expect.stringContaining('status not documented')]);
    expect(at(409, envelope('EMAIL_TAKEN'))).toEqual([expect.stringContaining('EMAIL_TAKEN not listed')]);
    expect(at(201, { ...hold, total: '11' })).toEqual([expect.stringContaining('must be number')]);
    expect(at(201, { ...hold, secret: 1 })).toEqual([
      expect.stringContaining('must NOT have additional properties'),
    ]);
    const { seat_ids: _omitted, ...missing } = hold;
    expect(at(201, missing)).toEqual([expect.stringContaining("must have required property 'seat_ids'")]);
    // An order's refund_status is null outside cancellation: documented (null is in its enum), other values are not.
    const order = documentedOperations(doc).find((o) => o.op.operationId === 'getOrder')!;
    const orderSchema = resolve<SchemaObject>(
      doc,
      resolve<ResponseObject>(doc, order.op.responses['200']).content!['application/json'].schema,
    );
    expect((orderSchema.properties!.refund_status as SchemaObject).enum).toEqual([
      'PROCESSING',
      'COMPLETED',
      null,
    ]);
  });

  it("the API tests' client refuses an answer its server's document does not describe", async () => {
    const served: OpenAPIObject = {
      openapi: '3.0.3',
      info: { title: 't', version: '1' },
      paths: {
        '/x': {
          get: {
            responses: {
              200: {
                description: 'ok',
                content: {
                  'application/json': { schema: { type: 'object', properties: { a: { type: 'integer' } } } },
                },
              },
            },
          },
        },
      },
    };
    const server = http.createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(req.url === '/openapi.json' ? served : { a: req.url === '/x?ok' ? 1 : 'one' }));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    try {
      const call = apiClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      expect((await call('GET', '/x?ok')).body).toEqual({ a: 1 });
      await expect(call('GET', '/x')).rejects.toThrow(/body does not match the document/);
      expect((await call('GET', '/x', { uncheckedBecause: 'shows the opt-out' })).body).toEqual({ a: 'one' });
    } finally {
      server.close();
    }
  });

  it('a DTO constraint is the document: changing it changes /openapi.json and what the server accepts alike', async () => {
    const build = () => {
      const pass: ReservationRouteDeps['idempotent'] = (_req, _res, next) => next();
      const router = seatRoutes({ reserveLimit: pass, idempotent: pass } as ReservationRouteDeps);
      return buildOpenApiDocument(mountedOperations(router, '/v1/seats'));
    };
    const seatIds = (d: OpenAPIObject) =>
      (d.components!.schemas!.ReserveSeatsDto as SchemaObject).properties!.seat_ids as SchemaObject;
    expect(seatIds(build()).maxItems).toBe(100);
    expect(seatIds(doc).maxItems).toBe(100);
    // The @ArrayMaxSize(100) of ReserveSeatsDto.seat_ids, as class-validator keeps it.
    const rule = getMetadataStorage()
      .getTargetValidationMetadatas(ReserveSeatsDto, '', true, false)
      .find((m) => m.propertyName === 'seat_ids' && m.name === 'arrayMaxSize')!;
    expect(rule.constraints).toEqual([100]);
    const fan = (await t.customerToken()).token;
    const sixSeats = { event_id: 'no-such-event', seat_ids: ['a', 'b', 'c', 'd', 'e', 'f'] };
    const before = await t.call('POST', '/v1/seats/reserve', { token: fan, body: sixSeats });
    expect([before.status, before.body.error.code]).toEqual([404, 'EVENT_NOT_FOUND']);
    rule.constraints = [5];
    try {
      expect(seatIds(build()).maxItems).toBe(5);
      // The server compiles its validators from the same metadata once per process (validation.ts): checked
      // below against the DTO's own limit rather than a changed one.
    } finally {
      rule.constraints = [100];
    }
    expect(seatIds(build()).maxItems).toBe(100);
    const tooMany = {
      event_id: 'no-such-event',
      seat_ids: Array.from({ length: 101 }, (_, i) => `s1:A:${i + 1}`),
    };
    const refused = await t.call('POST', '/v1/seats/reserve', { token: fan, body: tooMany });
    expect([refused.status, refused.body.error.code, refused.body.error.details.fields[0].field]).toEqual([
      400,
      'VALIDATION_ERROR',
      'seat_ids',
    ]);
  });

  it('is internally consistent: references resolve, ids are unique, params match templates, errors use the envelope', () => {
    for (const ref of references(doc)) expect(() => resolve(doc, { $ref: ref })).not.toThrow();
    const ops = documentedOperations(doc);
    const ids = ops.map((o) => o.op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    const components = doc.components!;
    expect(components.securitySchemes!.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const name of [
      'X-Log-Position',
      'X-Read-Model-Position',
      'X-Read-Model-Stale',
      'X-RateLimit-Limit',
      'X-RateLimit-Remaining',
      'X-RateLimit-Reset',
      'Retry-After',
    ]) {
      expect(components.headers![name]).toBeDefined();
    }
    expect(resolve<{ name: string }>(doc, components.parameters!.MinLogPosition).name).toBe(
      'X-Min-Log-Position',
    );

    for (const { method, path, op } of ops) {
      const where = `${method} ${path}`;
      const params = (op.parameters ?? []).map((p) => resolve<{ name: string; in: string }>(doc, p));
      expect([
        where,
        params
          .filter((p) => p.in === 'path')
          .map((p) => p.name)
          .sort(),
      ]).toEqual([where, [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort()]);
      // A success: a 2xx, or 101 for the WebSocket upgrade (GET /v1/realtime); or an operation documented as
      // always refused (`x-always-refused`: a partner commit sent with the wrong method).
      expect([
        where,
        // A redirect (OAuth authorize) or a protocol switch (the WebSocket) is that operation's success.
        Object.keys(op.responses).some((s) => s.startsWith('2') || s.startsWith('3') || s === '101') ||
          'x-always-refused' in op,
      ]).toEqual([where, true]);
      const bearerOnly = op.security !== undefined && op.security.every((req) => 'bearerAuth' in req);
      if (bearerOnly) expect([where, op.responses['401'] !== undefined]).toEqual([where, true]);

      for (const [status, responseOrRef] of Object.entries(op.responses)) {
        // /readyz answers 503 with its own status body, by design (load balancers read it); everything else uses the envelope.
        if (Number(status) < 400 || `${where} ${status}` === 'get /readyz 503') continue;
        const response = resolve<ResponseObject>(doc, responseOrRef);
        const codes = response['x-error-codes'] ?? [];
        expect([where, status, response.content?.['application/json']?.schema]).toEqual([
          where,
          status,
          { $ref: '#/components/schemas/Error' },
        ]);
        expect([where, status, codes.length > 0]).toEqual([where, status, true]);
        for (const code of codes) {
          expect([where, status, code, response.description.includes(`\`${code}\``)]).toEqual([
            where,
            status,
            code,
            true,
          ]);
          // Codes the server maps itself must be documented under the status it answers them with.
          const mapped = fromDomainError(new DomainError(code, ''));
          const known = mapped instanceof ApiError && mapped.status !== 422 ? mapped.status : undefined;
          if (known !== undefined) expect([where, code, Number(status)]).toEqual([where, code, known]);
        }
        if (status === '429') expect(response.headers?.['Retry-After']).toBeDefined();
      }
    }
    // `Idempotency-Key` on POSTs (DESIGN.md), but those whose answer is a credential shown once (tokens, an API key,
    // a client secret): a replay would have to keep it in the idempotency table. (The waiting room's join keeps its
    // answer without its queue token, and a replay gets a fresh one: a queue token is not a secret that lasts.)
    const CREDENTIALS = ['createApiKey', 'createPartner', 'oauthToken', 'rotatePartnerSecret', 'token'];
    const unkeyed = documentedOperations(doc)
      .filter(({ method }) => method === 'post')
      .filter(
        ({ op }) =>
          !(op.parameters ?? []).some((p) => resolve<{ name: string }>(doc, p).name === 'Idempotency-Key'),
      )
      .map(({ op }) => op.operationId)
      .sort();
    expect(unkeyed).toEqual(CREDENTIALS);
  });

  it('what the server answers to a full walk through the API is what the document says', async () => {
    const email = `openapi-${Date.now()}@example.test`;

    await check('GET', '/healthz', '/healthz', {}, 200);
    await check('GET', '/readyz', '/readyz', {}, 200);
    await check(
      'POST',
      '/v1/auth/register',
      '/v1/auth/register',
      { body: { email, password: 'password-1234', name: 'Doc Reader' } },
      201,
    );
    await check(
      'POST',
      '/v1/auth/register',
      '/v1/auth/register',
      { body: { email, password: 'password-1234', name: 'Doc Reader' } },
      409,
    );
    await check(
      'POST',
      '/oauth/register',
      '/oauth/register',
      { body: { email: `alias-${email}`, password: 'password-1234', name: 'Alias' } },
      201,
    );
    const tokens = await check(
      'POST',
      '/v1/auth/token',
      '/v1/auth/token',
      { body: { grant_type: 'password', email, password: 'password-1234' } },
      200,
    );
    await check(
      'POST',
      '/v1/auth/token',
      '/v1/auth/token',
      { body: { grant_type: 'password', email, password: 'wrong-password' } },
      401,
    );
    const rotated = await check(
      'POST',
      '/oauth/token',
      '/oauth/token',
      { body: { grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token } },
      200,
    );
    const fan = rotated.body.access_token as string;
    await check('GET', '/v1/auth/info', '/v1/auth/info', { token: fan }, 200);
    await check('GET', '/oauth/info', '/oauth/info', { token: fan }, 200);
    await check('GET', '/v1/auth/info', '/v1/auth/info', {}, 401);

    const card = await check(
      'POST',
      '/v1/payment-methods',
      '/v1/payment-methods',
      { token: fan, body: { type: 'CARD', card_token: 'tok_visa' } },
      201,
    );
    await check(
      'POST',
      '/v1/payment-methods',
      '/v1/payment-methods',
      { token: fan, body: { type: 'CARD', card_token: 'tok_visa', card: { number: '4242 4242 4242 4242' } } },
      400,
    );
    await check('GET', '/v1/payment-methods', '/v1/payment-methods', { token: fan }, 200);
    const removePath = `/v1/payment-methods/${card.body.payment_method_id}`;
    await check('DELETE', '/v1/payment-methods/{payment_method_id}', removePath, { token: fan }, 204);
    await check('DELETE', '/v1/payment-methods/{payment_method_id}', removePath, { token: fan }, 404);

    const venue = await check(
      'POST',
      '/v1/admin/venues',
      '/v1/admin/venues',
      {
        token: admin,
        body: {
          name: 'Doc Hall',
          city: 'Docs',
          state: 'DC',
          country: 'US',
          sections: [{ name: 'Floor', rows: [{ row: 'A', seats: 6 }] }],
        },
      },
      201,
    );
    await check('POST', '/v1/admin/venues', '/v1/admin/venues', { token: fan, body: {} }, 403);
    const eventBody = {
      name: 'Doc Night',
      artist: 'The Specs',
      category: 'Concert',
      venue_id: venue.body.venue_id,
      date: '2030-05-01T20:00:00Z',
      doors_open: '2030-05-01T19:00:00Z',
      general_sale_start: '2020-01-01T00:00:00Z',
      pricing_tiers: [{ name: 'Floor', price: 42.5, fees: 5, sections: ['Floor'] }],
      queue: { enabled: false },
    };
    const created = await check(
      'POST',
      '/v1/admin/events',
      '/v1/admin/events',
      { token: admin, body: eventBody },
      201,
    );
    const eventId = created.body.event_id as string;
    await check(
      'POST',
      '/v1/admin/events',
      '/v1/admin/events',
      { token: admin, body: { ...eventBody, event_id: eventId } },
      409,
    );
    await check(
      'POST',
      '/v1/admin/events',
      '/v1/admin/events',
      { token: admin, body: { ...eventBody, venue_id: 'nowhere' } },
      404,
    );
    const published = await check(
      'POST',
      '/v1/admin/events/{event_id}/publish',
      `/v1/admin/events/${eventId}/publish`,
      { token: admin },
      200,
    );
    const headers = { 'x-min-log-position': published.headers.get('x-log-position')! };
    await check('GET', '/v1/admin/events/{event_id}', `/v1/admin/events/${eventId}`, { token: admin }, 200);

    const search = await check(
      'GET',
      '/v1/events/search',
      '/v1/events/search?query=doc+night',
      { headers },
      200,
    );
    expect(search.body.events).toHaveLength(1);
    expect(search.headers.get('x-read-model-position')).toMatch(/^\d+$/);
    await check('GET', '/v1/events/search', '/v1/events/search?per_page=1000', {}, 400);
    await check('GET', '/v1/events/{event_id}', `/v1/events/${eventId}`, { headers }, 200);
    await check('GET', '/v1/events/{event_id}', '/v1/events/nope', {}, 404);
    await check('GET', '/v1/events/{event_id}/seats', `/v1/events/${eventId}/seats`, { headers }, 200);
    await check(
      'GET',
      '/v1/events/{event_id}/seats',
      `/v1/events/${eventId}/seats?status=AVAILABLE&section=Floor`,
      { headers },
      200,
    );
    await check(
      'GET',
      '/v1/events/{event_id}/seats',
      `/v1/events/${eventId}/seats`,
      { headers: { 'x-min-log-position': 'soon' } },
      400,
    );

    const reserve = { event_id: eventId, seat_ids: ['s1:A:1', 's1:A:2'] };
    const held = await check(
      'POST',
      '/v1/seats/reserve',
      '/v1/seats/reserve',
      { token: fan, body: reserve, headers: { 'idempotency-key': 'doc-walk-1' } },
      201,
    );
    expect(held.headers.get('location')).toBe(`/v1/reservations/${held.body.reservation_id}`);
    const replay = await check(
      'POST',
      '/v1/seats/reserve',
      '/v1/seats/reserve',
      { token: fan, body: reserve, headers: { 'idempotency-key': 'doc-walk-1' } },
      201,
    );
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    await check(
      'POST',
      '/v1/seats/reserve',
      '/v1/seats/reserve',
      {
        token: fan,
        body: { ...reserve, seat_ids: ['s1:A:3'] },
        headers: { 'idempotency-key': 'doc-walk-1' },
      },
      422,
    );
    await check(
      'POST',
      '/v1/seats/reserve',
      '/v1/seats/reserve',
      { token: t.mintToken('doc-rival'), body: reserve },
      409,
    );
    await check(
      'POST',
      '/v1/seats/reserve',
      '/v1/seats/reserve',
      { token: t.mintToken('doc-gap'), body: { event_id: eventId, seat_ids: ['s1:A:4'] } },
      422,
    );
    const reservation = `/v1/reservations/${held.body.reservation_id}`;
    await check(
      'GET',
      '/v1/reservations/{reservation_id}',
      reservation,
      { token: fan, headers: { 'x-min-log-position': held.headers.get('x-log-position')! } },
      200,
    );
    const released = await check(
      'DELETE',
      '/v1/reservations/{reservation_id}',
      reservation,
      { token: fan },
      204,
    );
    expect(released.headers.get('x-log-position')).toMatch(/^\d+$/);
    await check('GET', '/v1/reservations/{reservation_id}', '/v1/reservations/nope', { token: fan }, 404);

    await check(
      'POST',
      '/v1/admin/events/{event_id}/cancel',
      `/v1/admin/events/${eventId}/cancel`,
      { token: admin, body: { reason: 'Documented' } },
      200,
    );
    await check(
      'POST',
      '/v1/admin/events/{event_id}/cancel',
      `/v1/admin/events/${eventId}/cancel`,
      { token: admin, body: {} },
      409,
    );
    await check(
      'POST',
      '/v1/admin/events/{event_id}/publish',
      `/v1/admin/events/${eventId}/publish`,
      { token: admin },
      409,
    );
    await check(
      'POST',
      '/v1/seats/reserve',
      '/v1/seats/reserve',
      { token: fan, body: { event_id: eventId, seat_ids: ['s1:A:5'] } },
      410,
    );
  });

  it('what the server answers to orders, tickets and transfers is what the document says', async () => {
    const stamp = `${process.pid}-${Date.now()}`;
    const buyerEmail = `doc-buyer-${stamp}@example.test`;
    const recipientEmail = `doc-friend-${stamp}@example.test`;
    const buyer = (await t.customerToken(buyerEmail)).token;
    const friend = (await t.customerToken(recipientEmail)).token;
    const code = (res: ApiResponse) => res.body?.error?.code as string | undefined;
    /** Polls GET `url` (bounded) until `done`; answers the last response. */
    const until = async (
      url: string,
      token: string,
      done: (res: ApiResponse) => boolean,
      timeoutMs = 20_000,
    ) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const res = await t.call('GET', url, { token });
        if (done(res)) return res;
        if (Date.now() > deadline)
          throw new Error(
            `timed out after ${timeoutMs} ms waiting on ${url}: ${res.status} ${res.text.slice(0, 500)}`,
          );
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };

    // An event of its own (the other walk cancels its event).
    const venue = await t.call('POST', '/v1/admin/venues', {
      token: admin,
      body: {
        name: 'Doc Orders Hall',
        city: 'Docs',
        state: 'DC',
        country: 'US',
        sections: [{ name: 'Floor', rows: [{ row: 'A', seats: 8 }] }],
      },
    });
    expect(venue.status).toBe(201);
    const created = await t.call('POST', '/v1/admin/events', {
      token: admin,
      body: {
        name: 'Doc Orders Night',
        artist: 'The Specs',
        category: 'Concert',
        venue_id: venue.body.venue_id,
        date: '2030-06-01T20:00:00Z',
        general_sale_start: '2020-01-01T00:00:00Z',
        pricing_tiers: [{ name: 'Floor', price: 42.5, fees: 5, sections: ['Floor'] }],
        restrict_single_seat: false,
        queue: { enabled: false },
      },
    });
    expect(created.status).toBe(201);
    const eventId = created.body.event_id as string;
    const published = await t.call('POST', `/v1/admin/events/${eventId}/publish`, { token: admin });
    expect(published.status).toBe(200);
    await t.app.runner.catchUp();

    const addCard = async (cardToken: string) =>
      (
        await check(
          'POST',
          '/v1/payment-methods',
          '/v1/payment-methods',
          { token: buyer, body: { type: 'CARD', card_token: cardToken } },
          201,
        )
      ).body.payment_method_id as string;
    const reserve = async (seatIds: string[]) =>
      (
        await check(
          'POST',
          '/v1/seats/reserve',
          '/v1/seats/reserve',
          { token: buyer, body: { event_id: eventId, seat_ids: seatIds } },
          201,
        )
      ).body.reservation_id as string;
    const card = await addCard('tok_visa');
    const declining = await addCard('tok_chargeDeclined');
    const reservationId = await reserve(['s1:A:1', 's1:A:2']);

    // --- POST /v1/orders: refusals, then the order ---
    const placeOrder = (body: unknown, options: Parameters<TestApp['call']>[2] = {}) =>
      check('POST', '/v1/orders', '/v1/orders', { token: buyer, body, ...options });
    expect(code(await placeOrder({ reservation_id: reservationId }))).toBe('VALIDATION_ERROR');
    expect(
      code(
        await placeOrder({
          reservation_id: reservationId,
          payment_method_id: card,
          delivery_method: 'PIGEON',
        }),
      ),
    ).toBe('VALIDATION_ERROR');
    const unknownCard = await placeOrder({ reservation_id: reservationId, payment_method_id: 'nope' });
    expect([unknownCard.status, code(unknownCard)]).toEqual([400, 'INVALID_PAYMENT_METHOD']);
    const unknownHold = await placeOrder({ reservation_id: 'nope', payment_method_id: card });
    expect([unknownHold.status, code(unknownHold)]).toEqual([404, 'RESERVATION_NOT_FOUND']);
    await check(
      'POST',
      '/v1/orders',
      '/v1/orders',
      { body: { reservation_id: reservationId, payment_method_id: card } },
      401,
    );

    const orderBody = {
      reservation_id: reservationId,
      payment_method_id: card,
      billing_address: {
        street: '1 Spec St',
        city: 'Docs',
        state: 'DC',
        postal_code: '20001',
        country: 'US',
      },
      delivery_method: 'MOBILE',
    };
    const placed = await placeOrder(orderBody, { headers: { 'idempotency-key': `doc-order-${stamp}` } });
    expect([placed.status, placed.text]).toEqual([201, expect.anything()]);
    expect(placed.body).toMatchObject({
      status: 'PENDING',
      payment_status: 'AUTHORIZED',
      subtotal: 85,
      fees: 10,
    });
    const orderId = placed.body.order_id as string;
    const orderUrl = `/v1/orders/${orderId}`;
    expect(placed.headers.get('location')).toBe(orderUrl);
    expect(placed.headers.get('x-log-position')).toMatch(/^\d+$/);
    const replayed = await placeOrder(orderBody, { headers: { 'idempotency-key': `doc-order-${stamp}` } });
    expect([replayed.status, replayed.headers.get('idempotent-replayed'), replayed.body.order_id]).toEqual([
      201,
      'true',
      orderId,
    ]);
    const twice = await placeOrder({ reservation_id: reservationId, payment_method_id: card });
    expect([twice.status, code(twice)]).toEqual([409, 'RESERVATION_ALREADY_ORDERED']);

    // --- the sagas confirm it; GET /v1/orders/{order_id} and GET /v1/orders ---
    await until(
      orderUrl,
      buyer,
      (r) => r.status === 200 && r.body.status === 'CONFIRMED' && r.body.tickets.length === 2,
    );
    const order = await check('GET', '/v1/orders/{order_id}', orderUrl, { token: buyer }, 200);
    expect(order.body).toMatchObject({ order_id: orderId, status: 'CONFIRMED', payment_status: 'CAPTURED' });
    await check('GET', '/v1/orders/{order_id}', orderUrl, { token: friend }, 404);
    await check('GET', '/v1/orders/{order_id}', orderUrl, {}, 401);
    await check(
      'GET',
      '/v1/orders/{order_id}',
      orderUrl,
      { token: buyer, headers: { 'x-min-log-position': 'x' } },
      400,
    );
    const list = await check('GET', '/v1/orders', '/v1/orders', { token: buyer }, 200);
    expect(list.body.orders.map((o: { order_id: string }) => o.order_id)).toContain(orderId);

    // --- tickets ---
    const tickets = await check(
      'GET',
      '/v1/tickets',
      `/v1/tickets?order_id=${orderId}`,
      { token: buyer },
      200,
    );
    expect(tickets.body.tickets.map((x: { status: string }) => x.status)).toEqual(['ACTIVE', 'ACTIVE']);
    const [first, second] = tickets.body.tickets as Array<{ ticket_id: string; download_url: string }>;
    await check('GET', '/v1/tickets', '/v1/tickets', { token: buyer }, 400);
    await check('GET', '/v1/tickets', `/v1/tickets?order_id=${orderId}`, {}, 401);
    await check('GET', '/v1/tickets/{ticket_id}', `/v1/tickets/${first.ticket_id}`, { token: buyer }, 200);
    await check('GET', '/v1/tickets/{ticket_id}', `/v1/tickets/${first.ticket_id}`, { token: friend }, 404);
    const download = '/v1/tickets/{ticket_id}/download';
    const png = await check('GET', download, first.download_url, { token: buyer }, 200);
    const pngType = png.headers.get('content-type');
    expect(
      Object.keys(resolve<ResponseObject>(doc, find('get', download).op.responses['200']).content ?? {}),
    ).toEqual([pngType]);
    await check('GET', download, '/v1/tickets/nope/download', { token: buyer }, 404);

    // --- transfers: request, refusals, accept by the recipient ---
    const transferUrl = (ticketId: string) => `/v1/tickets/${ticketId}/transfer`;
    const transferTemplate = '/v1/tickets/{ticket_id}/transfer';
    const toFriend = { recipient_email: recipientEmail, recipient_name: 'Doc Friend' };
    await check(
      'POST',
      transferTemplate,
      transferUrl(first.ticket_id),
      { token: buyer, body: { recipient_email: 'not-an-email', recipient_name: 'X' } },
      400,
    );
    await check('POST', transferTemplate, transferUrl('nope'), { token: buyer, body: toFriend }, 404);
    const offer = await check(
      'POST',
      transferTemplate,
      transferUrl(first.ticket_id),
      { token: buyer, body: toFriend },
      200,
    );
    expect(offer.body).toMatchObject({ status: 'PENDING', recipient_email: recipientEmail });
    const pending = await check(
      'POST',
      transferTemplate,
      transferUrl(first.ticket_id),
      { token: buyer, body: { recipient_email: `other-${stamp}@example.test`, recipient_name: 'Other' } },
      409,
    );
    expect(code(pending)).toBe('TICKET_NOT_TRANSFERABLE');
    const toSelf = await check(
      'POST',
      transferTemplate,
      transferUrl(second.ticket_id),
      { token: buyer, body: { recipient_email: buyerEmail, recipient_name: 'Me' } },
      409,
    );
    expect(code(toSelf)).toBe('TICKET_NOT_TRANSFERABLE');

    const acceptTemplate = '/v1/transfers/{transfer_id}/accept';
    const acceptUrl = `/v1/transfers/${offer.body.transfer_id}/accept`;
    await check('POST', acceptTemplate, acceptUrl, { token: buyer }, 404);
    await check('POST', acceptTemplate, '/v1/transfers/nope/accept', { token: friend }, 404);
    const accepted = await check('POST', acceptTemplate, acceptUrl, { token: friend }, 200);
    expect(accepted.body).toMatchObject({ transfer_id: offer.body.transfer_id, status: 'ACCEPTED' });
    const afterAccept = { 'x-min-log-position': accepted.headers.get('x-log-position')! };
    await check(
      'GET',
      '/v1/tickets/{ticket_id}',
      `/v1/tickets/${accepted.body.ticket_id}`,
      { token: friend, headers: afterAccept },
      200,
    );
    // The sender keeps the old ticket, now TRANSFERRED: no QR code, no download.
    await until(`/v1/tickets/${first.ticket_id}`, buyer, (r) => r.body?.status === 'TRANSFERRED');
    const old = await check(
      'GET',
      '/v1/tickets/{ticket_id}',
      `/v1/tickets/${first.ticket_id}`,
      { token: buyer, headers: afterAccept },
      200,
    );
    expect(old.body).toMatchObject({ status: 'TRANSFERRED', qr_code: null, transferable: false });
    const notActive = await check('GET', download, first.download_url, { token: buyer }, 409);
    expect(code(notActive)).toBe('TICKET_NOT_ACTIVE');

    // --- DELETE /v1/transfers/{transfer_id} ---
    const deleteTemplate = '/v1/transfers/{transfer_id}';
    const acceptedTwice = await check(
      'DELETE',
      deleteTemplate,
      `/v1/transfers/${offer.body.transfer_id}`,
      { token: buyer },
      409,
    );
    expect(code(acceptedTwice)).toBe('TICKET_NOT_TRANSFERABLE');
    const another = await check(
      'POST',
      transferTemplate,
      transferUrl(second.ticket_id),
      { token: buyer, body: toFriend },
      200,
    );
    const anotherUrl = `/v1/transfers/${another.body.transfer_id}`;
    await check('DELETE', deleteTemplate, anotherUrl, { token: friend }, 404);
    await check('DELETE', deleteTemplate, anotherUrl, { token: buyer }, 204);
    await check('DELETE', deleteTemplate, anotherUrl, { token: buyer }, 204);
    await check('DELETE', deleteTemplate, '/v1/transfers/nope', { token: buyer }, 404);
    await check('DELETE', deleteTemplate, anotherUrl, {}, 401);
    await check('POST', acceptTemplate, `${anotherUrl}/accept`, { token: friend }, 404);

    // --- POST /v1/orders/{order_id}/cancel ---
    const cancelTemplate = '/v1/orders/{order_id}/cancel';
    await check('POST', cancelTemplate, `${orderUrl}/cancel`, { token: friend }, 404);
    await check('POST', cancelTemplate, '/v1/orders/nope/cancel', { token: buyer }, 404);
    // A ticket of this order was transferred: its buyer can no longer cancel it (issue 8, item 6).
    const keptForRecipient = await check('POST', cancelTemplate, `${orderUrl}/cancel`, { token: buyer }, 409);
    expect(code(keptForRecipient)).toBe('ORDER_HAS_TRANSFERRED_TICKETS');
    // An order whose tickets are all still the buyer's cancels.
    const spare = await placeOrder({
      reservation_id: await reserve(['s1:A:7', 's1:A:8']),
      payment_method_id: card,
    });
    const spareUrl = `/v1/orders/${spare.body.order_id as string}`;
    const spareOrder = await until(
      spareUrl,
      buyer,
      (r) => r.status === 200 && r.body.status === 'CONFIRMED' && r.body.tickets.length === 2,
    );
    const cancelled = await check('POST', cancelTemplate, `${spareUrl}/cancel`, { token: buyer }, 200);
    expect(cancelled.body).toMatchObject({
      order_id: spare.body.order_id,
      status: 'CANCELLED',
      refund_amount: spareOrder.body.total,
    });
    const again = await check('POST', cancelTemplate, `${spareUrl}/cancel`, { token: buyer }, 409);
    expect(code(again)).toBe('ORDER_ALREADY_CANCELLED');
    await until(spareUrl, buyer, (r) => r.body?.status === 'CANCELLED');
    const afterCancel = { 'x-min-log-position': cancelled.headers.get('x-log-position')! };
    const cancelledView = await check(
      'GET',
      '/v1/orders/{order_id}',
      spareUrl,
      { token: buyer, headers: afterCancel },
      200,
    );
    expect(cancelledView.body).toMatchObject({ status: 'CANCELLED', refund_amount: spareOrder.body.total });

    // --- a declined card: 402, the hold released; ordering it again is 410 ---
    const doomed = await reserve(['s1:A:5', 's1:A:6']);
    const declined = await placeOrder({ reservation_id: doomed, payment_method_id: declining });
    expect([declined.status, code(declined)]).toEqual([402, 'PAYMENT_DECLINED']);
    await t.app.runner.catchUp();
    const expired = await placeOrder({ reservation_id: doomed, payment_method_id: card });
    expect([expired.status, code(expired)]).toEqual([410, 'RESERVATION_EXPIRED']);
  });
});
