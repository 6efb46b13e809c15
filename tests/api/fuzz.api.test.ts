import fc from 'fast-check';
import type {
  OpenAPIObject,
  OperationObject,
  ParameterObject,
  ReferenceObject,
  SchemaObject,
} from 'openapi3-ts/oas30';
import { contractChecker, type ContractChecker } from '../support/contract';
import { createEvent, type EventFixture } from '../support/fixtures';
import type { ApiResponse } from '../support/http';
import { startTestApp, type TestApp } from '../support/test-app';
import { createPartnerClient } from '../support/partner-client';

/**
 * Property-based, the document against the server: every operation of /openapi.json, with arbitrary and near-valid
 * body, query, path parameters and kept headers generated from the operation's own request schemas (the DTOs',
 * through class-validator-jsonschema). Every answer must be one the document lists for the operation (status,
 * error code, body schema), never a 5xx, and every 4xx the standard envelope. Fixed seed, bounded runs: the same
 * requests every time, a few thousand in all.
 */

// FUZZ_SEED / FUZZ_RUNS explore further by hand; npm test always runs the fixed seed and count.
const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const NUM_RUNS = Number(process.env.FUZZ_RUNS ?? 2500);

type Json = SchemaObject & { items?: Json; properties?: Record<string, Json>; $ref?: string };

interface Route {
  method: string;
  /** Document template: `/v1/orders/{order_id}`. */
  template: string;
  params: string[];
  /** The request body's schema (a DTO's component), or undefined when the operation takes none. */
  body?: Json;
  /** The query parameters as one object schema, or undefined when the operation takes none. */
  query?: Json;
  /** Which token the route wants: admin routes get an admin token, other protected routes a customer's. */
  auth: 'none' | 'customer' | 'admin' | 'partner';
}

function deref<T>(doc: OpenAPIObject, value: T | ReferenceObject): T {
  let current: unknown = value;
  while (current && typeof current === 'object' && '$ref' in current) {
    const path = (current as ReferenceObject).$ref.replace(/^#\//, '').split('/');
    current = path.reduce<unknown>((node, k) => (node as Record<string, unknown>)[k], doc);
  }
  return current as T;
}

/** The operations of the document, each with its own request schemas. */
function documentedRoutes(doc: OpenAPIObject): Route[] {
  return Object.entries(doc.paths).flatMap(([template, item]) =>
    (['get', 'post', 'put', 'patch', 'delete'] as const)
      .filter((m) => item[m] && template !== '/docs')
      .map((m): Route => {
        const op = item[m] as OperationObject;
        const body = op.requestBody && deref(doc, op.requestBody).content['application/json']?.schema;
        const query = (op.parameters ?? [])
          .map((p) => deref<ParameterObject>(doc, p))
          .filter((p) => p.in === 'query');
        const secured =
          (op.security ?? []).length > 0 && !(op.security ?? []).some((s) => Object.keys(s).length === 0);
        return {
          method: m.toUpperCase(),
          template,
          params: [...template.matchAll(/\{(\w+)\}/g)].map((x) => x[1]),
          body: body && deref<Json>(doc, body as Json),
          query:
            query.length > 0
              ? {
                  type: 'object',
                  properties: Object.fromEntries(query.map((p) => [p.name, p.schema as Json])),
                  required: query.filter((p) => p.required).map((p) => p.name),
                }
              : undefined,
          auth: !secured
            ? 'none'
            : template.startsWith('/v1/admin')
              ? 'admin'
              : template.startsWith('/partners/')
                ? 'partner'
                : 'customer',
        };
      }),
  );
}

// --- hostile and near-valid values ---------------------------------------------------------------------

const CARD_NUMBERS = ['4242424242424242', '4242 4242 4242 4242', '5555-5555-5555-4444', '378282246310005'];
const PROTO_NAMES = ['toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'constructor', '__proto__'];
const NASTY_STRINGS = [
  '',
  ' ',
  'a\u0000b',
  '\u202eevil',
  'x\u2066y',
  '\ud800',
  'a\udfffb',
  '2026-W01',
  '20260601',
  '2026-02-30',
  '2026-06-01T10:00:00',
  '2026-06-01T25:00:00Z',
  '0x10',
  '1e1',
  '-1',
  'null',
  '../../etc/passwd',
  '%00',
  '<script>',
  "' OR 1=1 --",
  'x'.repeat(5000),
  ...CARD_NUMBERS,
];
const NASTY_NUMBERS = [0, -1, 1e-7, 0.001, 1e21, -0, 2 ** 53 + 1, 1.5, 4242424242424242, 100000.01];

/** Anything JSON can hold, with the values that broke this API before over-represented. */
const anyJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom<unknown>(null, true, false, ...NASTY_STRINGS, ...NASTY_NUMBERS),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom(...PROTO_NAMES)), tie('value'), {
      maxKeys: 4,
    }),
  ),
})).value;

