import type {
  HeaderObject,
  ParameterObject,
  ReferenceObject,
  ResponseObject,
  SchemaObject,
} from 'openapi3-ts/oas30';
import { RATE_LIMITS, type RateLimitName } from '../http/rate-limits';
import { component, dateTime, ISO, object, str, type Schema } from './schema';

/**
 * The parts every operation shares, declared once: the error envelope, the headers and parameters, and the
 * errors each class of route can answer (bad token, body errors, rate limits, contention, malformed path, ...).
 */

export const ErrorEnvelope = component(
  'Error',
  object(
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
);

const headerRef = (name: keyof typeof HEADERS): ReferenceObject => ({ $ref: `#/components/headers/${name}` });
export const paramRef = (name: keyof typeof PARAMETERS): ReferenceObject => ({
  $ref: `#/components/parameters/${name}`,
});

/** A response header: what it says, and the shape of its value. */
const header = (description: string, schema: SchemaObject): HeaderObject => ({ description, schema });
const string: SchemaObject = { type: 'string' };
const integer: SchemaObject = { type: 'integer' };
const digits: SchemaObject = { type: 'string', pattern: '^\\d+$' };
const trueOnly: SchemaObject = { type: 'string', enum: ['true'] };

export const HEADERS = {
  'X-Request-Id': header(
    "The request's id (the caller's own X-Request-Id, which must be 1-128 of `[A-Za-z0-9_.:-]`, else 400 " +
      '`INVALID_REQUEST_ID`); also `error.request_id`',
    string,
  ),
  'X-Correlation-Id': header(
    'The correlation the events this request writes are filed under (look them up at ' +
      '`GET /v1/audit/correlations/{correlation_id}`): `{user id}:{your X-Correlation-Id}` (else `{user id}:{your ' +
      "X-Request-Id}`), or the request id the server made up; on a replayed answer, the first request's. On every " +
      'answer of an operation that writes events, its refusals included, but those made before the request reaches ' +
      'it: an unsafe header (400), an invalid bearer token (401), 408 and 431',
    { type: 'string', maxLength: 300 },
  ),
  'X-Log-Position': header(
    'Global log position this command wrote; send it as X-Min-Log-Position to read your own writes',
    digits,
  ),
  'X-Read-Model-Position': header(
    'Log position the read models had reached when this answer was made',
    digits,
  ),
  'X-Read-Model-Stale': header(
    '`true` when the read models did not reach X-Min-Log-Position in time (absent otherwise)',
    trueOnly,
  ),
  'X-RateLimit-Limit': header('Requests allowed in the current window (when rate limits are on)', integer),
  'X-RateLimit-Remaining': header('Requests left in the current window', integer),
  'X-RateLimit-Reset': header('When the window resets (Unix time, seconds)', integer),
  'Retry-After': header('Seconds to wait before retrying (429 and 503), or before polling (202)', integer),
  'Ratelimit-Quota-Allowed': header(
    "Partner API: the client's quota, requests per hour (`quota_per_hour`)",
    integer,
  ),
  'Ratelimit-Quota-Used': header(
    'Partner API: requests counted in the current quota window, this one included',
    integer,
  ),
  'Ratelimit-Expiry': header('Partner API: when the quota window ends (Unix time, milliseconds)', integer),
  Location: header(
    'Where to go: the created resource (the reservation, the order), the polling URL of a 202, or the target of a ' +
      'redirect',
    string,
  ),
  ETag: header(
    'Weak tag of the version of the read model this answer shows (the log position of what it is made from); send it ' +
      'back as `If-None-Match` to be answered 304 while it has not changed',
    { type: 'string', pattern: '^W/"[A-Za-z0-9._-]+"$' },
  ),
  'Cache-Control': header(
    'Who may keep the answer and for how long (`public, max-age=1`: any cache, a CDN included, for one second; ' +
      '`private, no-cache`: only the caller, asking again each time)',
    string,
  ),
  Vary: header(
    '`X-Min-Log-Position`: a read-your-writes request is never answered from a copy cached for others',
    string,
  ),
  'Idempotent-Replayed': header(
    '`true` when this is the stored answer to an earlier request with the same Idempotency-Key',
    trueOnly,
  ),
} satisfies Record<string, HeaderObject>;

/** Names the log holds (streams, correlation ids): bounded, and free of characters that render invisibly. */
const LOG_NAME_PATTERN = '^[^\\p{Cc}\\p{Cf}\\p{Zl}\\p{Zp}]{1,300}$';

/** A path parameter; with a `pattern`, a value outside it is refused (400 VALIDATION_ERROR) before the handler. */
const pathParam = (name: string, description: string, pattern?: string): ParameterObject => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: { type: 'string', ...(pattern ? { pattern } : {}) },
});

