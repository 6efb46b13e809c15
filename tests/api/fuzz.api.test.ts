import fc from 'fast-check';
import type { MetadataStorage } from 'class-transformer/types/MetadataStorage';
import { validationMetadatasToSchemas } from 'class-validator-jsonschema';
import {
  buildOpenApiDocument,
  type OpenApiDocument,
  type OperationObject,
  type Reference,
  type SchemaObject,
} from '../../src/api/openapi';
import { createEvent, type EventFixture } from '../support/fixtures';
import type { ApiResponse } from '../support/http';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Property-based: every route the app serves, with arbitrary and near-valid body, query, path parameters and kept
 * headers generated from each route's DTO (its class-validator metadata, through class-validator-jsonschema). The
 * server must never answer 5xx, and every 4xx must be the standard envelope. Fixed seed, bounded runs: the same
 * requests every time, a few thousand in all.
 */

// FUZZ_SEED / FUZZ_RUNS explore further by hand; npm test always runs the fixed seed and count.
const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const NUM_RUNS = Number(process.env.FUZZ_RUNS ?? 2500);

// class-transformer keeps nested @Type metadata here; class-validator-jsonschema needs it for nested DTOs.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as {
  defaultMetadataStorage: MetadataStorage;
};

type Json = SchemaObject & { items?: Json; properties?: Record<string, Json>; $ref?: string };

interface Route {
  method: string;
  /** Express template: `/v1/orders/:id`. */
  template: string;
  params: string[];
  /** The DTO (by class name) whose schema the body is generated from, or undefined when the route takes none. */
  bodyDto?: string;
  queryDto?: string;
  /** Which token the route wants: admin routes get an admin token, other protected routes a customer's. */
  auth: 'none' | 'customer' | 'admin';
}

interface RouterLayer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle: { stack?: RouterLayer[] };
  rawPath?: unknown;
}

/** Every [METHOD, template] in the express router stack (routers are walked with their mount paths). */
function servedRoutes(stack: RouterLayer[], prefix = ''): Array<[string, string]> {
  const join = (a: string, b: string) => (b === '/' ? a || '/' : a + b);
  const found: Array<[string, string]> = [];
  for (const layer of stack) {
    if (layer.route) {
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      for (const path of paths)
        for (const [method, on] of Object.entries(layer.route.methods))
          if (on && method !== '_all') found.push([method.toUpperCase(), join(prefix, path)]);
    } else if (layer.handle.stack && typeof layer.rawPath === 'string') {
      found.push(...servedRoutes(layer.handle.stack, join(prefix, layer.rawPath)));
    }
  }
  return found;
}

const shape = (path: string) => path.replace(/\{[^}]+\}/g, '{}').replace(/:[A-Za-z_][A-Za-z0-9_]*/g, '{}');

