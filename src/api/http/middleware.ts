import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { ConcurrencyConflictError } from '../../application/shared/stream-command-processor';
import { DomainError } from '../../domain/shared/errors';
import { ApiError, fromDomainError } from './api-error';
import { RAW_CARD_DATA_MESSAGE, isSafeClientId } from './card-data-guard';
import { containsCardNumber, idHoldsCardNumber, redactCardNumbers } from './card-number-scan';
import { sendJson } from './json-answer';
import { UNSAFE_IN_NAMES_PATTERN } from '../dto/validators';

declare module 'express-serve-static-core' {
  interface Request {
    requestId: string;
  }
}

/**
 * Headers the service keeps (in event metadata, the idempotency table, log lines) or echoes. Ids and keys must
 * have the safe shape (1-128 of `[A-Za-z0-9._:-]`) and never hold a card-number-shaped run; the others only the
 * latter. Checked once, before anything reads them.
 */
const KEPT_HEADERS: ReadonlyArray<{ name: string; label: string; id: boolean; code: string }> = [
  { name: 'x-request-id', label: 'X-Request-Id', id: true, code: 'INVALID_REQUEST_ID' },
  { name: 'x-correlation-id', label: 'X-Correlation-Id', id: true, code: 'INVALID_CORRELATION_ID' },
  { name: 'idempotency-key', label: 'Idempotency-Key', id: true, code: 'INVALID_IDEMPOTENCY_KEY' },
  { name: 'x-session-id', label: 'X-Session-ID', id: true, code: 'INVALID_HEADER' },
  { name: 'x-device-id', label: 'X-Device-ID', id: false, code: 'INVALID_HEADER' },
  // Never kept itself (only the id of the key it names), but bounded and scanned like the others before the lookup.
  { name: 'x-api-key', label: 'X-API-Key', id: true, code: 'INVALID_HEADER' },
];
const MAX_HEADER_VALUE = 512;

/** Why a kept header is refused (400), or undefined when it is fine or absent. */
export function checkKeptHeaders(req: Request): ApiError | undefined {
  // Node keeps the first of two Authorization headers and drops the other: two credentials are refused instead.
  if ((req.headersDistinct?.authorization?.length ?? 0) > 1)
    return new ApiError(400, 'INVALID_HEADER', 'Authorization is given more than once', {
      field: 'headers.authorization',
    });
  for (const { name, label, id, code } of KEPT_HEADERS) {
    const value = req.headers[name];
    if (value === undefined) continue;
    // A repeated header arrives as an array (or joined with ", "): one value only.
    const text = Array.isArray(value) ? value.join(', ') : value;
    if (id ? idHoldsCardNumber(text) : containsCardNumber(text)) {
      return new ApiError(400, 'RAW_CARD_DATA_REJECTED', RAW_CARD_DATA_MESSAGE, { field: `headers.${name}` });
    }
    if (id ? !isSafeClientId(text) : text.length > MAX_HEADER_VALUE) {
      const shape = id ? '1-128 letters, digits, or . _ : -' : `at most ${MAX_HEADER_VALUE} characters`;
      return new ApiError(400, code, `${label} must be ${shape}`, { field: `headers.${name}` });
    }
  }
  return undefined;
}

/**
 * Every request gets an id: the caller's X-Request-Id, or a fresh one. It is echoed back and put in errors,
 * events and log lines, so a client-chosen one that is not a safe id (or looks like a card number) is refused
 * with 400 rather than replaced silently; the same holds for the other headers the service keeps.
 */
export const requestId: RequestHandler = (req, res, next) => {
  const refused = checkKeptHeaders(req);
  req.requestId = refused ? randomUUID() : (req.get('x-request-id') ?? randomUUID());
  res.setHeader('X-Request-Id', req.requestId);
  next(refused);
};

/** Client text echoed in an error (ids, field names, paths) is cut to this many characters. */
export const MAX_ECHO = 64;
const MAX_MESSAGE = 200;
const MAX_ECHOED_ITEMS = 100;

const INVISIBLE = new RegExp(UNSAFE_IN_NAMES_PATTERN, 'gu');
/**
 * Client text as an error shows it: cut to `max`, and every invisible or direction-changing character (a NUL, a
 * right-to-left override) written out as `\u{202E}`, so the answer shows what was sent, not a spoofed rendering.
 */
const clip = (text: string, max: number) => {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return cut.replace(
    INVISIBLE,
    (c) => `\\u{${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}}`,
  );
};

/** Details the server issued itself, never client text: kept whole (the fresh queue token of ALREADY_IN_QUEUE). */
const ISSUED_DETAILS: ReadonlySet<string> = new Set(['queue_token']);

/**
 * Details are built from client values (seat ids, field names): bounded here, once, for every error. Validator
 * messages (`fields[].errors`) are our own sentences about declared fields, so they get the message's bound.
 */