/** Characters that broke validators or spoof what people see, spliced into otherwise plausible text. */
const SPLICED = ['\ud800', '\udc00', '\u0000', '\u202e', '\u2067', '\u0085', '\n', '4242424242424242'];

/** A plausible string with a hostile character or run inserted somewhere (`fan\ud800@example.test`). */
const spliced = (base: fc.Arbitrary<string>) =>
  fc
    .tuple(base, fc.constantFrom(...SPLICED), fc.nat())
    .map(
      ([text, bad, at]) => text.slice(0, at % (text.length + 1)) + bad + text.slice(at % (text.length + 1)),
    );

const DATE_LIKE = fc.oneof(
  fc
    .date({ min: new Date('2020-01-01'), max: new Date('2035-01-01'), noInvalidDate: true })
    .map((d) => d.toISOString()),
  fc.constantFrom(
    '2030-06-01',
    '2026-W01',
    '2026-W01-1',
    '2026-152',
    '20260601',
    '20260601T100000Z',
    '2026-02-30',
    '2026-02-29T10:00:00Z',
    '2026-06-01T10:00:00',
    '2026-06-01T24:00:00Z',
    '2026-06-01T10:00:00+25:00',
    '+020260-06-01T10:00:00Z',
    '2026-06-01 10:00:00Z',
  ),
);

/**
 * A value for one property schema: plausible for its type (from the DTO's constraints, with the fixture's ids),
 * the same with a hostile character spliced in, a value of another type (null, exponent-form and over-precise
 * numbers, arrays of arrays, objects with Object.prototype member names), or anything at all.
 */
function valueFor(
  schema: Json,
  dtos: Record<string, Json>,
  samples: fc.Arbitrary<string>,
  depth = 0,
  name = '',
  strict = false,
): fc.Arbitrary<unknown> {
  const resolved: Json = schema.$ref ? (dtos[schema.$ref.split('/').pop()!] ?? {}) : schema;
  const dateLike = /date|_start|doors_open|_from$|_to$/.test(name) || resolved.format === 'date-time';
  let plausible: fc.Arbitrary<unknown>;
  let hostile: fc.Arbitrary<unknown> = fc.constantFrom<unknown>(null, ...NASTY_NUMBERS, [[]], [[{}]], {});
  if (resolved.enum) plausible = fc.constantFrom(...(resolved.enum as unknown[]));
  else if (dateLike) plausible = DATE_LIKE;
  else
    switch (resolved.type) {
      case 'string': {
        const text =
          resolved.format === 'email' || /email/.test(name)
            ? fc.emailAddress()
            : resolved.pattern
              ? fc.stringMatching(new RegExp(resolved.pattern))
              : fc.oneof(samples, fc.string({ minLength: 1, maxLength: 30 }));
        plausible = text;
        hostile = fc.oneof(hostile, spliced(text), fc.constantFrom(...NASTY_STRINGS));
        break;
      }
      case 'integer':
        plausible = strict ? fc.integer({ min: 1, max: 8 }) : fc.integer({ min: -2, max: 120 });
        hostile = fc.oneof(hostile, fc.constantFrom('1', '0x10', '1e1', 1.5));
        break;
      case 'number':
        plausible = fc.oneof(fc.integer({ min: 0, max: 500 }), fc.constantFrom(12.5, 80.25, 0.1));
        break;
      case 'boolean':
        plausible = fc.boolean();
        hostile = fc.oneof(hostile, fc.constantFrom('true', 0, 1));
        break;
      case 'array': {
        const item = resolved.items
          ? valueFor(resolved.items, dtos, samples, depth + 1, '', strict)
          : anyJson;
        plausible = fc.array(item, { minLength: 1, maxLength: 3 });
        // The array of arrays that once reached the domain as undefined fields.
        hostile = fc.oneof(
          hostile,
          fc.array(fc.array(item, { maxLength: 2 }), { minLength: 1, maxLength: 2 }),
        );
        break;
      }
      case 'object':
        plausible = depth > 3 ? fc.constant({}) : objectFor(resolved, dtos, samples, depth + 1, strict);
        break;
      default:
        plausible = anyJson;
    }
  if (strict) return plausible;
  return fc.oneof(
    { weight: 5, arbitrary: plausible },
    { weight: 3, arbitrary: hostile },
    { weight: 1, arbitrary: anyJson },
  );
}

