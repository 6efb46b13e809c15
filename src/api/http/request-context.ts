import type { Request, Response } from 'express';
import type { CommandMetadata } from '../../application/shared/command-metadata';

/** Metadata for the events a request causes: who, which request, and the correlation it belongs to. */
export function commandMetadata(req: Request): CommandMetadata {
  // Both headers were checked for a safe id shape (and card data) by the requestId middleware.
  const sessionId = req.get('x-session-id');
  return {
    correlationId: req.get('x-correlation-id') ?? req.requestId,
    causationId: req.requestId,
    userId: req.auth?.sub ?? 'anonymous',
    requestId: req.requestId,
    ...(sessionId ? { sessionId } : {}),
    ...(req.apiKey ? { apiKeyId: req.apiKey.keyId } : {}),
  };
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