export const PATH_PARAMETERS = {
  EventId: pathParam('event_id', 'Event id'),
  ReservationId: pathParam('reservation_id', 'Reservation (hold) id'),
  OrderId: pathParam('order_id', 'Order id'),
  TicketId: pathParam('ticket_id', 'Ticket id'),
  TransferId: pathParam('transfer_id', 'Transfer id'),
  PaymentMethodId: pathParam('payment_method_id', 'Payment method id'),
  ApiKeyId: pathParam('key_id', 'API key id (`key_id`, not the key)'),
  Stream: pathParam(
    'stream',
    'Stream name (`event-{id}`, `order-{id}`, `ticket-{id}`, `customer-{id}`, `queue-{event_id}`, ...); at most ' +
      '300 characters, none of them invisible (controls, format characters): no stream is named so',
    LOG_NAME_PATTERN,
  ),
  SeatId: pathParam('seat_id', 'Seat id (`{section_id}:{row}:{number}`)'),
  PollId: pathParam('poll_id', 'Polling id, from the `polling_url` of a 202 answer'),
  PartnerId: pathParam(
    'partner_id',
    'Partner client id (also its OAuth `client_id`)',
    '^[A-Za-z0-9_-]{1,64}$',
  ),
  CorrelationId: pathParam(
    'correlation_id',
    'Correlation id (the X-Correlation-Id or X-Request-Id of the request); at most 300 characters, none of them ' +
      'invisible',
    LOG_NAME_PATTERN,
  ),
};
export type PathParameterName = keyof typeof PATH_PARAMETERS;

