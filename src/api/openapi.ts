/**
 * The OpenAPI 3.0.3 document served at /openapi.json and rendered at /docs: a plain typed object literal,
 * written by hand next to the routes. tests/api/openapi.api.test.ts checks that every route the app serves
 * is described here and that every operation described here is served.
 */

export type Reference = { $ref: string };

export type SchemaObject = {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  description?: string;
  nullable?: boolean;
  enum?: Array<string | number | boolean>;
  default?: unknown;
  example?: unknown;
  properties?: Record<string, SchemaObject | Reference>;
  required?: string[];
  additionalProperties?: boolean | SchemaObject | Reference;
  items?: SchemaObject | Reference;
  allOf?: Array<SchemaObject | Reference>;
  minimum?: number;
  maximum?: number;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
};

export type HeaderObject = { description: string; required?: boolean; schema: SchemaObject };

export type ParameterObject = {
  name: string;
  in: 'path' | 'query' | 'header';
  description?: string;
  required?: boolean;
  schema: SchemaObject | Reference;
  example?: unknown;
};

export type MediaTypeObject = { schema: SchemaObject | Reference; example?: unknown };

export type ResponseObject = {
  description: string;
  headers?: Record<string, HeaderObject | Reference>;
  content?: Record<string, MediaTypeObject>;
  /** The error codes this response can carry in `error.code` (also listed in the description). */
  'x-error-codes'?: string[];
};

export type OperationObject = {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  security?: Array<Record<string, string[]>>;
  parameters?: Array<ParameterObject | Reference>;
  requestBody?: { required: boolean; description?: string; content: Record<string, MediaTypeObject> };
  responses: Record<string, ResponseObject | Reference>;
};

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';
export type PathItemObject = Partial<Record<HttpMethod, OperationObject>>;

export type OpenApiDocument = {
  openapi: '3.0.3';
  info: { title: string; version: string; description: string };
  servers: Array<{ url: string; description: string }>;
  tags: Array<{ name: string; description: string }>;
  paths: Record<string, PathItemObject>;
  components: {
    schemas: Record<string, SchemaObject>;
    securitySchemes: Record<
      string,
      { type: 'http'; scheme: 'bearer'; bearerFormat: string; description: string }
    >;
    parameters: Record<string, ParameterObject>;
    headers: Record<string, HeaderObject>;
  };
};

// ---------------------------------------------------------------------------------------------------------
// Building blocks

const ref = (kind: 'schemas' | 'parameters' | 'headers', name: string): Reference => ({
  $ref: `#/components/${kind}/${name}`,
});
const schema = (name: string) => ref('schemas', name);
const header = (name: string) => ref('headers', name);
const param = (name: string) => ref('parameters', name);
const json = (s: SchemaObject | Reference): Record<string, MediaTypeObject> => ({
  'application/json': { schema: s },
});

const str = (description: string, extra: Partial<SchemaObject> = {}): SchemaObject => ({
  type: 'string',
  description,
  ...extra,
});
const dateTime = (description: string, nullable = false): SchemaObject => ({
  type: 'string',
  format: 'date-time',
  description,
  ...(nullable ? { nullable } : {}),
});
const int = (description: string, extra: Partial<SchemaObject> = {}): SchemaObject => ({
  type: 'integer',
  description,
  ...extra,
});
const money = (description: string): SchemaObject => ({
  type: 'number',
  description: `${description} (two decimals)`,
  example: 150.0,
});
const object = (
  properties: Record<string, SchemaObject | Reference>,
  required: string[] = Object.keys(properties),
  description?: string,
): SchemaObject => ({
  type: 'object',
  ...(description ? { description } : {}),
  properties,
  required,
});
/** A request body: unknown fields are refused with 400 VALIDATION_ERROR. */
const input = (
  properties: Record<string, SchemaObject | Reference>,
  required: string[],
  description?: string,
): SchemaObject => ({
  ...object(properties, required, description),
  additionalProperties: false,
});

const BEARER: Array<Record<string, string[]>> = [{ bearerAuth: [] }];
/** Public routes: no token needed, but one that is sent must be valid. */
const OPTIONAL_BEARER: Array<Record<string, string[]>> = [{}, { bearerAuth: [] }];

const REQUEST_ID = { 'X-Request-Id': header('X-Request-Id') };
const LOG_POSITION = { ...REQUEST_ID, 'X-Log-Position': header('X-Log-Position') };
const READ_POSITION = {
  ...REQUEST_ID,
  'X-Read-Model-Position': header('X-Read-Model-Position'),
  'X-Read-Model-Stale': header('X-Read-Model-Stale'),
};
const RATE_LIMITED = {
  'X-RateLimit-Limit': header('X-RateLimit-Limit'),
  'X-RateLimit-Remaining': header('X-RateLimit-Remaining'),
  'X-RateLimit-Reset': header('X-RateLimit-Reset'),
};

function ok(
  description: string,
  body: SchemaObject | Reference,
  headers: Record<string, Reference> = REQUEST_ID,
): ResponseObject {
  return { description, headers, content: json(body) };
}

/** An error response in the standard envelope, listing the codes it can carry. */
function error(
  description: string,
  codes: string[],
  headers: Record<string, Reference> = {},
): ResponseObject {
  return {
    description: `${description}. \`error.code\`: ${codes.map((c) => `\`${c}\``).join(', ')}.`,
    headers: { ...REQUEST_ID, ...headers },
    content: json(schema('Error')),
    'x-error-codes': codes,
  };
}

type ErrorSpec = Record<number, [description: string, codes: string[]]>;

/** Errors every JSON-body endpoint can answer before its own handler runs. */
const BODY_ERRORS: ErrorSpec = {
  413: ['The body is larger than the limit (BODY_LIMIT, default 100kb)', ['PAYLOAD_TOO_LARGE']],
  415: [
    'A body that is not `application/json` (or an unsupported charset or content encoding)',
    ['UNSUPPORTED_MEDIA_TYPE'],
  ],
};
const INTERNAL: ErrorSpec = {
  500: ['Unexpected failure; nothing internal is revealed', ['INTERNAL_ERROR']],
};
const CONTENTION: ErrorSpec = {
  503: [
    'Too much write contention on the event right now; retry after `Retry-After` seconds',
    ['SERVICE_UNAVAILABLE'],
  ],
};
const BAD_TOKEN: ErrorSpec = {
  401: [
    'A bearer token was sent but is invalid, forged or expired (message: "No valid access token found")',
    ['UNAUTHORIZED'],
  ],
};
const NEEDS_TOKEN: ErrorSpec = {
  401: ['No valid bearer token (message: "No valid access token found")', ['UNAUTHORIZED']],
};
const NEEDS_ADMIN: ErrorSpec = {
  ...NEEDS_TOKEN,
  403: ['The token is valid but its role is not `admin`', ['FORBIDDEN']],
  429: ['Rate limit exceeded (signed-in users: 1000 requests per hour across /v1)', ['RATE_LIMIT_EXCEEDED']],
};

/**
 * Checks every request passes before any route (so every operation can answer them): the headers the service
 * keeps must be safe ids, and no header, path segment or query value may hold a card number.
 */
const CLIENT_VALUES: ErrorSpec = {
  400: [
    'An unsafe `X-Request-Id`, `X-Correlation-Id`, `Idempotency-Key` or `X-Session-ID` (1-128 of `[A-Za-z0-9._:-]`), ' +
      'an `X-Device-ID` over 512 characters, or a card number in a header, the path or the query string',
    [
      'INVALID_REQUEST_ID',
      'INVALID_CORRELATION_ID',
      'INVALID_IDEMPOTENCY_KEY',
      'INVALID_HEADER',
      'RAW_CARD_DATA_REJECTED',
    ],
  ],
};

/** Merges error specs into responses: one per status, its descriptions joined and its codes listed once. */
function errors(...specs: ErrorSpec[]): Record<string, ResponseObject> {
  const collected = new Map<string, { descriptions: string[]; codes: string[] }>();
  for (const spec of [...specs, CLIENT_VALUES]) {
    for (const [status, [description, codes]] of Object.entries(spec)) {
      const entry = collected.get(status) ?? { descriptions: [], codes: [] };
      entry.descriptions.push(description);
      for (const code of codes) if (!entry.codes.includes(code)) entry.codes.push(code);
      collected.set(status, entry);
    }
  }
  const retryHeaders = (status: string): Record<string, Reference> =>
    status === '429'
      ? { ...RATE_LIMITED, 'Retry-After': header('Retry-After') }
      : status === '503'
        ? { 'Retry-After': header('Retry-After') }
        : {};
  return Object.fromEntries(
    [...collected].map(([status, { descriptions, codes }]) => [
      status,
      error(descriptions.join('; or: '), codes, retryHeaders(status)),
    ]),
  );
}

function validation(what: string, extraCodes: string[] = []): ErrorSpec {
  return {
    400: [
      `${what}; \`details.fields\` lists each bad field with its messages`,
      ['VALIDATION_ERROR', ...extraCodes],
    ],
  };
}
const MALFORMED_JSON: ErrorSpec = {
  400: [
    'The body is not valid JSON, not a JSON object, nested more than 32 levels, or holds a lone UTF-16 surrogate; or it holds a card number or security code (never accepted anywhere: send a payment token)',
    ['INVALID_JSON', 'VALIDATION_ERROR', 'RAW_CARD_DATA_REJECTED'],
  ],
};
const rateLimit = (limit: string): ErrorSpec => ({
  429: [`Rate limit exceeded (${limit})`, ['RATE_LIMIT_EXCEEDED']],
});
const AUTHENTICATED_LIMIT = 'signed-in users: 1000 requests per hour across /v1';