/** An object for a DTO schema: each property present (plausible or hostile) or left out, sometimes extra keys. */
function objectFor(
  schema: Json,
  dtos: Record<string, Json>,
  samples: fc.Arbitrary<string>,
  depth = 0,
  strict = false,
): fc.Arbitrary<Record<string, unknown>> {
  const props = Object.entries(schema.properties ?? {});
  const field = (strictField: boolean) =>
    Object.fromEntries(
      props.map(([name, s]) => [name, valueFor(s, dtos, samples, depth, name, strictField)]),
    );
  // Near-valid (every field, plausible values) often enough to get past validation, else anything goes.
  const record = strict
    ? fc.record(field(true))
    : fc.oneof(fc.record(field(false), { requiredKeys: [] }), fc.record(field(true)));
  const extra = fc.dictionary(
    fc.oneof(fc.constantFrom(...PROTO_NAMES, 'cvv', 'card_number', 'price'), fc.string({ maxLength: 12 })),
    anyJson,
    { maxKeys: 2 },
  );
  return fc
    .tuple(
      record,
      strict
        ? fc.constant({})
        : fc.oneof({ weight: 4, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: extra }),
    )
    .map(([own, more]) => {
      const out: Record<string, unknown> = {};
      // defineProperty: a generated "__proto__" key must become an own key, as JSON.parse would make it.
      for (const [k, v] of [...Object.entries(own), ...Object.entries(more)])
        Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
      return out;
    });
}

/** Header values fetch can send (visible ASCII): safe ids, unsafe ones, card numbers. */
const headerValue = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9._:-]{1,40}$/),
  fc.string({ minLength: 1, maxLength: 200 }).map((s) => s.replace(/[^\x21-\x7e]/g, 'x')),
  fc.constantFrom('4242424242424242', 'req-4242424242424242', '4242.4242.4242.4242', 'k'.repeat(300), 'a b'),
);

/** Path segments whose percent-escapes do not decode (`%E0%A4%A` is a truncated UTF-8 sequence). */
const MALFORMED_ESCAPES = ['%E0%A4%A', 'ab%ZZ', '%', '%C3%28'];

/** A lone surrogate cannot be percent-encoded as UTF-8: send the bytes a careless client would (CESU-8). */
const encodePathSegment = (text: string) =>
  text
    .split(/([\uD800-\uDFFF])/u)
    .map((part) => (/^[\uD800-\uDFFF]$/u.test(part) ? '%ED%A0%80' : encodeURIComponent(part)))
    .join('');

/** Query strings and form bodies are flat text: non-strings are sent as their JSON. */
const formEncode = (values: object) =>
  new URLSearchParams(
    Object.entries(values).map(([k, v]): [string, string] => [
      k,
      typeof v === 'string' ? v : (JSON.stringify(v) ?? ''),
    ]),
  ).toString();