function clipDetails(value: unknown, max = MAX_ECHO, depth = 0): unknown {
  if (typeof value === 'string') return clip(value, max);
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ECHOED_ITEMS).map((item) => clipDetails(item, max, depth + 1));
    return value.length > MAX_ECHOED_ITEMS ? [...items, `… ${value.length - MAX_ECHOED_ITEMS} more`] : items;
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[clip(key, MAX_ECHO)] =
      depth === 0 && ISSUED_DETAILS.has(key) && typeof item === 'string'
        ? item
        : clipDetails(item, key === 'errors' ? MAX_MESSAGE : MAX_ECHO, depth + 1);
  }
  return out;
}

export function sendError(req: Request, res: Response, error: ApiError): void {
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  sendJson(res, error.status, {
    error: {
      code: error.code,
      message: clip(error.message, MAX_MESSAGE),
      details: clipDetails(error.details),
      request_id: req.requestId,
      timestamp: new Date().toISOString(),
    },
  });
}

/**
 * The route template of the failed request (`/v1/orders/:id`), never its path: paths carry client values. The
 * mount prefixes are literal, so they are what is left of the path once the route's own segments are dropped.
 */
export function routeTemplate(req: Request): string {
  const routePath = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof routePath !== 'string') return '(unmatched)';
  const own = routePath.split('/').filter(Boolean).length;
  const segments = (req.originalUrl.split('?')[0] ?? '').split('/').filter(Boolean);
  const prefix = segments.slice(0, Math.max(0, segments.length - own)).join('/');
  return `/${prefix}${routePath === '/' ? '' : routePath}`.replace(/\/\/+/g, '/');
}

/**
 * Refusals the code chose to answer (a full queue, contention, a payment provider down): not failures. A 500 never
 * is one, even as an ApiError (an unexpected error converted on the way keeps its stack in the log).
 */
const isRefusal = (error: unknown, status: number) =>
  status !== 500 &&
  (error instanceof ApiError || error instanceof DomainError || error instanceof ConcurrencyConflictError);

/**
 * Maps anything thrown to the standard envelope; unknown errors are logged (error, with the stack) and answered 500
 * without internals. An expected 5xx refusal (503 QUEUE_FULL, SERVICE_UNAVAILABLE, PAYMENT_UNAVAILABLE) is one warn
 * line with its code and no stack: an on-sale answers thousands of them, and they must not bury real failures.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    const apiError = toApiError(error);
    if (apiError.status >= 500 && isRefusal(error, apiError.status)) {
      const { status, code } = apiError;
      logger.warn(
        { status, code, requestId: req.requestId, method: req.method, route: routeTemplate(req) },
        'request refused',
      );
    } else if (apiError.status >= 500) {
      // The message and stack of an unexpected error may quote client input: card-number runs are masked.
      const e = error as { name?: unknown; message?: unknown; stack?: unknown } | undefined;
      const err = {
        type: typeof e?.name === 'string' ? e.name : typeof error,
        message: redactCardNumbers(clip(String(e?.message ?? error), 500)),
        stack: typeof e?.stack === 'string' ? redactCardNumbers(e.stack) : undefined,
      };
      logger.error(
        { err, requestId: req.requestId, method: req.method, route: routeTemplate(req) },
        'request failed',
      );
    }
    sendError(req, res, apiError);
  };
}

export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof DomainError) return fromDomainError(error);
  if (error instanceof ConcurrencyConflictError) {
    return new ApiError(
      503,
      'SERVICE_UNAVAILABLE',
      'Too much contention on this event right now; retry shortly',
      {},
      { 'Retry-After': '1' },
    );
  }
  const e = error as {
    type?: string;
    status?: number;
    statusCode?: number;
    expose?: boolean;
    message?: string;
    limit?: number;
  };
  // body-parser errors carry a type and a 4xx status.
  switch (e?.type) {
    case 'entity.parse.failed':
      // The strict parser refuses JSON that is not an object or an array (`null`, `"x"`, `1`) as a parse error:
      // answered as `[]` is, for what it is.
      if (isJsonText((error as { body?: unknown }).body))
        return new ApiError(400, 'VALIDATION_ERROR', 'The request body must be a JSON object');
      return new ApiError(400, 'INVALID_JSON', 'The request body is not valid JSON');
    case 'entity.too.large':
      return new ApiError(413, 'PAYLOAD_TOO_LARGE', `The request body exceeds the limit of ${e.limit} bytes`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', e.message ?? 'Unsupported encoding');
    case 'request.aborted':
      return new ApiError(400, 'REQUEST_ABORTED', 'The request was aborted');
  }
  // body-parser passes zlib's error on (400) when the bytes do not decode with their Content-Encoding.
  const zlibCode = (error as { code?: unknown } | undefined)?.code;
  if (typeof zlibCode === 'string' && /^(Z_|ERR__)/.test(zlibCode))
    return new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'The body does not decode with its Content-Encoding');
  // The router cannot decode a path parameter with a malformed percent-encoding.
  if (error instanceof URIError && e.status === 400)
    return new ApiError(400, 'BAD_REQUEST', 'The path holds a malformed percent-encoding');
  const status = e?.status ?? e?.statusCode;
  if (status && status >= 400 && status < 500)
    return new ApiError(status, 'BAD_REQUEST', e.expose && e.message ? e.message : 'Bad request');
  return new ApiError(500, 'INTERNAL_ERROR', 'Something went wrong on our side');
}

/**
 * JSON bodies must say they are JSON; anything else on a write is refused rather than guessed at. A form body is
 * marked (`req.formEncoded`) and parsed like JSON: the operations that take one say so (OperationSpec.formBody:
 * OAuth token requests, RFC 6749 4.1.3), and every other operation refuses it (415) when the request reaches it.
 */