// ---------------------------------------------------------------------------------------------------------
// Operations

function authOperations(prefix: '/v1/auth' | '/oauth'): Record<string, PathItemObject> {
  const alias = prefix === '/oauth';
  const id = (name: string) => (alias ? `oauth${name[0].toUpperCase()}${name.slice(1)}` : name);
  const note = alias
    ? ' (alias of the same operation under /v1/auth; not counted by the /v1 per-user limit)'
    : '';
  const perUser = alias ? '' : `; ${AUTHENTICATED_LIMIT}`;
  return {
    [`${prefix}/register`]: {
      post: {
        operationId: id('register'),
        tags: ['auth'],
        summary: `Create a customer account${note}`,
        security: OPTIONAL_BEARER,
        requestBody: { required: true, content: json(schema('RegisterRequest')) },
        responses: {
          201: ok('The account was created (role `customer`)', schema('RegisterResponse'), {
            ...LOG_POSITION,
            ...RATE_LIMITED,
          }),
          ...errors(
            MALFORMED_JSON,
            validation('Missing, malformed or unknown fields'),
            BAD_TOKEN,
            BODY_ERRORS,
            {
              409: ['The email already has an account', ['EMAIL_TAKEN']],
            },
            rateLimit(`30 per minute per client${perUser}`),
            INTERNAL,
          ),
        },
      },
    },
    [`${prefix}/token`]: {
      post: {
        operationId: id('token'),
        tags: ['auth'],
        summary: `Get an access token${note}`,
        description:
          'OAuth 2.0 token endpoint. `grant_type=password` needs `email` and `password`; `grant_type=refresh_token` needs ' +
          '`refresh_token` (rotated on use: the old one stops working); `client_credentials` is for partner clients. ' +
          'Responses carry `Cache-Control: no-store`.',
        security: OPTIONAL_BEARER,
        requestBody: {
          required: true,
          content: {
            'application/json': { schema: schema('TokenRequest') },
            'application/x-www-form-urlencoded': { schema: schema('TokenRequest') },
          },
        },
        responses: {
          200: ok('Tokens', schema('TokenResponse'), { ...LOG_POSITION, ...RATE_LIMITED }),
          ...errors(
            MALFORMED_JSON,
            validation('Unknown `grant_type`, or a field the grant needs is missing', [
              'UNSUPPORTED_GRANT_TYPE',
            ]),
            {
              401: [
                'Wrong email or password, or an invalid, expired or already used refresh token (presenting a ' +
                  'rotated refresh token again revokes every refresh token of its sign-in)',
                ['INVALID_GRANT'],
              ],
            },
            BAD_TOKEN,
            BODY_ERRORS,
            rateLimit(`30 per minute per client${perUser}`),
            INTERNAL,
          ),
        },
      },
    },
    [`${prefix}/info`]: {
      get: {
        operationId: id('tokenInfo'),
        tags: ['auth'],
        summary: `Describe the bearer of the access token${note}`,
        security: BEARER,
        responses: {
          200: ok(
            'Who the token belongs to',
            schema('TokenInfo'),
            alias ? REQUEST_ID : { ...REQUEST_ID, ...RATE_LIMITED },
          ),
          ...errors(NEEDS_TOKEN, alias ? {} : rateLimit(AUTHENTICATED_LIMIT), INTERNAL),
        },
      },
    },
  };
}

const eventIdParam = param('EventId');

const adminPaths: Record<string, PathItemObject> = {
  '/v1/admin/venues': {
    post: {
      operationId: 'createVenue',
      tags: ['admin'],
      summary: 'Create a venue with its seating layout',
      security: BEARER,
      requestBody: { required: true, content: json(schema('CreateVenueRequest')) },
      responses: {
        201: ok('The venue, with section ids and capacity', schema('Venue'), LOG_POSITION),
        ...errors(
          MALFORMED_JSON,
          validation(
            'Bad layout: missing or unknown fields, rows of 0/negative/fractional seats, a section or row named twice, more than 200,000 seats',
          ),
          NEEDS_ADMIN,
          BODY_ERRORS,
          INTERNAL,
        ),
      },
    },
  },
  '/v1/admin/events': {
    post: {
      operationId: 'createEvent',
      tags: ['admin'],
      summary: 'Create a ticketed event (unpublished: invisible to customers until published)',
      security: BEARER,
      requestBody: { required: true, content: json(schema('CreateEventRequest')) },
      responses: {
        201: ok('The event, status DRAFT', schema('CreatedEvent'), LOG_POSITION),
        ...errors(
          MALFORMED_JSON,
          validation(
            'Bad fields, invalid ISO 8601 dates, sale opening after the event, a tier naming a section the venue lacks or a section priced twice',
          ),
          NEEDS_ADMIN,
          {
            404: ['`venue_id` names no venue', ['VENUE_NOT_FOUND']],
            409: ['`event_id` is already used', ['EVENT_EXISTS']],
          },
          BODY_ERRORS,
          CONTENTION,
          INTERNAL,
        ),
      },
    },
  },
  '/v1/admin/events/{event_id}': {
    get: {
      operationId: 'getEventAsAdmin',
      tags: ['admin'],
      summary: 'Event details including unpublished events, with the catalog status',
      security: BEARER,
      parameters: [eventIdParam],
      responses: {
        200: ok('The event', schema('AdminEventDetails')),
        ...errors(NEEDS_ADMIN, { 404: ['No such event', ['EVENT_NOT_FOUND']] }, INTERNAL),
      },
    },
  },
  '/v1/admin/events/{event_id}/publish': {
    post: {
      operationId: 'publishEvent',
      tags: ['admin'],
      summary: 'Publish an event (idempotent): it becomes visible to search, details and seat maps',
      security: BEARER,
      parameters: [eventIdParam],
      responses: {
        200: ok('Published', schema('EventStatusChange'), LOG_POSITION),
        ...errors(
          MALFORMED_JSON,
          NEEDS_ADMIN,
          {
            404: ['No such event', ['EVENT_NOT_FOUND']],
            409: ['The event was cancelled', ['EVENT_CANCELLED']],
          },
          BODY_ERRORS,
          CONTENTION,
          INTERNAL,
        ),
      },
    },
  },
  '/v1/admin/events/{event_id}/cancel': {
    post: {
      operationId: 'cancelEvent',
      tags: ['admin'],
      summary: 'Cancel an event: its seats are gone for good and its orders are refunded',
      security: BEARER,
      parameters: [eventIdParam],
      requestBody: { required: false, content: json(schema('CancelEventRequest')) },
      responses: {
        200: ok('Cancelled', schema('EventStatusChange'), LOG_POSITION),
        ...errors(
          MALFORMED_JSON,
          validation('Unknown fields or a `reason` that is not a string of at most 500 characters'),
          NEEDS_ADMIN,
          { 404: ['No such event', ['EVENT_NOT_FOUND']], 409: ['Already cancelled', ['EVENT_CANCELLED']] },
          BODY_ERRORS,
          CONTENTION,
          INTERNAL,
        ),
      },
    },
  },
};

const READ_YOUR_WRITES = {
  400: ['`X-Min-Log-Position` is not a non-negative integer', ['INVALID_LOG_POSITION']],
} satisfies ErrorSpec;

