import type { Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { PartnerCaptcha } from '../../application/partner/partner-captcha';
import type { PartnerEventQueries } from '../../application/partner/partner-events';
import type { PartnerService } from '../../application/partner/partner-service';
import { apiRouter, mount, mountedOperations, type ApiRouter } from '../contract/api-router';
import { PARTNER_QUOTA } from '../contract/common';
import type { RateLimitStoreFactory } from '../http/rate-limits';
import { PARTNER_ACCESS_ERRORS, partnerClientCheck, partnerQuota } from './partner-access';
import { partnerRoutes } from './partner.routes';

export interface PartnerApiDeps {
  partners: PartnerService;
  captcha: PartnerCaptcha;
  events: PartnerEventQueries;
  /** Where the quota counts (the rate limits' store: Redis with REDIS_URL); undefined: this process's memory. */
  quotaStore?: RateLimitStoreFactory;
  logger?: Logger;
  /** The app's read-your-writes middleware (X-Min-Log-Position). */
  readYourWrites: RequestHandler;
  /**
   * The other partner features' routers (carts, payment and shipping, polling: each `(deps) => ApiRouter` built with
   * apiRouter()/op()), mounted here so they sit behind the same client check and quota and are documented with them.
   * They need no auth of their own: `req.partner` (the client) is set, and `currentUser(req).sub` is its id, for each
   * of their declared operations. A feature's router-level middleware (`router.use(requireRole(...))`, a router
   * `auth`) would run for every path under /partners/v1, unknown ones included (403 where 404 ROUTE_NOT_FOUND is
   * due): keep such checks per operation.
   */
  features?: ApiRouter[];
}

/**
 * The Partner API, mounted at /partners/v1 (JSON errors and the card-data guard come from the app, as for /v1).
 * Every request needs a partner client's bearer token (client_credentials), of a client that is not revoked, and is
 * counted against the client's hourly quota (Ratelimit-Quota-* headers on every answer); each feature's router
 * below adds its own operations.
 */
export function partnerApi(deps: PartnerApiDeps): ApiRouter {
  const check = partnerClientCheck(deps.partners);
  const quota = partnerQuota({ store: deps.quotaStore, logger: deps.logger });
  // Requests for no operation are left to the app's 404 ROUTE_NOT_FOUND (an unknown method on a known path is
  // 404 for every caller, as everywhere); known once every feature is mounted, so made on first use.
  let declared: ((req: Request) => boolean) | undefined;
  const isOperation = (req: Request) => (declared ??= operationMatcher(router))(req);
  const router = apiRouter({
    tag: 'partner',
    auth: 'bearer',
    noStore: true,
    gate: {
      handler: (req, res, next) => {
        if (!isOperation(req)) return next();
        const passed = (error?: unknown) => (error ? next(error) : quota(req, res, next));
        Promise.resolve(check(req, res, passed)).catch(next);
      },
      errors: PARTNER_ACCESS_ERRORS,
      headers: PARTNER_QUOTA,
    },
  });
  mount(
    router,
    '',
    partnerRoutes({ captcha: deps.captcha, events: deps.events, readYourWrites: deps.readYourWrites }),
  );
  for (const feature of deps.features ?? []) mount(router, '', feature);
  return router;
}

/** Whether a request (path relative to the router) is for one of the router's declared operations. */
function operationMatcher(router: ApiRouter): (req: Request) => boolean {
  const operations = mountedOperations(router).map(({ spec, path }) => ({
    method: spec.method.toUpperCase(),
    pattern: new RegExp(
      `^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z_]\w*/g, '[^/]+')}/?$`,
    ),
  }));
  return (req) => {
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    return operations.some((op) => op.method === method && op.pattern.test(req.path));
  };
}