export const requireJson: RequestHandler = (req, _res, next) => {
  const hasBody = req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0';
  if (
    (hasBody || req.headers['transfer-encoding']) &&
    ['POST', 'PUT', 'PATCH'].includes(req.method) &&
    !isJsonBody(req)
  ) {
    if (!req.is('application/x-www-form-urlencoded'))
      return next(new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json'));
    req.formEncoded = true;
  }
  next();
};

/** The spellings of the JSON media type nearly every client sends, recognised without parsing the header. */
const PLAIN_JSON_TYPES: ReadonlySet<string> = new Set([
  'application/json',
  'application/json; charset=utf-8',
]);

/**
 * `req.is('application/json')` for a request with a body (requireJson, and express.json's `type`, ask only then),
 * without parsing the Content-Type header for its usual spellings: the body middleware asked it three times per
 * request, each a parse of the header.
 */
export function isJsonBody(req: IncomingMessage): boolean {
  const type = req.headers['content-type'];
  if (type !== undefined && PLAIN_JSON_TYPES.has(type.toLowerCase())) return true;
  // Always an express request here (the parsers run in the app); typed as body-parser hands it over.
  return Boolean((req as Request).is('application/json'));
}

/** JSON bodies nested deeper than this are refused before recursive code (class-transformer, JSON.stringify) runs. */
export const MAX_BODY_DEPTH = 32;
/** Keys the DTO layer (class-transformer) silently drops, so they would slip past the unknown-field rule. */
export const SMUGGLED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor']);

/** A UTF-16 surrogate that is not part of a pair (JSON allows `"\ud800"`); validators and storage choke on it. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

const invalid = (field: string, error: string) =>
  new ApiError(400, 'VALIDATION_ERROR', `Invalid body: ${field}`, { fields: [{ field, errors: [error] }] });

/**
 * Parsed JSON bodies: 400 VALIDATION_ERROR for nesting deeper than MAX_BODY_DEPTH (a 100kb body of `[[[[...`
 * otherwise overflows the stack in the DTO transform or the idempotency fingerprint and answers 500), for
 * `__proto__` / `constructor` keys at any depth, and for lone surrogates in any key or string (not Unicode text:
 * the email validator throws on them). Iterative, and cheap for the small bodies of the hot path.
 */
export const guardJsonBody: RequestHandler = (req, _res, next) => {
  const body: unknown = req.body;
  if (typeof body === 'string' && LONE_SURROGATE.test(body)) return next(invalid('(body)', 'lone surrogate'));
  if (body === null || typeof body !== 'object') return next();
  const stack: Array<{ node: object; depth: number; path: string }> = [{ node: body, depth: 1, path: '' }];
  while (stack.length > 0) {
    const { node, depth, path } = stack.pop()!;
    if (depth > MAX_BODY_DEPTH) {
      const message = `The request body is nested more than ${MAX_BODY_DEPTH} levels deep`;
      return next(new ApiError(400, 'VALIDATION_ERROR', message, { max_depth: MAX_BODY_DEPTH }));
    }
    for (const key of Object.keys(node)) {
      const field = path ? `${path}.${key}` : key;
      if (SMUGGLED_KEYS.has(key)) return next(invalid(field, `property ${key} should not exist`));
      const child = (node as Record<string, unknown>)[key];
      if (LONE_SURROGATE.test(key) || (typeof child === 'string' && LONE_SURROGATE.test(child))) {
        return next(invalid(field, 'must be well-formed Unicode text (no lone surrogates)'));
      }
      if (child !== null && typeof child === 'object') {
        stack.push({ node: child, depth: depth + 1, path: field });
      }
    }
  }
  next();
};

function isJsonText(text: unknown): boolean {
  if (typeof text !== 'string') return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** No operation took the request: a body the body middleware refused is still the answer (see readBody). */
export const routeNotFound: RequestHandler = (req, _res, next) => {
  next(req.bodyError ?? new ApiError(404, 'ROUTE_NOT_FOUND', `No route for ${req.method} ${req.path}`));
};

/**
 * Express's routers answer OPTIONS themselves (200 `GET, HEAD, POST`, text) on any path that has a route. The API
 * declares no OPTIONS operation (and serves no CORS), so it is an unknown method like any other: 404
 * ROUTE_NOT_FOUND in the envelope. Mounted before the routers.
 */
export const refuseOptions: RequestHandler = (req, res, next) =>
  req.method === 'OPTIONS' ? routeNotFound(req, res, next) : next();