const eventPaths: Record<string, PathItemObject> = {
  '/v1/events/search': {
    get: {
      operationId: 'searchEvents',
      tags: ['events'],
      summary: 'Search published events',
      description: 'Every word of `query` must appear in the name, artist or venue name. Sorted by date.',
      security: OPTIONAL_BEARER,
      parameters: [
        {
          name: 'query',
          in: 'query',
          description: 'Free text (words are matched case-insensitively)',
          schema: { type: 'string', maxLength: 200 },
          example: 'taylor swift',
        },
        {
          name: 'city',
          in: 'query',
          description: 'Venue city, exact and case-insensitive',
          schema: { type: 'string', maxLength: 100 },
        },
        {
          name: 'category',
          in: 'query',
          description: 'Category, exact and case-insensitive',
          schema: { type: 'string', maxLength: 100 },
        },
        {
          name: 'date_from',
          in: 'query',
          description: 'ISO 8601 date or date-time: events on or after',
          schema: { type: 'string', format: 'date' },
          example: '2026-06-01',
        },
        {
          name: 'date_to',
          in: 'query',
          description:
            'ISO 8601 date (the whole day) or date-time: events on or before; not before `date_from`',
          schema: { type: 'string', format: 'date' },
        },
        {
          name: 'page',
          in: 'query',
          description: 'Page number, from 1',
          schema: { type: 'integer', minimum: 1, maximum: 10000, default: 1 },
        },
        {
          name: 'per_page',
          in: 'query',
          description: 'Page size',
          schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
        },
        param('MinLogPosition'),
      ],
      responses: {
        200: ok('A page of events', schema('SearchResponse'), { ...READ_POSITION, ...RATE_LIMITED }),
        ...errors(
          validation(
            'Unknown, repeated or malformed query parameters (page=0, per_page over 100, an invalid date, date_from after date_to)',
          ),
          READ_YOUR_WRITES,
          BAD_TOKEN,
          rateLimit(`100 per minute; ${AUTHENTICATED_LIMIT}`),
          INTERNAL,
        ),
      },
    },
  },
  '/v1/events/{event_id}': {
    get: {
      operationId: 'getEvent',
      tags: ['events'],
      summary: 'Event details with per-tier availability',
      security: OPTIONAL_BEARER,
      parameters: [eventIdParam, param('MinLogPosition')],
      responses: {
        200: ok('The event', schema('EventDetails'), { ...READ_POSITION, ...RATE_LIMITED }),
        ...errors(
          READ_YOUR_WRITES,
          BAD_TOKEN,
          {
            404: ['No such event, or not published (admins also see unpublished ones)', ['EVENT_NOT_FOUND']],
          },
          rateLimit(`200 per minute; ${AUTHENTICATED_LIMIT}`),
          INTERNAL,
        ),
      },
    },
  },
  '/v1/events/{event_id}/seats': {
    get: {
      operationId: 'getSeatMap',
      tags: ['events'],
      summary: 'Seat map: every seat with its status and price',
      security: OPTIONAL_BEARER,
      parameters: [
        eventIdParam,
        {
          name: 'section',
          in: 'query',
          description: 'Only this section (section id or name)',
          schema: { type: 'string', maxLength: 100 },
        },
        {
          name: 'status',
          in: 'query',
          description: 'Only seats with this status',
          schema: schema('SeatStatus'),
        },
        param('MinLogPosition'),
      ],
      responses: {
        200: ok('The seat map', schema('SeatMap'), { ...READ_POSITION, ...RATE_LIMITED }),
        ...errors(
          validation('Unknown query parameters or an unknown status'),
          READ_YOUR_WRITES,
          BAD_TOKEN,
          { 404: ['No such event, or not published', ['EVENT_NOT_FOUND']] },
          rateLimit(`50 per minute; ${AUTHENTICATED_LIMIT}`),
          INTERNAL,
        ),
      },
    },
  },
};

const reservationPaths: Record<string, PathItemObject> = {
  '/v1/seats/reserve': {
    post: {
      operationId: 'reserveSeats',
      tags: ['reservations'],
      summary: 'Hold seats for the caller (for HOLD_SECONDS, default 600)',
      description:
        'With an `Idempotency-Key`, the first answer (success or client error) is stored and replayed for every retry with the ' +
        'same key and body (marked `Idempotent-Replayed: true`); the same key with another body is 422 `IDEMPOTENCY_KEY_REUSED`.',
      security: BEARER,
      parameters: [param('IdempotencyKey')],
      requestBody: { required: true, content: json(schema('ReserveRequest')) },
      responses: {
        201: ok('The hold', schema('Reservation'), {
          ...LOG_POSITION,
          ...RATE_LIMITED,
          Location: header('Location'),
          'Idempotent-Replayed': header('Idempotent-Replayed'),
        }),
        ...errors(
          MALFORMED_JSON,
          validation('Missing or unknown fields, no seats, a seat twice, more than 100 seats', [
            'INVALID_IDEMPOTENCY_KEY',
          ]),
          NEEDS_TOKEN,
          {
            403: [
              '`user_id` is not the caller, or the event is queue-protected and the token is not its queue access token',
              ['FORBIDDEN', 'QUEUE_REQUIRED'],
            ],
            404: [
              'No such (published) event, or seats that do not exist at it (`details.seat_ids`)',
              ['EVENT_NOT_FOUND', 'SEAT_NOT_FOUND'],
            ],
            409: ['A seat is held or sold (`details.seat_ids`)', ['SEATS_UNAVAILABLE']],
            410: ['The event was cancelled: the seats are gone for good', ['SEATS_GONE']],
            422: [
              'Over max_tickets_per_order for this user, a single empty seat left alone in a row, the sale not open (or over), or an Idempotency-Key reused with another body',
              ['PURCHASE_LIMIT_EXCEEDED', 'SINGLE_SEAT_GAP', 'SALE_NOT_OPEN', 'IDEMPOTENCY_KEY_REUSED'],
            ],
          },
          BODY_ERRORS,
          rateLimit(`10 per minute; ${AUTHENTICATED_LIMIT}`),
          CONTENTION,
          INTERNAL,
        ),
      },
    },
  },
  '/v1/reservations/{reservation_id}': {
    get: {
      operationId: 'getReservation',
      tags: ['reservations'],
      summary: "A hold (the caller's own; admins see all)",
      security: BEARER,
      parameters: [param('ReservationId'), param('MinLogPosition')],
      responses: {
        200: ok('The hold', schema('ReservationView'), { ...READ_POSITION, ...RATE_LIMITED }),
        ...errors(
          READ_YOUR_WRITES,
          NEEDS_TOKEN,
          { 404: ["No such hold, or someone else's", ['RESERVATION_NOT_FOUND']] },
          rateLimit(AUTHENTICATED_LIMIT),
          INTERNAL,
        ),
      },
    },
    delete: {
      operationId: 'releaseReservation',
      tags: ['reservations'],
      summary: 'Release a hold (idempotent: releasing a released or expired hold is 204 again)',
      security: BEARER,
      parameters: [param('ReservationId')],
      responses: {
        204: {
          description: 'Released; the seats are available again',
          headers: { ...LOG_POSITION, ...RATE_LIMITED },
        },
        ...errors(
          NEEDS_TOKEN,
          {
            404: ["No such hold, or someone else's", ['RESERVATION_NOT_FOUND']],
            409: ['The hold was paid for: cancel the order instead', ['RESERVATION_ALREADY_ORDERED']],
          },
          rateLimit(AUTHENTICATED_LIMIT),
          CONTENTION,
          INTERNAL,
        ),
      },
    },
  },
};