describe('property: every operation answers only what the document lists (never a 5xx)', () => {
  let t: TestApp;
  let doc: OpenAPIObject;
  let checker: ContractChecker;
  let routes: Route[];
  let dtos: Record<string, Json>;
  let fixture: EventFixture;
  let tokens: { admin: string; customer: string; partner: string };

  beforeAll(async () => {
    t = await startTestApp();
    doc = (await t.call('GET', '/openapi.json')).body as OpenAPIObject;
    checker = contractChecker(doc);
    dtos = (doc.components?.schemas ?? {}) as Record<string, Json>;
    tokens = {
      admin: await t.adminToken(),
      customer: (await t.customerToken()).token,
      // A registered client (a token minted for a made-up one is refused before any partner operation runs).
      partner: (await createPartnerClient(t, { name: 'Fuzz partner', quota_per_hour: 1_000_000 })).token,
    };
    fixture = await createEvent(t.call, tokens.admin, { name: 'Fuzz Night' });
    routes = documentedRoutes(doc);
  });
  afterAll(() => t.close());

  it('walks every documented operation, each body and query generated from its own request schema', () => {
    expect(routes.length).toBeGreaterThanOrEqual(30);
    // POSTs without a body schema take no body (publish, order cancel, transfer accept, partner key rotations).
    const noBody = routes.filter((r) => r.method === 'POST' && r.body === undefined).map((r) => r.template);
    const bodiless = /publish|cancel$|accept$|rotate-secret$|rotate-site-key$/;
    expect(noBody.filter((p) => !bodiless.test(p))).toEqual([]);
    // Each operation names its DTO: every request body the document lists is generated from.
    const bodies = new Set(
      Object.values(doc.paths).flatMap((item) =>
        Object.values(item).flatMap((op) => {
          const ref = (
            (op as OperationObject).requestBody as
              { content?: Record<string, { schema?: unknown }> } | undefined
          )?.content?.['application/json']?.schema;
          return ref ? [(ref as ReferenceObject).$ref.split('/').pop()!] : [];
        }),
      ),
    );
    expect([...bodies].sort()).toEqual([
      'AddPaymentMethodDto',
      'CancelEventDto',
      'CommitCartDto',
      'CreateApiKeyDto',
      'CreateCartDto',
      'CreateEventDto',
      'CreateOrderDto',
      'CreatePartnerDto',
      'CreateVenueDto',
      'JoinQueueDto',
      'PartnerPaymentDto',
      'PartnerShippingChoiceDto',
      'RegisterDto',
      'ReserveSeatsDto',
      'TokenRequestDto',
      'TransferTicketDto',
    ]);
    expect(
      routes
        .filter((r) => r.query)
        .map((r) => r.template)
        .sort(),
    ).toEqual([
      '/oauth/authorize',
      '/partners/v1/events',
      '/partners/v1/events/{event_id}/cart',
      '/partners/v1/events/{event_id}/cart/shipping',
      '/partners/v1/events/{event_id}/cart/shipping',
      '/v1/audit/correlations/{correlation_id}',
      '/v1/audit/events/{event_id}/seats/{seat_id}',
      '/v1/audit/log',
      '/v1/audit/streams/{stream}',
      '/v1/events/search',
      '/v1/events/{event_id}/seats',
      '/v1/queue/challenge',
      '/v1/queue/status',
      '/v1/realtime',
      '/v1/tickets',
    ]);
  });

  it(`answers ${NUM_RUNS} generated requests without a 5xx, with the envelope on every 4xx`, async () => {
    const samples = fc.constantFrom(
      fixture.eventId,
      fixture.venueId,
      's1:A:1',
      's2:A:3',
      'Floor',
      'tok_visa',
      'fuzz@example.test',
      'password',
    );
    const request = fc.constantFrom(...routes).chain((route) =>
      fc.record({
        route: fc.constant(route),
        params: fc.array(
          fc.oneof(
            { weight: 2, arbitrary: samples },
            { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }) },
            { weight: 1, arbitrary: fc.constantFrom(...NASTY_STRINGS.filter((s) => s !== '')) },
            // Sent as-is: percent-escapes that do not decode.
            { weight: 1, arbitrary: fc.constantFrom(...MALFORMED_ESCAPES.map((raw) => ({ raw }))) },
          ),
          { minLength: route.params.length, maxLength: route.params.length },
        ),
        // A Content-Encoding on the body: real ones over bytes that are not encoded, and made-up ones.
        encoding: fc.option(fc.constantFrom('gzip', 'deflate', 'br', 'compress', 'x-fake', 'identity'), {
          freq: 10,
        }),
        body: route.body
          ? fc.oneof(
              { weight: 6, arbitrary: objectFor(route.body, dtos, samples) },
              { weight: 1, arbitrary: anyJson },
            )
          : fc.option(anyJson, { freq: 3 }),
        query: route.query
          ? objectFor(route.query, dtos, samples)
          : fc.option(
              fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 20 }), { maxKeys: 2 }),
              { freq: 3 },
            ),
        headers: fc.dictionary(
          fc.constantFrom(
            'x-request-id',
            'x-correlation-id',
            'idempotency-key',
            'x-session-id',
            'x-device-id',
            'x-api-key',
          ),
          headerValue,
          { maxKeys: 2 },
        ),
        token: fc.oneof(
          { weight: 8, arbitrary: fc.constant(true) },
          { weight: 1, arbitrary: fc.constant(false) },
        ),
        form: fc.boolean(),
      }),
    );

    let sent = 0;
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async ({ route, params, encoding, body, query, headers, token, form }) => {
        let path = route.template;
        route.params.forEach((name, i) => {
          const param = params[i];
          path = path.replace(`{${name}}`, typeof param === 'string' ? encodePathSegment(param) : param.raw);
        });
        const search = query ? formEncode(query) : '';
        const url = search ? `${path}?${search}` : path;
        const bearer =
          token && route.auth !== 'none' ? tokens[route.auth] : token ? tokens.customer : undefined;
        const formEncoded = form && route.template.endsWith('/token') && body && typeof body === 'object';
        const res: ApiResponse = await t.call(route.method, url, {
          uncheckedBecause: 'checked below, to report the request that broke it',
          token: bearer,
          headers: {
            ...headers,
            ...(formEncoded ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
            ...(encoding && body !== null && route.method !== 'GET' ? { 'content-encoding': encoding } : {}),
          },
          ...(formEncoded
            ? {
                rawBody: formEncode(body as object),
              }
            : body === null || route.method === 'GET'
              ? {}
              : { body }),
        });
        sent += 1;
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const what = `${route.method} ${url.slice(0, 120)} -> ${res.status} ${res.text.slice(0, 200)}`;
        if (res.status >= 500) throw new Error(`5xx: ${what}`);
        if (res.status >= 400) {
          const error = res.body?.error;
          const ok =
            res.headers.get('content-type')?.startsWith('application/json') &&
            Object.keys(res.body ?? {}).join() === 'error' &&
            Object.keys(error ?? {})
              .sort()
              .join() === 'code,details,message,request_id,timestamp' &&
            typeof error.code === 'string' &&
            typeof error.message === 'string' &&
            error.details !== null &&
            typeof error.details === 'object' &&
            error.request_id === res.headers.get('x-request-id') &&
            JSON.stringify(error.details).length < 20_000;
          if (!ok) throw new Error(`not the envelope: ${what}`);
        }
        const problems = checker.problems(route.method, url, res);
        if (problems.length > 0) throw new Error(`not as documented: ${what}\n${problems.join('\n')}`);
      }),
      { seed: SEED, numRuns: NUM_RUNS, endOnFailure: true },
    );
    console.log(
      `fuzz: ${sent} generated requests over ${routes.length} routes (seed ${SEED}); statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`,
    );
    expect(sent).toBe(NUM_RUNS);
    // The generator must reach past validation too, or the property proves little.
    expect([...statuses.keys()].some((s) => s < 300)).toBe(true);
    expect([...statuses.keys()].some((s) => s >= 400)).toBe(true);
  }, 240_000); // 2,500 requests: minutes on a loaded 2-core box
});
