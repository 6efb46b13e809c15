import { randomUUID } from 'node:crypto';
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { ConcurrencyConflictError } from '../../application/shared/stream-command-processor';
import { DomainError } from '../../domain/shared/errors';
import { ApiError, fromDomainError } from './api-error';

declare module 'express-serve-static-core' {
  interface Request {
    requestId: string;
  }
}

/** Every request gets an id (or keeps the caller's X-Request-Id if it is sane), echoed back and put in errors. */
export const requestId: RequestHandler = (req, res, next) => {
  const given = req.get('x-request-id');
  req.requestId = given && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
  res.setHeader('X-Request-Id', req.requestId);
  next();
};

export function sendError(req: Request, res: Response, error: ApiError): void {
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  res.status(error.status).json({
    error: {
      code: error.code,
      message: error.message,
      details: error.details,
      request_id: req.requestId,
      timestamp: new Date().toISOString(),
    },
  });
}

/** Maps anything thrown to the standard envelope; unknown errors are logged and answered 500 without internals. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    const apiError = toApiError(error);
    if (apiError.status >= 500)
      logger.error({ err: error, requestId: req.requestId, route: req.path }, 'request failed');
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
      return new ApiError(400, 'INVALID_JSON', 'The request body is not valid JSON');
    case 'entity.too.large':
      return new ApiError(413, 'PAYLOAD_TOO_LARGE', `The request body exceeds the limit of ${e.limit} bytes`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', e.message ?? 'Unsupported encoding');
    case 'request.aborted':
      return new ApiError(400, 'REQUEST_ABORTED', 'The request was aborted');
  }
  const status = e?.status ?? e?.statusCode;
  if (status && status >= 400 && status < 500)
    return new ApiError(status, 'BAD_REQUEST', e.expose && e.message ? e.message : 'Bad request');
  return new ApiError(500, 'INTERNAL_ERROR', 'Something went wrong on our side');
}

/** OAuth clients send token requests form-encoded; those two paths accept it as well. */
const FORM_ENCODED_PATHS = new Set(['/v1/auth/token', '/oauth/token']);

/** JSON bodies must say they are JSON; anything else on a write is refused rather than guessed at. */
export const requireJson: RequestHandler = (req, _res, next) => {
  const hasBody = req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0';
  const formOk = FORM_ENCODED_PATHS.has(req.path) && req.is('application/x-www-form-urlencoded');
  if (
    (hasBody || req.headers['transfer-encoding']) &&
    ['POST', 'PUT', 'PATCH'].includes(req.method) &&
    !req.is('application/json') &&
    !formOk
  ) {
    return next(new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json'));
  }
  next();
};

/** JSON bodies nested deeper than this are refused before recursive code (class-transformer, JSON.stringify) runs. */
export const MAX_BODY_DEPTH = 32;
/** Keys the DTO layer (class-transformer) silently drops, so they would slip past the unknown-field rule. */
export const SMUGGLED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor']);

/**
 * Parsed JSON bodies: 400 VALIDATION_ERROR for nesting deeper than MAX_BODY_DEPTH (a 100kb body of `[[[[...`
 * otherwise overflows the stack in the DTO transform or the idempotency fingerprint and answers 500) and for
 * `__proto__` / `constructor` keys at any depth. Iterative, and cheap for the small bodies of the hot path.
 */
export const guardJsonBody: RequestHandler = (req, _res, next) => {
  const body: unknown = req.body;
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
      if (SMUGGLED_KEYS.has(key)) {
        const fields = [{ field, errors: [`property ${key} should not exist`] }];
        return next(new ApiError(400, 'VALIDATION_ERROR', `Invalid body: ${field}`, { fields }));
      }
      const child = (node as Record<string, unknown>)[key];
      if (child !== null && typeof child === 'object') {
        stack.push({ node: child, depth: depth + 1, path: field });
      }
    }
  }
  next();
};

export const routeNotFound: RequestHandler = (req, _res, next) => {
  next(new ApiError(404, 'ROUTE_NOT_FOUND', `No route for ${req.method} ${req.path}`));
};