const paymentMethodPaths: Record<string, PathItemObject> = {
  '/v1/payment-methods': {
    post: {
      operationId: 'addPaymentMethod',
      tags: ['payment-methods'],
      summary: "Save a card (as a gateway token) to the caller's account",
      description:
        'Cards are accepted only as payment tokens (`tok_...`); a card number or CVC anywhere in the body is 400 ' +
        '`RAW_CARD_DATA_REJECTED` and is never stored or logged. With an `Idempotency-Key`, retries answer the first result.',
      security: BEARER,
      parameters: [param('IdempotencyKey')],
      requestBody: { required: true, content: json(schema('AddPaymentMethodRequest')) },
      responses: {
        201: ok('The saved payment method', schema('PaymentMethod'), {
          ...LOG_POSITION,
          ...RATE_LIMITED,
          'Idempotent-Replayed': header('Idempotent-Replayed'),
        }),
        ...errors(
          MALFORMED_JSON,
          validation('Missing or unknown fields, a `card_token` that is not a token, too many saved cards', [
            'INVALID_PAYMENT_METHOD',
            'INVALID_IDEMPOTENCY_KEY',
          ]),
          NEEDS_TOKEN,
          {
            404: ['The token belongs to no registered account', ['NOT_FOUND']],
            422: ['An Idempotency-Key reused with another body', ['IDEMPOTENCY_KEY_REUSED']],
            503: ['The payment provider is unavailable; retry shortly', ['PAYMENT_UNAVAILABLE']],
          },
          BODY_ERRORS,
          rateLimit(AUTHENTICATED_LIMIT),
          INTERNAL,
        ),
      },
    },
    get: {
      operationId: 'listPaymentMethods',
      tags: ['payment-methods'],
      summary: "The caller's saved payment methods, oldest first",
      security: BEARER,
      responses: {
        200: ok('Saved payment methods', schema('PaymentMethodList'), { ...REQUEST_ID, ...RATE_LIMITED }),
        ...errors(NEEDS_TOKEN, rateLimit(AUTHENTICATED_LIMIT), INTERNAL),
      },
    },
  },
  '/v1/payment-methods/{payment_method_id}': {
    delete: {
      operationId: 'removePaymentMethod',
      tags: ['payment-methods'],
      summary: "Remove one of the caller's saved payment methods",
      security: BEARER,
      parameters: [
        {
          name: 'payment_method_id',
          in: 'path',
          required: true,
          description: 'Payment method id',
          schema: { type: 'string' },
        },
      ],
      responses: {
        204: { description: 'Removed', headers: { ...LOG_POSITION, ...RATE_LIMITED } },
        ...errors(
          NEEDS_TOKEN,
          { 404: ["No such payment method, or someone else's", ['PAYMENT_METHOD_NOT_FOUND']] },
          rateLimit(AUTHENTICATED_LIMIT),
          INTERNAL,
        ),
      },
    },
  },
};

const orderIdParam = param('OrderId');
const ticketIdParam = param('TicketId');
const transferIdParam = param('TransferId');

const orderPaths: Record<string, PathItemObject> = {
  '/v1/orders': {
    post: {
      operationId: 'createOrder',
      tags: ['orders'],
      summary: "Buy the seats of one of the caller's holds",
      description:
        'The payment is authorized synchronously and the order is recorded as `PENDING` / `AUTHORIZED`; capture, ' +
        'confirmation and ticket issuing follow asynchronously (poll GET /v1/orders/{order_id} until `CONFIRMED` with ' +
        'its tickets, or `FAILED`). A declined payment ends the attempt: 402 `PAYMENT_DECLINED` (`details.reason`) and ' +
        'the held seats go back on sale at once. One reservation makes at most one order. With an `Idempotency-Key`, ' +
        'the first answer (success or client error) is replayed for every retry with the same key and body.',
      security: BEARER,
      parameters: [param('IdempotencyKey')],
      requestBody: { required: true, content: json(schema('CreateOrderRequest')) },
      responses: {
        201: ok('The order, `PENDING` with its payment `AUTHORIZED`', schema('PlacedOrder'), {
          ...LOG_POSITION,
          ...RATE_LIMITED,
          Location: header('Location'),
          'Idempotent-Replayed': header('Idempotent-Replayed'),
        }),
        ...errors(
          MALFORMED_JSON,
          validation(
            'Missing or unknown fields, an unknown `delivery_method`, an incomplete `billing_address`',
            ['INVALID_IDEMPOTENCY_KEY'],
          ),
          {
            400: [
              "`payment_method_id` is not one of the caller's saved payment methods",
              ['INVALID_PAYMENT_METHOD'],
            ],
          },
          NEEDS_TOKEN,
          {
            402: [
              'The payment was declined (`details.reason`); the held seats were released',
              ['PAYMENT_DECLINED'],
            ],
            404: [
              "No such hold, or someone else's; or its event no longer exists",
              ['RESERVATION_NOT_FOUND', 'EVENT_NOT_FOUND'],
            ],
            409: [
              'The reservation already has an order (`details.order_id`)',
              ['RESERVATION_ALREADY_ORDERED'],
            ],
            410: ['The hold expired or was released: reserve the seats again', ['RESERVATION_EXPIRED']],
            422: ['An Idempotency-Key reused with another body', ['IDEMPOTENCY_KEY_REUSED']],
            503: ['The payment provider is unavailable; retry shortly', ['PAYMENT_UNAVAILABLE']],
          },
          BODY_ERRORS,
          rateLimit(AUTHENTICATED_LIMIT),
          CONTENTION,
          INTERNAL,
        ),
      },
    },
    get: {
      operationId: 'listOrders',
      tags: ['orders'],
      summary: "The caller's orders, newest first",
      security: BEARER,
      parameters: [param('MinLogPosition')],
      responses: {
        200: ok('The orders', schema('OrderList'), { ...READ_POSITION, ...RATE_LIMITED }),
        ...errors(READ_YOUR_WRITES, NEEDS_TOKEN, rateLimit(AUTHENTICATED_LIMIT), INTERNAL),
      },
    },
  },
  '/v1/orders/{order_id}': {
    get: {
      operationId: 'getOrder',
      tags: ['orders'],
      summary: "An order with its tickets (the caller's own; admins see all)",
      description:
        '`status` moves from `PENDING` to `CONFIRMED` (payment captured, then `tickets` issued) or `FAILED` ' +
        '(`failure_reason`); a cancelled order is `CANCELLED` with its refund.',
      security: BEARER,
      parameters: [orderIdParam, param('MinLogPosition')],
      responses: {
        200: ok('The order', schema('Order'), { ...READ_POSITION, ...RATE_LIMITED }),
        ...errors(
          READ_YOUR_WRITES,
          NEEDS_TOKEN,
          { 404: ["No such order, or someone else's", ['ORDER_NOT_FOUND']] },
          rateLimit(AUTHENTICATED_LIMIT),
          INTERNAL,
        ),
      },
    },
  },
  '/v1/orders/{order_id}/cancel': {
    post: {
      operationId: 'cancelOrder',
      tags: ['orders'],
      summary:
        'Cancel a confirmed order before its event starts: full refund, tickets voided, seats back on sale',
      description:
        'The refund is issued asynchronously (`refund_status: PROCESSING`; GET the order to see it `COMPLETED`). No body is needed.',
      security: BEARER,
      parameters: [orderIdParam],
      responses: {
        200: ok('Cancelled; the refund is on its way', schema('OrderCancellation'), {
          ...LOG_POSITION,
          ...RATE_LIMITED,
        }),
        ...errors(
          MALFORMED_JSON,
          {
            400: ['The order failed (nothing to cancel) or its event has started', ['ORDER_NOT_CANCELLABLE']],
          },
          NEEDS_TOKEN,
          {
            404: ["No such order, or someone else's", ['ORDER_NOT_FOUND']],
            409: [
              'Already cancelled, or still `PENDING` (try again in a moment); a ticket of the order was transferred ' +
                '(`details.ticket_ids`: the whole order stays, nothing is refunded), or a transfer of one is pending ' +
                '(`details.transfer_ids`: cancel the transfer first, or let it expire)',
              [
                'ORDER_ALREADY_CANCELLED',
                'ORDER_PENDING',
                'ORDER_HAS_TRANSFERRED_TICKETS',
                'TRANSFER_PENDING',
              ],
            ],
          },
          BODY_ERRORS,
          rateLimit(AUTHENTICATED_LIMIT),
          CONTENTION,
          INTERNAL,
        ),
      },
    },
  },
};