/** The shape of the client-chosen ids the service keeps (card-data-guard.ts SAFE_CLIENT_ID). */
const SAFE_ID: SchemaObject = { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$', maxLength: 128 };

export const PARAMETERS = {
  ...PATH_PARAMETERS,
  RequestId: {
    name: 'X-Request-Id',
    in: 'header',
    description:
      "The request's id, chosen by the caller (a fresh one otherwise): echoed in the `X-Request-Id` response " +
      'header and `error.request_id`, and kept in the metadata of the events the request writes. 1-128 letters, ' +
      'digits or `. _ : -`, and no card-number shape; otherwise 400 `INVALID_REQUEST_ID` (`RAW_CARD_DATA_REJECTED`).',
    schema: SAFE_ID,
  },
  CorrelationIdHeader: {
    name: 'X-Correlation-Id',
    in: 'header',
    description:
      'Files the events this request writes under a correlation of your choosing (kept as `{user id}:{value}`, ' +
      'echoed in the `X-Correlation-Id` response header; without it, your `X-Request-Id` is used the same way, else ' +
      'the request id the server made up). Checked on every request: 1-128 letters, digits or `. _ : -`, and no ' +
      'card-number shape; otherwise 400 `INVALID_CORRELATION_ID` (`RAW_CARD_DATA_REJECTED`).',
    schema: SAFE_ID,
  },
  SessionId: {
    name: 'X-Session-ID',
    in: 'header',
    description:
      "The client's session, kept in the metadata of the events this request writes. Checked on every request: " +
      '1-128 letters, digits or `. _ : -`, and no card-number shape; otherwise 400 `INVALID_HEADER` ' +
      '(`RAW_CARD_DATA_REJECTED`).',
    schema: SAFE_ID,
  },
  DeviceId: {
    name: 'X-Device-ID',
    in: 'header',
    description:
      'The device fingerprint: the waiting room keeps it with your entry when the body has no `device_fingerprint`, ' +
      'and a reserve at a queue-protected event that sends it must come from the device that joined. Checked on ' +
      'every request: at most 512 characters, and no card number; otherwise 400 `INVALID_HEADER` ' +
      '(`RAW_CARD_DATA_REJECTED`).',
    schema: { type: 'string', maxLength: 512 },
  },
  QueueAccessToken: {
    name: 'X-Queue-Access-Token',
    in: 'header',
    description:
      'At a queue-protected event: the access token your waiting-room turn gave you (`GET /v1/queue/status`), sent ' +
      'beside your own bearer token (or send it as the bearer instead). Read only there: one that is not a valid ' +
      "queue access token, or is another event's, another user's, or of a turn that ended, is 403 `QUEUE_REQUIRED`.",
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
  IfNoneMatch: {
    name: 'If-None-Match',
    in: 'header',
    description:
      'The `ETag` of the copy you hold (or a comma-separated list of them, or `*`): while the answer would be the same, ' +
      'it is 304 Not Modified without a body (compared weakly: `W/"x"` and `"x"` are the same tag).',
    schema: { type: 'string', maxLength: 1024 },
  },
  ForcePolling: {
    name: 'X-Force-Polling',
    in: 'header',
    description:
      'Partner cart calls: `true` answers 202 `{polling_url, wait}` at once, as under load, and runs the call in the ' +
      "background (for testing a client's polling); `false`, or no header, lets the load decide; any other value is " +
      '400 `INVALID_HEADER`.',
    schema: { type: 'string', maxLength: 16 },
  },
  IdempotencyKey: {
    name: 'Idempotency-Key',
    in: 'header',
    description:
      'Makes retries safe: 1-128 letters, digits or `. _ : -`, scoped to the caller. Otherwise 400 `INVALID_IDEMPOTENCY_KEY` ' +
      '(400 `RAW_CARD_DATA_REJECTED` when it holds a card-number shape, such as 16 digits in a row). The first ' +
      'answer is kept and given again to a retry with the same key and body (another body: 422); 5xx answers and ' +
      'refusals of who is asking or when (401, 403, 429) are not kept, so a retry with the same key runs again.',
    schema: { type: 'string', pattern: '^[A-Za-z0-9.:_-]{1,128}$' },
  },
} satisfies Record<string, ParameterObject>;
/** The header parameters an operation may declare it reads (OperationSpec.headerParameters). */
export type HeaderParameterName = Exclude<keyof typeof PARAMETERS, PathParameterName>;
/**
 * Read for every operation (middleware.ts requestId): documented on each. (X-Correlation-Id and X-Session-ID are
 * checked on every request too, but only an operation that writes events keeps them: documented there.)
 */
export const EVERY_OPERATION_READS: HeaderParameterName[] = ['RequestId'];
/** What an operation that writes events reads for their metadata (request-context.ts commandMetadata). */
export const COMMAND_READS: HeaderParameterName[] = ['CorrelationIdHeader', 'SessionId'];

export const REQUEST_ID = { 'X-Request-Id': headerRef('X-Request-Id') };
export const CORRELATION = { 'X-Correlation-Id': headerRef('X-Correlation-Id') };
export const LOG_POSITION = { 'X-Log-Position': headerRef('X-Log-Position') };
export const READ_POSITION = {
  'X-Read-Model-Position': headerRef('X-Read-Model-Position'),
  'X-Read-Model-Stale': headerRef('X-Read-Model-Stale'),
};
export const RATE_LIMITED = {
  'X-RateLimit-Limit': headerRef('X-RateLimit-Limit'),
  'X-RateLimit-Remaining': headerRef('X-RateLimit-Remaining'),
  'X-RateLimit-Reset': headerRef('X-RateLimit-Reset'),
};
export const LOCATION = { Location: headerRef('Location') };
/** The headers of a conditional read's 200 and 304 (src/api/http/conditional-get.ts). */
export const CONDITIONAL = {
  ETag: headerRef('ETag'),
  'Cache-Control': headerRef('Cache-Control'),
  Vary: headerRef('Vary'),
};
/** Every answer under /partners/v1 to a partner client (its quota, FAQ "Event Availability"). */
export const PARTNER_QUOTA = {
  'Ratelimit-Quota-Allowed': headerRef('Ratelimit-Quota-Allowed'),
  'Ratelimit-Quota-Used': headerRef('Ratelimit-Quota-Used'),
  'Ratelimit-Expiry': headerRef('Ratelimit-Expiry'),
};
export const REPLAYED = { 'Idempotent-Replayed': headerRef('Idempotent-Replayed') };
export const RETRY_AFTER = { 'Retry-After': headerRef('Retry-After') };

/** Errors by status: a description and the `error.code` values it can carry. */
export type ErrorSpec = Partial<Record<number, [description: string, codes: string[]]>>;

/** The errors of one status. */
export const errorSpec = (status: number, description: string, ...codes: string[]): ErrorSpec => ({
  [status]: [description, codes],
});

const NO_VALID_TOKEN = '(message: "No valid access token found")';
export const INTERNAL = errorSpec(500, 'Unexpected failure; nothing internal is revealed', 'INTERNAL_ERROR');
export const CONTENTION = errorSpec(
  503,
  'Too much write contention on the event right now; retry after `Retry-After` seconds',
  'SERVICE_UNAVAILABLE',
);
export const BAD_TOKEN = errorSpec(
  401,
  `A bearer token was sent but is invalid, forged or expired ${NO_VALID_TOKEN}`,
  'UNAUTHORIZED',
);
export const NEEDS_TOKEN = errorSpec(401, `No valid bearer token ${NO_VALID_TOKEN}`, 'UNAUTHORIZED');
export const NEEDS_ADMIN: ErrorSpec = {
  ...NEEDS_TOKEN,
  ...errorSpec(403, 'The token is valid but its role is not `admin`', 'FORBIDDEN'),
};

/**
 * Checks every request passes before any route (so every operation can answer them): the headers the service
 * keeps must be safe ids, and no header, path segment or query value may hold a card number. A JSON body can come
 * with any method, so its errors can too.
 */
export const EVERY_REQUEST: ErrorSpec = {
  400: [
    'An unsafe `X-Request-Id`, `X-Correlation-Id`, `Idempotency-Key`, `X-Session-ID` or `X-API-Key` (1-128 of `[A-Za-z0-9._:-]`), ' +
      'an `X-Device-ID` over 512 characters, or a card number in a header, the path or the query string; or a body ' +
      'that is not valid JSON (invalid UTF-8 bytes and a key repeated in one object included), not a JSON object, ' +
      'nested more than 32 levels, holds a lone UTF-16 surrogate or a ' +
      'card number or security code (never accepted anywhere: send a payment token); or a request that is not ' +
      'valid HTTP (`BAD_REQUEST`, answered before any route)',
    [
      'BAD_REQUEST',
      'INVALID_REQUEST_ID',
      'INVALID_CORRELATION_ID',
      'INVALID_IDEMPOTENCY_KEY',
      'INVALID_HEADER',
      'RAW_CARD_DATA_REJECTED',
      'INVALID_JSON',
      'VALIDATION_ERROR',
    ],
  ],
  408: [
    'The request line and headers did not arrive in time (answered before any route)',
    ['REQUEST_TIMEOUT'],
  ],
  413: ['The body is larger than the limit (BODY_LIMIT, default 100kb)', ['PAYLOAD_TOO_LARGE']],
  431: [
    'The request line and headers are larger than 16 KB (answered before any route)',
    ['HEADERS_TOO_LARGE'],
  ],
};
/** Bodies must be JSON (token requests may send a form), plain or in an encoding the server decodes. */
export const BODY_TYPE = errorSpec(
  415,
  'A body (on POST, PUT or PATCH) that is not `application/json`, or a body in an unsupported charset or content encoding, or whose bytes do not decode with its `Content-Encoding`',
  'UNSUPPORTED_MEDIA_TYPE',
);
/** Express decodes path parameters; a malformed percent-encoding in one cannot be decoded. */
export const MALFORMED_PATH = errorSpec(
  400,
  'A path parameter with a malformed percent-encoding (`%E0%A4%A`)',
  'BAD_REQUEST',
);
export const READ_YOUR_WRITES = errorSpec(
  400,
  '`X-Min-Log-Position` is not a non-negative integer',
  'INVALID_LOG_POSITION',
);
export const IDEMPOTENCY = errorSpec(
  422,
  'An Idempotency-Key reused with another body',
  'IDEMPOTENCY_KEY_REUSED',
);

export function validation(what: string, extraCodes: string[] = []): ErrorSpec {
  return errorSpec(
    400,
    `${what}; \`details.fields\` lists each bad field with its messages`,
    'VALIDATION_ERROR',
    ...extraCodes,
  );
}

/** `30 per minute` from rate-limits.ts, so the document says what the limiter does. */
export function describeLimit(name: RateLimitName): string {
  const { limit, windowMs } = RATE_LIMITS[name];
  if (name === 'authenticated') return `signed-in users: ${limit} requests per hour across /v1`;
  const per = windowMs === 60_000 ? 'minute' : `${windowMs / 1000}s`;
  return `${limit} per ${per}${name === 'auth' || name === 'queueChallenge' ? ' per client' : ''}`;
}

/** Operations under the API-key check (/v1): a key that is sent must be valid; REQUIRE_API_KEY makes it mandatory. */
export function apiKeyErrors(required: boolean): ErrorSpec {
  return {
    401: [
      required
        ? '`X-API-Key` is missing (`API_KEY_REQUIRED`: this server requires one), unknown or revoked (`INVALID_API_KEY`)'
        : '`X-API-Key` is unknown or revoked (`INVALID_API_KEY`)',
      required ? ['API_KEY_REQUIRED', 'INVALID_API_KEY'] : ['INVALID_API_KEY'],
    ],
    429: [
      "Rate limit exceeded: the API key's own `rate_limit_per_hour` (when it has one)",
      ['RATE_LIMIT_EXCEEDED'],
    ],
  };
}

export const rateLimit = (names: RateLimitName[]): ErrorSpec =>
  names.length === 0
    ? {}
    : errorSpec(429, `Rate limit exceeded (${names.map(describeLimit).join('; ')})`, 'RATE_LIMIT_EXCEEDED');

/** Merges error specs into responses: one per status, its descriptions joined and its codes listed once. */
export function errorResponses(specs: ErrorSpec[]): Record<string, ResponseObject> {
  const collected = new Map<string, { descriptions: string[]; codes: string[] }>();
  for (const spec of specs) {
    for (const [status, entry] of Object.entries(spec)) {
      if (!entry) continue;
      const [description, codes] = entry;
      const merged = collected.get(status) ?? { descriptions: [], codes: [] };
      if (!merged.descriptions.includes(description)) merged.descriptions.push(description);
      for (const code of codes) if (!merged.codes.includes(code)) merged.codes.push(code);
      collected.set(status, merged);
    }
  }
  // Every 429 and 503 says when to retry; X-RateLimit-* come with the rate limiters' 429 only (the partner quota's
  // says its state in Ratelimit-Quota-*, its gate's headers).
  const retryHeaders = (status: string, codes: string[]) =>
    status === '429'
      ? { ...(codes.includes('RATE_LIMIT_EXCEEDED') ? RATE_LIMITED : {}), ...RETRY_AFTER }
      : status === '503'
        ? RETRY_AFTER
        : {};
  return Object.fromEntries(
    [...collected]
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([status, { descriptions, codes }]) => [
        status,
        {
          description: `${descriptions.join('; or: ')}. \`error.code\`: ${codes.map((c) => `\`${c}\``).join(', ')}.`,
          headers: { ...REQUEST_ID, ...retryHeaders(status, codes) },
          content: { 'application/json': { schema: ErrorEnvelope as Schema } },
          'x-error-codes': codes,
        },
      ]),
  );
}
