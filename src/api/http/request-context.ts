import type { Request, Response } from 'express';
import type { CommandMetadata } from '../../application/shared/command-metadata';

/** Metadata for the events a request causes: who, which request, and the correlation it belongs to. */
export function commandMetadata(req: Request): CommandMetadata {
  const correlation = req.get('x-correlation-id');
  return {
    correlationId: correlation && /^[\w.:-]{1,128}$/.test(correlation) ? correlation : req.requestId,
    causationId: req.requestId,
    userId: req.auth?.sub ?? 'anonymous',
    requestId: req.requestId,
  };
}

/** Every command response says where in the log it wrote, so the client can read its own writes. */
export function setLogPosition(res: Response, position: number): void {
  res.setHeader('X-Log-Position', String(position));
}

/** A path parameter as a string (express types them loosely when several handlers share a route). */
export function pathParam(req: Request, name: string): string {
  const value = (req.params as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(value) ? value.join('/') : (value ?? '');
}