const ticketPaths: Record<string, PathItemObject> = {
  '/v1/tickets': {
    get: {
      operationId: 'listTickets',
      tags: ['tickets'],
      summary: "The caller's tickets of one order, by section, row and seat",
      description:
        'After a transfer the sender still sees the old ticket (`TRANSFERRED`) and the recipient sees the new one. ' +
        "Someone else's order answers an empty list.",
      security: BEARER,
      parameters: [
        {
          name: 'order_id',
          in: 'query',
          required: true,
          description: 'The order',
          schema: { type: 'string', minLength: 1, maxLength: 64 },
        },
        param('MinLogPosition'),
      ],
      responses: {
        200: ok('The tickets', schema('TicketList'), { ...READ_POSITION, ...RATE_LIMITED }),
        ...errors(
          validation('`order_id` missing, empty, repeated or too long, or unknown query parameters'),
          READ_YOUR_WRITES,
          NEEDS_TOKEN,
          rateLimit(AUTHENTICATED_LIMIT),
          INTERNAL,
        ),
      },
    },
  },
  '/v1/tickets/{ticket_id}': {
    get: {
      operationId: 'getTicket',
      tags: ['tickets'],
      summary: "One of the caller's tickets",
      security: BEARER,
      parameters: [ticketIdParam, param('MinLogPosition')],
      responses: {
        200: ok('The ticket', schema('Ticket'), { ...READ_POSITION, ...RATE_LIMITED }),
        ...errors(
          READ_YOUR_WRITES,
          NEEDS_TOKEN,
          { 404: ["No such ticket, or someone else's", ['TICKET_NOT_FOUND']] },
          rateLimit(AUTHENTICATED_LIMIT),
          INTERNAL,
        ),
      },
    },
  },
  '/v1/tickets/{ticket_id}/download': {
    get: {
      operationId: 'downloadTicket',
      tags: ['tickets'],
      summary: "The ticket's QR code (its payload is the barcode) as a PNG attachment",
      security: BEARER,
      parameters: [ticketIdParam, param('MinLogPosition')],
      responses: {
        200: {
          description:
            'The QR code image (`Content-Disposition: attachment; filename="ticket-{ticket_id}.png"`, `Cache-Control: private, no-store`)',
          headers: { ...READ_POSITION, ...RATE_LIMITED },
          content: { 'image/png': { schema: { type: 'string', format: 'binary' } } },
        },
        ...errors(
          READ_YOUR_WRITES,
          NEEDS_TOKEN,
          {
            404: ["No such ticket, or someone else's", ['TICKET_NOT_FOUND']],
            409: ['The ticket is void or was transferred: it has no valid code', ['TICKET_NOT_ACTIVE']],
          },
          rateLimit(AUTHENTICATED_LIMIT),
          INTERNAL,
        ),
      },
    },
  },
  '/v1/tickets/{ticket_id}/transfer': {
    post: {
      operationId: 'transferTicket',
      tags: ['tickets'],
      summary: 'Offer a ticket to someone else by email (pending until they accept, for 7 days at most)',
      description:
        'The recipient accepts with POST /v1/transfers/{transfer_id}/accept, signed in with that email; the sender can ' +
        'take the offer back with DELETE /v1/transfers/{transfer_id}. A transfer never outlives the event start. ' +
        'With an `Idempotency-Key`, a retry answers the first transfer instead of 409.',
      security: BEARER,
      parameters: [ticketIdParam, param('IdempotencyKey')],
      requestBody: { required: true, content: json(schema('TransferTicketRequest')) },
      responses: {
        200: ok('The transfer, `PENDING`', schema('Transfer'), {
          ...LOG_POSITION,
          ...RATE_LIMITED,
          'Idempotent-Replayed': header('Idempotent-Replayed'),
        }),
        ...errors(
          MALFORMED_JSON,
          validation('Missing or unknown fields, an invalid email, a blank or over-long name', [
            'INVALID_IDEMPOTENCY_KEY',
          ]),
          NEEDS_TOKEN,
          {
            404: ["No such ticket, or someone else's", ['TICKET_NOT_FOUND']],
            409: [
              'Not transferable now: void, already transferred, a transfer already pending, the event started, or the recipient is the holder',
              ['TICKET_NOT_TRANSFERABLE'],
            ],
            422: ['An Idempotency-Key reused with another body', ['IDEMPOTENCY_KEY_REUSED']],
          },
          BODY_ERRORS,
          rateLimit(AUTHENTICATED_LIMIT),
          CONTENTION,
          INTERNAL,
        ),
      },
    },
  },
};

const transferPaths: Record<string, PathItemObject> = {
  '/v1/transfers/{transfer_id}/accept': {
    post: {
      operationId: 'acceptTransfer',
      tags: ['transfers'],
      summary: "Accept a ticket transfer addressed to the caller's email",
      description:
        'The old ticket turns `TRANSFERRED` and a new ticket with a new barcode is issued to the caller. Accepting again ' +
        'answers the same result. No body is needed.',
      security: BEARER,
      parameters: [transferIdParam],
      responses: {
        200: ok('Accepted: `ticket_id` is the new ticket', schema('TransferAcceptance'), {
          ...LOG_POSITION,
          ...RATE_LIMITED,
        }),
        ...errors(
          MALFORMED_JSON,
          NEEDS_TOKEN,
          {
            404: [
              'No such transfer, one addressed to another email, or one the sender cancelled',
              ['TRANSFER_NOT_FOUND'],
            ],
            409: [
              'The ticket can no longer be transferred (voided, transferred meanwhile, the event started, or the caller already holds it)',
              ['TICKET_NOT_TRANSFERABLE'],
            ],
            410: ['The transfer expired', ['TRANSFER_EXPIRED']],
          },
          BODY_ERRORS,
          rateLimit(AUTHENTICATED_LIMIT),
          CONTENTION,
          INTERNAL,
        ),
      },
    },
  },
  '/v1/transfers/{transfer_id}': {
    delete: {
      operationId: 'cancelTransfer',
      tags: ['transfers'],
      summary: 'Take back a pending transfer (the sender only; cancelling twice is 204 again)',
      security: BEARER,
      parameters: [transferIdParam],
      responses: {
        204: {
          description: 'Cancelled; the ticket is transferable again',
          headers: { ...LOG_POSITION, ...RATE_LIMITED },
        },
        ...errors(
          NEEDS_TOKEN,
          { 404: ["No such transfer, or someone else's", ['TRANSFER_NOT_FOUND']] },
          { 409: ['The transfer was already accepted', ['TICKET_NOT_TRANSFERABLE']] },
          rateLimit(AUTHENTICATED_LIMIT),
          CONTENTION,
          INTERNAL,
        ),
      },
    },
  },
};

const operationsPaths: Record<string, PathItemObject> = {
  '/healthz': {
    get: {
      operationId: 'health',
      tags: ['operations'],
      summary: 'Liveness: the process answers',
      responses: { 200: ok('Alive', schema('Health')), ...errors() },
    },
  },
  '/readyz': {
    get: {
      operationId: 'readiness',
      tags: ['operations'],
      summary: 'Readiness: the read models are close enough to the log (projection lag under 1000 events)',
      responses: {
        200: ok('Ready', schema('Readiness')),
        503: ok('Still catching up (`status: catching_up`)', schema('Readiness')),
        ...errors(),
      },
    },
  },
  '/metrics': {
    get: {
      operationId: 'metrics',
      tags: ['operations'],
      summary: 'Prometheus metrics (requests, latency, appends, conflicts, projection lag)',
      description:
        'Needs an admin access token, or `Authorization: Bearer <METRICS_TOKEN>` when `METRICS_TOKEN` is set. ' +
        'Requests are labelled by route template with its mount prefix (`/v1/orders/:id`); unmatched paths share `unmatched`.',
      security: BEARER,
      responses: {
        200: {
          description: 'Prometheus text exposition format',
          headers: REQUEST_ID,
          content: { 'text/plain': { schema: { type: 'string' } } },
        },
        ...errors(
          {
            401: ['No token, or neither a valid access token nor the metrics token', ['UNAUTHORIZED']],
            403: ['A valid access token whose role is not `admin`', ['FORBIDDEN']],
          },
          INTERNAL,
        ),
      },
    },
  },
  '/openapi.json': {
    get: {
      operationId: 'openApiDocument',
      tags: ['operations'],
      summary: 'This document',
      responses: {
        200: {
          description: 'OpenAPI 3.0.3 document',
          headers: REQUEST_ID,
          content: json({ type: 'object' }),
        },
        ...errors(),
      },
    },
  },
  '/docs': {
    get: {
      operationId: 'apiDocs',
      tags: ['operations'],
      summary: 'Swagger UI for this document (HTML; its assets are served under /docs/)',
      responses: {
        200: { description: 'The Swagger UI page', content: { 'text/html': { schema: { type: 'string' } } } },
        ...errors(),
      },
    },
  },
};

// ---------------------------------------------------------------------------------------------------------
// Schemas

const ISO = 'ISO 8601 UTC';

