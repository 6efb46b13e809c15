import type { Request, RequestHandler } from 'express';
import { rateLimit, type RateLimitInfo } from 'express-rate-limit';
import type { Logger } from 'pino';
import type { PartnerAccess } from '../../application/partner/partner-directory';
import type { PartnerService } from '../../application/partner/partner-service';
import { errorSpec, type ErrorSpec } from '../contract/common';
import { ApiError, forbidden, unauthorized } from '../http/api-error';
import { sendError } from '../http/middleware';
import type { RateLimitStoreFactory } from '../http/rate-limits';

declare module 'express-serve-static-core' {
  interface Request {
    /** The partner client of a /partners/v1 request, once its token passed the client check. */
    partner?: PartnerAccess;
  }
}

/** The quota window: `quota_per_hour` requests per hour per partner client. */
export const QUOTA_WINDOW_MS = 3_600_000;

/**
 * The partner client behind the bearer token: a partner token (403 for a customer's or an admin's), of a client
 * that is still active, within its hour on the application's clock (401 `No valid access token found` otherwise, the
 * FAQ's words). Revocation is looked up in this process's directory: one map lookup per request.
 */
export function partnerClientCheck(partners: Pick<PartnerService, 'checkAccess'>): RequestHandler {
  return async (req, _res, next) => {
    const access = req.auth;
    if (!access) return next(unauthorized());
    if (access.role !== 'partner')
      return next(forbidden('The Partner API needs a partner client token (grant_type=client_credentials)'));
    const partner = await partners.checkAccess(access);
    if (!partner) return next(unauthorized());
    req.partner = partner;
    next();
  };
}

const QUOTA_HEADERS = (info: RateLimitInfo) => ({
  'Ratelimit-Quota-Allowed': String(info.limit),
  'Ratelimit-Quota-Used': String(info.used),
  // Milliseconds since the epoch, as the quota's expiry time is usually given (Apigee's expiry.time).
  ...(info.resetTime ? { 'Ratelimit-Expiry': String(info.resetTime.getTime()) } : {}),
});

/**
 * The partner's hourly quota (FAQ "Event Availability": 429 on a quota violation, "the quota limit variables can be
 * found in the response header"): every answer carries Ratelimit-Quota-Allowed, -Used and -Expiry; past the quota,
 * 429 QUOTA_EXCEEDED with Retry-After, except on a poll (GET /polling/{id}), which is counted and still answered.
 *
 * Counted by express-rate-limit in the same store as the consumer rate limits: Redis with REDIS_URL (one budget
 * across API processes, through the one Redis connection the limits use), else this process's memory. Quotas are
 * part of a partner's contract, so they hold whatever RATE_LIMITS says (give a load-testing client a large
 * quota_per_hour). A store that fails lets the request through without the headers, as the rate limits do: an
 * outage of the counters must not become an outage of the partner API.
 */
export function partnerQuota(options: { store?: RateLimitStoreFactory; logger?: Logger }): RequestHandler {
  const limiter = rateLimit({
    windowMs: QUOTA_WINDOW_MS,
    limit: (req: Request) => req.partner?.quotaPerHour ?? 1,
    standardHeaders: false,
    legacyHeaders: false,
    requestPropertyName: 'partnerQuota',
    store: options.store?.('partnerQuota'),
    passOnStoreError: true,
    validate: { xForwardedForHeader: false },
    keyGenerator: (req: Request) => `partner:${req.partner?.partnerId}`,
    logger: {
      warn: (err, message) =>
        options.logger?.warn({ err, limiter: 'partnerQuota' }, message ?? 'quota warning'),
      error: (err, message) =>
        options.logger?.warn({ err, limiter: 'partnerQuota' }, message ?? 'quota error'),
    },
    handler: (req, res, next) => {
      const info = quotaOf(req);
      if (info) res.set(QUOTA_HEADERS(info));
      // A poll collects the answer of a call the quota already let through (a commit that ran): counted, and
      // answered past the quota, or the client could not learn whether it bought the seats for up to an hour.
      // Deleting a cart the quota let be made is answered too: its seats would stay held until the cart expired.
      if (isPoll(req) || isCartRelease(req)) return next();
      const seconds = info?.resetTime ? Math.ceil((info.resetTime.getTime() - Date.now()) / 1000) : 0;
      sendError(
        req,
        res,
        new ApiError(
          429,
          'QUOTA_EXCEEDED',
          `Quota exceeded: at most ${info?.limit ?? req.partner?.quotaPerHour} requests per hour`,
          { quota_per_hour: info?.limit ?? req.partner?.quotaPerHour },
          { 'Retry-After': String(Math.max(1, seconds)) },
        ),
      );
    },
  });
  return (req, res, next) =>
    limiter(req, res, (error?: unknown) => {
      if (error) return next(error);
      const info = quotaOf(req);
      if (info) res.set(QUOTA_HEADERS(info));
      next();
    });
}

/** The poll's route (polling.routes.ts), as express reports it on the request. */
export const POLL_ROUTE = '/polling/:id';

const isPoll = (req: Request) =>
  req.method === 'GET' && (req.route as { path?: unknown } | undefined)?.path === POLL_ROUTE;

/** The cart route (cart.routes.ts), as express reports it on the request. */
export const CART_ROUTE = '/events/:id/cart';

/** A DELETE of a cart gives its seats back: what the FAQ asks of partners (carts left to expire count against them). */
const isCartRelease = (req: Request) =>
  req.method === 'DELETE' && (req.route as { path?: unknown } | undefined)?.path === CART_ROUTE;

const quotaOf = (req: Request) => (req as Request & { partnerQuota?: RateLimitInfo }).partnerQuota;

/** What the client check and the quota can answer, on every operation under /partners/v1. */
export const PARTNER_ACCESS_ERRORS: ErrorSpec = {
  ...errorSpec(
    401,
    'The partner access token expired (after `expires_in` seconds: use the refresh token) or its client was revoked ' +
      '(message: "No valid access token found")',
    'UNAUTHORIZED',
  ),
  ...errorSpec(403, "The bearer token is not a partner client's", 'FORBIDDEN'),
  ...errorSpec(
    429,
    "The partner's hourly quota (`quota_per_hour`) is used up: see the Ratelimit-Quota-* headers, retry after " +
      '`Retry-After` seconds (polls and cart deletions are still answered, and counted)',
    'QUOTA_EXCEEDED',
  ),
};
