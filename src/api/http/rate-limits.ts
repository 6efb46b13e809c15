import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { ApiError } from './api-error';
import { sendError } from './middleware';

/** Limits from the consumer API design, per minute unless said otherwise. */
export const RATE_LIMITS = {
  search: { limit: 100, windowMs: 60_000 },
  eventDetails: { limit: 200, windowMs: 60_000 },
  seatMap: { limit: 50, windowMs: 60_000 },
  reserve: { limit: 10, windowMs: 60_000 },
  queueStatus: { limit: 2, windowMs: 60_000 },
  authenticated: { limit: 1000, windowMs: 3_600_000 },
  /** Not in the seed: login and registration, against password guessing. */
  auth: { limit: 30, windowMs: 60_000 },
} as const;

export type RateLimitName = keyof typeof RATE_LIMITS;

/** Keyed by user when signed in, else by client address; answers 429 in the standard envelope with Retry-After. */
export function createRateLimiter(name: RateLimitName, enabled: boolean): RequestHandler {
  if (!enabled) return (_req, _res, next) => next();
  const { limit, windowMs } = RATE_LIMITS[name];
  return rateLimit({
    windowMs,
    limit,
    standardHeaders: false,
    legacyHeaders: true, // X-RateLimit-Limit / -Remaining / -Reset, as the seed specifies
    // req.ip honours X-Forwarded-For only from the proxies TRUST_PROXY names (off by default), so a client
    // cannot pick its own key. An X-Forwarded-For we ignore on purpose is not a misconfiguration to report.
    validate: { xForwardedForHeader: false },
    keyGenerator: (req: Request) =>
      req.auth ? `user:${req.auth.sub}` : `ip:${ipKeyGenerator(req.ip ?? 'unknown')}`,
    skip: (req: Request) => name === 'authenticated' && !req.auth,
    handler: (req, res, _next, options) => {
      const retryAfter = Math.max(1, Math.ceil(options.windowMs / 1000));
      const reset = res.getHeader('X-RateLimit-Reset');
      const seconds = reset ? Math.max(1, Number(reset) - Math.floor(Date.now() / 1000)) : retryAfter;
      sendError(
        req,
        res,
        new ApiError(
          429,
          'RATE_LIMIT_EXCEEDED',
          `Too many requests: at most ${limit} per ${windowMs / 1000}s`,
          { limit },
          { 'Retry-After': String(seconds) },
        ),
      );
    },
  });
}