const schemas: Record<string, SchemaObject> = {
  Error: object(
    {
      error: object({
        code: str('Stable, machine-readable error code', { example: 'SEATS_UNAVAILABLE' }),
        message: str('Human-readable explanation', { example: 'The selected seats are no longer available' }),
        details: {
          type: 'object',
          description: 'Specifics, e.g. `seat_ids`, or `fields: [{field, errors}]` for validation errors',
          additionalProperties: true,
        },
        request_id: str('The request id (same as the X-Request-Id response header)'),
        timestamp: dateTime(`When the error was answered (${ISO})`),
      }),
    },
    ['error'],
    'The standard error envelope of every 4xx and 5xx answer',
  ),
  Health: object({ status: str('Always `ok`', { enum: ['ok'] }) }),
  Readiness: object({
    status: str('Whether the read models have caught up', { enum: ['ready', 'catching_up'] }),
    projection_lag: int('Events in the log not yet applied to the read models', { minimum: 0 }),
  }),

  RegisterRequest: input(
    {
      email: str('Email address (case-insensitive, unique)', { format: 'email', maxLength: 254 }),
      password: str('Password', { format: 'password', minLength: 8, maxLength: 128 }),
      name: str('Display name', { minLength: 1, maxLength: 100 }),
    },
    ['email', 'password', 'name'],
  ),
  RegisterResponse: object({
    user_id: str('The new account id'),
    email: str('Email', { format: 'email' }),
    name: str('Display name'),
  }),
  TokenRequest: input(
    {
      grant_type: str('OAuth 2.0 grant type', { enum: ['password', 'refresh_token', 'client_credentials'] }),
      email: str('For `password`', { maxLength: 254 }),
      password: str('For `password`', { format: 'password', maxLength: 1024 }),
      refresh_token: str('For `refresh_token`', { maxLength: 512 }),
      client_id: str('For `client_credentials` (partners)', { maxLength: 200 }),
      client_secret: str('For `client_credentials` (partners)', { maxLength: 500 }),
      scope: str('Ignored', { maxLength: 500 }),
    },
    ['grant_type'],
  ),
  TokenResponse: object({
    access_token: str('JWT access token for the Authorization header'),
    token_type: str('Always `Bearer`', { enum: ['Bearer'] }),
    expires_in: int('Seconds until the access token expires', { example: 3600 }),
    refresh_token: str('Single-use refresh token (rotated on use)'),
  }),
  TokenInfo: object({
    user_id: str('Account (or partner client) id'),
    email: str('Email'),
    role: str('Role', { enum: ['customer', 'admin', 'auditor', 'partner'] }),
    expires_at: dateTime(`When the access token expires (${ISO})`),
  }),

  RowInput: input(
    {
      row: str('Row label: 1-8 letters or digits', { pattern: '^[A-Za-z0-9]{1,8}$' }),
      seats: int('Seats in the row, numbered from 1', { minimum: 1, maximum: 1000 }),
    },
    ['row', 'seats'],
  ),
  SectionInput: input(
    {
      name: str('Section name, unique in the venue', { minLength: 1, maxLength: 100 }),
      rows: { type: 'array', items: schema('RowInput'), minItems: 1, maxItems: 500 },
    },
    ['name', 'rows'],
  ),
  CreateVenueRequest: input(
    {
      name: str('Venue name', { minLength: 1, maxLength: 200 }),
      city: str('City', { minLength: 1, maxLength: 100 }),
      state: str('State or region', { minLength: 1, maxLength: 100 }),
      country: str('Country', { minLength: 1, maxLength: 100 }),
      sections: {
        type: 'array',
        items: schema('SectionInput'),
        minItems: 1,
        maxItems: 500,
        description: 'At most 200,000 seats in all',
      },
    },
    ['name', 'city', 'state', 'country', 'sections'],
  ),
  Venue: object({
    venue_id: str('Venue id'),
    name: str('Venue name'),
    city: str('City'),
    state: str('State'),
    country: str('Country'),
    capacity: int('Seats in all'),
    sections: {
      type: 'array',
      items: object({
        section_id: str('Section id (`s1`, `s2`, ... in layout order)'),
        name: str('Section name'),
        rows: {
          type: 'array',
          items: object({ row: str('Row label'), seat_count: int('Seats in the row') }),
        },
      }),
    },
  }),

  PricingTierInput: input(
    {
      name: str('Tier name', { minLength: 1, maxLength: 100 }),
      price: {
        type: 'number',
        minimum: 0,
        maximum: 100000,
        multipleOf: 0.01,
        description: 'Ticket price, at most two decimals',
      },
      fees: {
        type: 'number',
        minimum: 0,
        maximum: 100000,
        multipleOf: 0.01,
        description: 'Fees per ticket, at most two decimals',
      },
      sections: {
        type: 'array',
        items: { type: 'string' },
        minItems: 1,
        maxItems: 500,
        description: 'Names of venue sections this tier prices (each section in at most one tier)',
      },
    },
    ['name', 'price', 'fees', 'sections'],
  ),
  QueueSettings: input(
    {
      enabled: { type: 'boolean', description: 'Queue-protected on-sale' },
      admission_per_minute: int('Admissions per minute', { minimum: 1, maximum: 1000000, default: 1000 }),
    },
    ['enabled'],
  ),
  CreateEventRequest: input(
    {
      event_id: str('Optional explicit id (1-64 letters, digits or dashes); a UUID otherwise', {
        pattern: '^[A-Za-z0-9-]{1,64}$',
      }),
      name: str('Event name', { minLength: 1, maxLength: 200 }),
      artist: str('Artist', { minLength: 1, maxLength: 200 }),
      description: str('Description', { maxLength: 5000 }),
      category: str('Category', { minLength: 1, maxLength: 100 }),
      venue_id: str('Venue id'),
      date: dateTime(`Event start (${ISO})`),
      doors_open: dateTime('Doors open (not after `date`)'),
      presale_start: dateTime('Presale opens (not after `general_sale_start`)'),
      general_sale_start: dateTime('General sale opens (before `date`)'),
      pricing_tiers: { type: 'array', items: schema('PricingTierInput'), minItems: 1, maxItems: 50 },
      max_tickets_per_order: int('Most seats one customer may hold or buy for this event', {
        minimum: 1,
        maximum: 100,
        default: 8,
      }),
      restrict_single_seat: {
        type: 'boolean',
        default: true,
        description: 'Refuse selections that leave a single empty seat alone in a row',
      },
      queue: schema('QueueSettings'),
    },
    ['name', 'artist', 'category', 'venue_id', 'date', 'general_sale_start', 'pricing_tiers'],
  ),
  CreatedEvent: object({
    event_id: str('Event id'),
    name: str('Name'),
    artist: str('Artist'),
    description: str('Description'),
    category: str('Category'),
    venue_id: str('Venue id'),
    date: dateTime('Start'),
    doors_open: dateTime('Doors open', true),
    presale_start: dateTime('Presale opens', true),
    general_sale_start: dateTime('General sale opens'),
    pricing_tiers: {
      type: 'array',
      items: object({
        tier_id: str('Tier id'),
        name: str('Name'),
        price: money('Price'),
        fees: money('Fees'),
        section_ids: { type: 'array', items: { type: 'string' } },
      }),
    },
    max_tickets_per_order: int('Per-customer limit'),
    restrict_single_seat: { type: 'boolean', description: 'Single-seat gap rule' },
    queue: schema('QueueState'),
    total_capacity: int('Seats in all'),
    status: str('Always `DRAFT` on creation', { enum: ['DRAFT'] }),
  }),
  QueueState: object({
    enabled: { type: 'boolean', description: 'Queue-protected' },
    admission_per_minute: int('Admissions per minute'),
  }),
  CancelEventRequest: input({ reason: str('Why (kept in the log)', { maxLength: 500 }) }, []),
  EventStatusChange: object({
    event_id: str('Event id'),
    status: str('New status', { enum: ['PUBLISHED', 'CANCELLED'] }),
  }),

  SaleStatus: str('Where the sale stands', {
    enum: ['ON_SALE', 'PRESALE', 'SCHEDULED', 'SOLD_OUT', 'CANCELLED', 'PAST', 'DRAFT'],
  }),
  SearchResponse: object({
    events: {
      type: 'array',
      items: object({
        event_id: str('Event id'),
        name: str('Name'),
        artist: str('Artist'),
        category: str('Category'),
        venue: object({ name: str('Venue'), city: str('City'), state: str('State') }),
        date: dateTime('Start'),
        on_sale_date: dateTime('When the (pre)sale opens'),
        price_range: {
          ...object({ min: money('Lowest price'), max: money('Highest price') }),
          nullable: true,
        },
        availability: schema('SaleStatus'),
        available_seats: int('Seats neither held nor sold'),
        image_url: str('Image (not stored yet: null)', { nullable: true }),
      }),
    },
    pagination: object({
      page: int('Page'),
      per_page: int('Page size'),
      total: int('Matching events in all'),
    }),
  }),
  EventDetails: object({
    event_id: str('Event id'),
    name: str('Name'),
    description: str('Description'),
    artist: str('Artist'),
    artist_id: str('Artist id (not tracked yet: null)', { nullable: true }),
    venue_id: str('Venue id'),
    venue: object({ name: str('Venue'), city: str('City'), state: str('State'), country: str('Country') }),
    date: dateTime('Start'),
    doors_open: dateTime('Doors open', true),
    category: str('Category'),
    pricing_tiers: {
      type: 'array',
      items: object({
        tier_id: str('Tier id'),
        name: str('Name'),
        price: money('Price'),
        fees: money('Fees'),
        total: money('Price plus fees'),
        available_seats: int('Seats of this tier neither held nor sold'),
        capacity: int('Seats of this tier'),
      }),
    },
    sale_info: object({
      presale_start: dateTime('Presale opens', true),
      general_sale_start: dateTime('General sale opens'),
      status: schema('SaleStatus'),
    }),
    max_tickets_per_order: int('Per-customer limit'),
    restrict_single_seat: { type: 'boolean', description: 'Single-seat gap rule' },
    queue: schema('QueueState'),
    total_capacity: int('Seats in all'),
    available_seats: int('Seats neither held nor sold'),
  }),
  AdminEventDetails: {
    allOf: [
      schema('EventDetails'),
      object({ status: str('Catalog status', { enum: ['DRAFT', 'PUBLISHED', 'CANCELLED'] }) }),
    ],
  },
  SeatStatus: str('Seat status', { enum: ['AVAILABLE', 'RESERVED', 'SOLD', 'UNAVAILABLE'] }),
  SeatMap: object({
    event_id: str('Event id'),
    sections: {
      type: 'array',
      items: object({
        section_id: str('Section id'),
        name: str('Section name'),
        tier_id: str('Tier pricing this section (null: not on sale)', { nullable: true }),
        rows: {
          type: 'array',
          items: object({
            row: str('Row label'),
            seats: {
              type: 'array',
              items: object({
                seat_id: str('Seat id: `{section_id}:{row}:{number}`', { example: 's1:A:1' }),
                number: str('Seat number in the row'),
                status: schema('SeatStatus'),
                price: { ...money('Price'), nullable: true },
              }),
            },
          }),
        },
      }),
    },
    last_updated: dateTime('Last change to any returned section'),
  }),

  ReserveRequest: input(
    {
      event_id: str('Event id', { minLength: 1, maxLength: 64 }),
      seat_ids: {
        type: 'array',
        items: { type: 'string' },
        minItems: 1,
        maxItems: 100,
        uniqueItems: true,
        description: 'Seats to hold',
      },
      user_id: str('Accepted for compatibility; must be the caller when given', { maxLength: 64 }),
    },
    ['event_id', 'seat_ids'],
  ),
  Reservation: object({
    reservation_id: str('Hold id'),
    event_id: str('Event id'),
    seat_ids: { type: 'array', items: { type: 'string' } },
    expires_at: dateTime('When the hold lapses'),
    total_price: money('Sum of seat prices'),
    fees: money('Sum of fees'),
    total: money('total_price plus fees'),
  }),
  BillingAddress: input(
    {
      street: str('Street', { minLength: 1, maxLength: 200 }),
      city: str('City', { minLength: 1, maxLength: 100 }),
      state: str('State', { maxLength: 100 }),
      postal_code: str('Postal code', { maxLength: 20 }),
      country: str('Country', { minLength: 1, maxLength: 100 }),
    },
    ['street', 'city', 'country'],
  ),
  AddPaymentMethodRequest: input(
    {
      type: str('Only cards', { enum: ['CARD'] }),
      card_token: str('Gateway token from the client-side SDK, never a card number', {
        pattern: '^tok_[A-Za-z0-9_]{1,100}$',
        example: 'tok_visa',
      }),
      billing_address: schema('BillingAddress'),
      make_default: { type: 'boolean', description: 'Make it the default (the first card always is)' },
    },
    ['type', 'card_token'],
  ),
  PaymentMethod: object({
    payment_method_id: str('Payment method id'),
    type: str('Kind', { enum: ['CARD'] }),
    card_last_four: str('Last four digits', { pattern: '^\\d{4}$' }),
    card_brand: str('Card brand', { example: 'Visa' }),
    expiry: str('MM/YYYY', { pattern: '^\\d{2}/\\d{4}$', example: '12/2028' }),
    is_default: { type: 'boolean', description: 'The default payment method' },
  }),
  PaymentMethodList: object({ payment_methods: { type: 'array', items: schema('PaymentMethod') } }),
  ReservationView: object({
    reservation_id: str('Hold id'),
    event_id: str('Event id'),
    user_id: str('Holder'),
    seat_ids: { type: 'array', items: { type: 'string' } },
    status: str('Hold status', { enum: ['HELD', 'RELEASED', 'EXPIRED', 'SOLD', 'CANCELLED'] }),
    expires_at: dateTime('When the hold lapses'),
    total_price: money('Sum of seat prices'),
    fees: money('Sum of fees'),
    total: money('total_price plus fees'),
    order_id: str('The order that bought it', { nullable: true }),
    created_at: dateTime('When the hold was made'),
  }),
  CreateOrderRequest: input(
    {
      reservation_id: str("One of the caller's holds (`HELD`, not expired)", { minLength: 1, maxLength: 64 }),
      payment_method_id: str("One of the caller's saved payment methods", { minLength: 1, maxLength: 64 }),
      billing_address: schema('OrderBillingAddress'),
      delivery_method: str('How the tickets are delivered', {
        enum: ['MOBILE', 'EMAIL', 'WILL_CALL', 'MAIL'],
        default: 'MOBILE',
      }),
    },
    ['reservation_id', 'payment_method_id'],
  ),
  OrderBillingAddress: input(
    {
      street: str('Street', { minLength: 1, maxLength: 200 }),
      city: str('City', { minLength: 1, maxLength: 100 }),
      state: str('State', { maxLength: 100 }),
      postal_code: str('Postal code', { minLength: 1, maxLength: 20 }),
      country: str('Country', { minLength: 1, maxLength: 100 }),
    },
    ['street', 'city', 'postal_code', 'country'],
  ),
  OrderSeat: object({
    section: str('Section name'),
    row: str('Row label'),
    seat: str('Seat number in the row'),
    seat_id: str('Seat id: `{section_id}:{row}:{number}`', { example: 's1:A:1' }),
  }),
  PlacedOrder: object({
    order_id: str('Order id (derived from the reservation id: one reservation, one order)'),
    status: str('Always `PENDING` when placed', { enum: ['PENDING'] }),
    seats: { type: 'array', items: schema('OrderSeat') },
    subtotal: money('Sum of ticket prices'),
    fees: money('Sum of fees'),
    taxes: money('Sales tax (9% of the subtotal)'),
    total: money('subtotal + fees + taxes: the amount authorized'),
    payment_status: str('Always `AUTHORIZED` when placed', { enum: ['AUTHORIZED'] }),
    created_at: dateTime(`When the order was placed (${ISO})`),
  }),
  OrderTicket: object({
    ticket_id: str('Ticket id'),
    seat_id: str('The seat it admits to'),
    barcode: str('12-digit barcode', { pattern: '^[1-9]\\d{11}$', example: '123456789012' }),
    status: str('The ticket now: ACTIVE, VOID (order cancelled) or TRANSFERRED (reissued to someone else)', {
      enum: ['ACTIVE', 'VOID', 'TRANSFERRED'],
    }),
    qr_code: str('Base64 PNG of the QR code (its payload is the barcode); null unless `ACTIVE`', {
      format: 'byte',
      nullable: true,
    }),
    download_url: str('Path of the PNG download: `/v1/tickets/{ticket_id}/download`'),
  }),
  OrderStatus: str('Order status', { enum: ['PENDING', 'CONFIRMED', 'FAILED', 'CANCELLED'] }),
  PaymentStatus: str('Payment status', {
    enum: ['AUTHORIZED', 'CAPTURED', 'VOIDED', 'REFUND_PENDING', 'REFUNDED'],
  }),
  Order: object({
    order_id: str('Order id'),
    event: object({ name: str('Event name'), date: dateTime('Event start'), venue: str('Venue name') }),
    event_id: str('Event id'),
    reservation_id: str('The hold it bought'),
    seats: { type: 'array', items: schema('OrderSeat') },
    subtotal: money('Sum of ticket prices'),
    fees: money('Sum of fees'),
    taxes: money('Sales tax'),
    total: money('subtotal + fees + taxes'),
    status: schema('OrderStatus'),
    payment_status: schema('PaymentStatus'),
    delivery_method: str('How the tickets are delivered', { enum: ['MOBILE', 'EMAIL', 'WILL_CALL', 'MAIL'] }),
    tickets: {
      type: 'array',
      items: schema('OrderTicket'),
      description: 'One per seat once the order is `CONFIRMED` (empty before)',
    },
    failure_reason: str('Why the order `FAILED`', { nullable: true }),
    refund_amount: { ...money('Refunded amount, once cancelled'), nullable: true },
    refund_status: str('Refund progress of a cancelled order', {
      enum: ['PROCESSING', 'COMPLETED'],
      nullable: true,
    }),
    created_at: dateTime('When the order was placed'),
    confirmed_at: dateTime('When it was confirmed', true),
    cancelled_at: dateTime('When it was cancelled', true),
  }),
  OrderList: object({ orders: { type: 'array', items: schema('Order') } }),
  OrderCancellation: object({
    order_id: str('Order id'),
    status: str('Always `CANCELLED`', { enum: ['CANCELLED'] }),
    refund_amount: money('Amount to be refunded (the full total)'),
    refund_status: str('Always `PROCESSING` here: the refund is issued asynchronously', {
      enum: ['PROCESSING'],
    }),
    cancelled_at: dateTime(`When it was cancelled (${ISO})`),
  }),

  TicketStatus: str('Ticket status', { enum: ['ACTIVE', 'VOID', 'TRANSFERRED'] }),
  Ticket: object({
    ticket_id: str('Ticket id'),
    order_id: str('The order that bought it'),
    event_id: str('Event id'),
    event_name: str('Event name'),
    event_date: dateTime('Event start'),
    venue: str('Venue name'),
    section: str('Section name'),
    row: str('Row label'),
    seat: str('Seat number in the row'),
    qr_code: str('Base64 PNG of the QR code (its payload is the barcode); null unless `ACTIVE`', {
      format: 'byte',
      nullable: true,
    }),
    barcode: str('12-digit barcode', { pattern: '^[1-9]\\d{11}$', example: '123456789012' }),
    status: schema('TicketStatus'),
    transferable: {
      type: 'boolean',
      description: '`ACTIVE`, the event not started and no transfer pending',
    },
    download_url: str('Path of the PNG download: `/v1/tickets/{ticket_id}/download`'),
  }),
  TicketList: object({ tickets: { type: 'array', items: schema('Ticket') } }),
  TransferTicketRequest: input(
    {
      recipient_email: str('Who gets the ticket (case-insensitive); they accept signed in with this email', {
        format: 'email',
        maxLength: 254,
      }),
      recipient_name: str('Their name (not blank)', { minLength: 1, maxLength: 100 }),
    },
    ['recipient_email', 'recipient_name'],
  ),
  Transfer: object({
    transfer_id: str('Transfer id'),
    status: str('Always `PENDING` when requested', { enum: ['PENDING'] }),
    recipient_email: str('Recipient email (normalised to lower case)', { format: 'email' }),
    expires_at: dateTime('When the offer lapses (7 days, or the event start if sooner)'),
  }),
  TransferAcceptance: object({
    transfer_id: str('Transfer id'),
    status: str('Always `ACCEPTED`', { enum: ['ACCEPTED'] }),
    ticket_id: str("The recipient's new ticket"),
  }),
};

