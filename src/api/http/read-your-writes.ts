import type { RequestHandler } from 'express';
import { ApiError } from './api-error';

export interface ProjectionPosition {
  readonly position: number;
  waitFor(position: number, timeoutMs: number): Promise<boolean>;
}

/**
 * X-Min-Log-Position: wait (bounded) until the read models include that log position, so a client reads its
 * own writes. If they do not catch up in time the (stale) answer is still served, marked X-Read-Model-Stale.
 * Every read answer carries X-Read-Model-Position.
 */
export function readYourWrites(projections: ProjectionPosition, timeoutMs: number): RequestHandler {
  return async (req, res, next) => {
    const raw = req.get('x-min-log-position');
    if (raw !== undefined) {
      if (!/^\d{1,15}$/.test(raw))
        return next(
          new ApiError(400, 'INVALID_LOG_POSITION', 'X-Min-Log-Position must be a non-negative integer'),
        );
      const reached = await projections.waitFor(Number(raw), timeoutMs);
      if (!reached) res.setHeader('X-Read-Model-Stale', 'true');
    }
    res.setHeader('X-Read-Model-Position', String(projections.position));
    next();
  };
}
