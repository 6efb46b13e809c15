import type { Request, RequestHandler, Response } from 'express';
import type { CommandMetadata } from '../../application/shared/command-metadata';

/**
 * Metadata for the events a request causes: who, which request, and the correlation it belongs to (which the
 * operation already answers in X-Correlation-Id: see correlationHeader).
 */
export function commandMetadata(req: Request): CommandMetadata {
  // Both headers were checked for a safe id shape (and card data) by the requestId middleware.
  const sessionId = req.get('x-session-id');
  const userId = req.auth?.sub ?? 'anonymous';
  const correlationId = correlationOf(req, userId);
  return {
    correlationId,
    causationId: req.requestId,
    userId,
    requestId: req.requestId,
    ...(sessionId ? { sessionId } : {}),
    ...(req.apiKey ? { apiKeyId: req.apiKey.keyId } : {}),
  };
}

/**
 * X-Correlation-Id: the correlation the events of the request are filed under, on every answer of an operation that
 * writes events (the first step of its chain, api-router.ts), errors included, so a refusal can be looked up too.
 */
export const correlationHeader: RequestHandler = (req, res, next) => {
  res.setHeader('X-Correlation-Id', correlationOf(req, req.auth?.sub ?? 'anonymous'));
  next();
};

/**
 * The correlation id a request's events carry (echoed in X-Correlation-Id): the client's X-Correlation-Id (else the
 * X-Request-Id it chose) scoped to the caller as `{user id}:{id}`, or the request id the server made up. Taken as
 * sent, a client-chosen id let anyone file their events under another buyer's purchase (or request), and an auditor
 * following that purchase found them there.
 */
function correlationOf(req: Request, userId: string): string {
  const chosen =
    req.get('x-correlation-id') ?? (req.get('x-request-id') === req.requestId ? req.requestId : undefined);
  return chosen === undefined ? req.requestId : `${userId}:${chosen}`;
}

/** Every command response says where in the log it wrote, so the client can read its own writes. */
export function setLogPosition(res: Response, position: number): void {
  res.setHeader('X-Log-Position', String(position));
}

/** Answers a command: where it wrote (X-Log-Position), then its status, with `body` as JSON or with none. */
export function answerCommand(
  res: Response,
  status: number,
  { position }: { position: number },
  body?: unknown,
): void {
  setLogPosition(res, position);
  if (body === undefined) res.status(status).end();
  else res.status(status).json(body);
}

/** A path parameter as a string (express types them loosely when several handlers share a route). */
export function pathParam(req: Request, name: string): string {
  const value = (req.params as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(value) ? value.join('/') : (value ?? '');
}