// ---------------------------------------------------------------------------------------------------------
// The document

export function buildOpenApiDocument(): OpenApiDocument {
  return {
    openapi: '3.0.3',
    info: {
      title: 'Ticketing backend',
      version: '0.1.0',
      description:
        'Event-sourced ticketing API. Every error is `{"error":{"code","message","details","request_id","timestamp"}}` ' +
        '(schema `Error`); an unknown path or method is 404 `ROUTE_NOT_FOUND`. Command responses carry `X-Log-Position`; ' +
        'send it back as `X-Min-Log-Position` on a query to read your own writes. Request bodies are JSON objects ' +
        '(at most 100kb, nested at most 32 levels); unknown fields are refused with 400 `VALIDATION_ERROR`, whatever ' +
        'their name; `null` is not accepted for an optional field (leave it out). Date-times are ISO 8601 with a time ' +
        'zone, dates `YYYY-MM-DD`, money a number with at most two decimals. Client values echoed in `error.details` ' +
        'are cut to 64 characters. Card numbers are refused (400 `RAW_CARD_DATA_REJECTED`) in bodies, query strings, ' +
        'paths and headers alike. ' +
        'Rate-limited answers carry `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset`; ' +
        '429 `RATE_LIMIT_EXCEEDED` adds `Retry-After`.',
    },
    servers: [{ url: '/', description: 'This server' }],
    tags: [
      { name: 'auth', description: 'Accounts and tokens (also at /oauth)' },
      { name: 'admin', description: 'Catalog administration (role admin)' },
      { name: 'events', description: 'Public catalog: search, details, seat maps' },
      { name: 'reservations', description: 'Seat holds' },
      { name: 'payment-methods', description: "The caller's saved cards (payment tokens only)" },
      { name: 'orders', description: 'Buying held seats, order status and cancellation with refund' },
      { name: 'tickets', description: "The caller's tickets, their QR codes, and transfers out" },
      { name: 'transfers', description: 'Accepting or taking back a ticket transfer' },
      { name: 'operations', description: 'Health, readiness, metrics, documentation' },
    ],
    paths: {
      ...operationsPaths,
      ...authOperations('/v1/auth'),
      ...authOperations('/oauth'),
      ...adminPaths,
      ...eventPaths,
      ...reservationPaths,
      ...paymentMethodPaths,
      ...orderPaths,
      ...ticketPaths,
      ...transferPaths,
    },
    components: {
      schemas,
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'Access token from POST /v1/auth/token. An invalid token is refused (401) even on public routes.',
        },
      },
      parameters: {
        EventId: {
          name: 'event_id',
          in: 'path',
          required: true,
          description: 'Event id',
          schema: { type: 'string' },
        },
        ReservationId: {
          name: 'reservation_id',
          in: 'path',
          required: true,
          description: 'Reservation (hold) id',
          schema: { type: 'string' },
        },
        OrderId: {
          name: 'order_id',
          in: 'path',
          required: true,
          description: 'Order id',
          schema: { type: 'string' },
        },
        TicketId: {
          name: 'ticket_id',
          in: 'path',
          required: true,
          description: 'Ticket id',
          schema: { type: 'string' },
        },
        TransferId: {
          name: 'transfer_id',
          in: 'path',
          required: true,
          description: 'Transfer id',
          schema: { type: 'string' },
        },
        MinLogPosition: {
          name: 'X-Min-Log-Position',
          in: 'header',
          description:
            'Wait (bounded, READ_YOUR_WRITES_TIMEOUT_MS, default 2s) until the read models include this log position ' +
            '(an `X-Log-Position` you were given). If they do not catch up in time the answer is served anyway with `X-Read-Model-Stale: true`.',
          schema: { type: 'string', pattern: '^\\d{1,15}$' },
        },
        IdempotencyKey: {
          name: 'Idempotency-Key',
          in: 'header',
          description:
            'Makes retries safe: 1-128 letters, digits or `. _ : -`, scoped to the caller. Otherwise 400 `INVALID_IDEMPOTENCY_KEY` ' +
            '(400 `RAW_CARD_DATA_REJECTED` when it holds a card-number shape, such as 16 digits in a row).',
          schema: { type: 'string', pattern: '^[A-Za-z0-9.:_-]{1,128}$' },
        },
      },
      headers: {
        'X-Request-Id': {
          description:
            "The request's id (the caller's own X-Request-Id, which must be 1-128 of `[A-Za-z0-9_.:-]`, else 400 " +
            '`INVALID_REQUEST_ID`); also `error.request_id`',
          schema: { type: 'string' },
        },
        'X-Log-Position': {
          description:
            'Global log position this command wrote; send it as X-Min-Log-Position to read your own writes',
          schema: { type: 'string', pattern: '^\\d+$' },
        },
        'X-Read-Model-Position': {
          description: 'Log position the read models had reached when this answer was made',
          schema: { type: 'string', pattern: '^\\d+$' },
        },
        'X-Read-Model-Stale': {
          description:
            '`true` when the read models did not reach X-Min-Log-Position in time (absent otherwise)',
          schema: { type: 'string', enum: ['true'] },
        },
        'X-RateLimit-Limit': {
          description: 'Requests allowed in the current window (when rate limits are on)',
          schema: { type: 'integer' },
        },
        'X-RateLimit-Remaining': {
          description: 'Requests left in the current window',
          schema: { type: 'integer' },
        },
        'X-RateLimit-Reset': {
          description: 'When the window resets (Unix time, seconds)',
          schema: { type: 'integer' },
        },
        'Retry-After': {
          description: 'Seconds to wait before retrying (429 and 503)',
          schema: { type: 'integer' },
        },
        Location: {
          description: 'URL of the created resource (the reservation, or the order)',
          schema: { type: 'string' },
        },
        'Idempotent-Replayed': {
          description:
            '`true` when this is the stored answer to an earlier request with the same Idempotency-Key',
          schema: { type: 'string', enum: ['true'] },
        },
      },
    },
  };
}