function deref<T>(doc: OpenApiDocument, value: T | Reference): T {
  let current: unknown = value;
  while (current && typeof current === 'object' && '$ref' in current) {
    const path = (current as Reference).$ref.replace(/^#\//, '').split('/');
    current = path.reduce<unknown>((node, k) => (node as Record<string, unknown>)[k], doc);
  }
  return current as T;
}

/** The DTO whose declared properties are exactly the documented ones (the document names no classes). */
function matchDto(dtos: Record<string, Json>, names: string[]): string | undefined {
  const wanted = [...names].sort().join(',');
  return Object.keys(dtos).find(
    (name) =>
      Object.keys(dtos[name].properties ?? {})
        .sort()
        .join(',') === wanted,
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

describe('property: no route answers 5xx, every 4xx is the envelope', () => {
  let t: TestApp;
  let doc: OpenApiDocument;
  let routes: Route[];
  let dtos: Record<string, Json>;
  let fixture: EventFixture;
  let tokens: { admin: string; customer: string };

  beforeAll(async () => {
    t = await startTestApp();
    doc = buildOpenApiDocument();
    dtos = validationMetadatasToSchemas({
      classTransformerMetadataStorage: defaultMetadataStorage,
    }) as Record<string, Json>;
    tokens = { admin: await t.adminToken(), customer: (await t.customerToken()).token };
    fixture = await createEvent(t.call, tokens.admin, { name: 'Fuzz Night' });

    const stack = (t.app.http as unknown as { router: { stack: RouterLayer[] } }).router.stack;
    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      (['get', 'post', 'put', 'patch', 'delete'] as const)
        .filter((m) => item[m])
        .map((m) => ({ key: `${m.toUpperCase()} ${shape(path)}`, op: item[m] as OperationObject })),
    );
    routes = servedRoutes(stack).map(([method, template]) => {
      const op = operations.find((o) => o.key === `${method} ${shape(template)}`)?.op;
      const body = op?.requestBody?.content['application/json']?.schema;
      const bodyProps = body ? Object.keys(deref<Json>(doc, body as Json).properties ?? {}) : [];
      const queryProps = (op?.parameters ?? [])
        .map((p) => deref<{ name: string; in: string }>(doc, p as Reference))
        .filter((p) => p.in === 'query')
        .map((p) => p.name);
      const secured =
        (op?.security ?? []).length > 0 && !(op?.security ?? []).some((s) => Object.keys(s).length === 0);
      return {
        method,
        template,
        params: [...template.matchAll(/:([A-Za-z_]\w*)/g)].map((m) => m[1]),
        bodyDto: bodyProps.length ? matchDto(dtos, bodyProps) : undefined,
        queryDto: queryProps.length ? matchDto(dtos, queryProps) : undefined,
        auth: !secured ? 'none' : template.startsWith('/v1/admin') ? 'admin' : 'customer',
      };
    });
  });
  afterAll(() => t.close());

  it('walks every served route, each body and query generated from its DTO', () => {
    expect(routes.length).toBeGreaterThanOrEqual(30);
    // POSTs without a DTO take no body (publish, order cancel, transfer accept).
    const noDto = routes.filter((r) => r.method === 'POST' && r.bodyDto === undefined).map((r) => r.template);
    expect(noDto.filter((p) => !/publish|cancel$|accept$/.test(p))).toEqual([]);
    // The document names no classes: each documented body and query must have matched a DTO by its fields.
    const used = new Set(routes.flatMap((r) => [r.bodyDto, r.queryDto]).filter(Boolean));
    expect([...used].sort()).toEqual(
      expect.arrayContaining([
        'AddPaymentMethodDto',
        'CancelEventDto',
        'CreateEventDto',
        'CreateOrderDto',
        'CreateVenueDto',
        'ListTicketsQueryDto',
        'RegisterDto',
        'ReserveSeatsDto',
        'SearchQueryDto',
        'SeatMapQueryDto',
        'TokenRequestDto',
        'TransferTicketDto',
      ]),
    );
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
          ),
          { minLength: route.params.length, maxLength: route.params.length },
        ),
        body: route.bodyDto
          ? fc.oneof(
              { weight: 6, arbitrary: objectFor(dtos[route.bodyDto], dtos, samples) },
              { weight: 1, arbitrary: anyJson },
            )
          : fc.option(anyJson, { freq: 3 }),
        query: route.queryDto
          ? objectFor(dtos[route.queryDto], dtos, samples)
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
      fc.asyncProperty(request, async ({ route, params, body, query, headers, token, form }) => {
        let path = route.template;
        route.params.forEach((name, i) => (path = path.replace(`:${name}`, encodePathSegment(params[i]))));
        const search = query ? formEncode(query) : '';
        const url = search ? `${path}?${search}` : path;
        const bearer =
          token && route.auth !== 'none' ? tokens[route.auth] : token ? tokens.customer : undefined;
        const formEncoded = form && route.template.endsWith('/token') && body && typeof body === 'object';
        const res: ApiResponse = await t.call(route.method, url, {
          token: bearer,
          headers: {
            ...headers,
            ...(formEncoded ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
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
  });
});
