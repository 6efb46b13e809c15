import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { PartnerCaptcha } from '../../application/partner/partner-captcha';
import type { PartnerEventQueries } from '../../application/partner/partner-events';
import type { PartnerService } from '../../application/partner/partner-service';
import { apiRouter, mount, type ApiRouter } from '../contract/api-router';
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
   * They need no auth of their own: every operation under this router takes partner tokens only, and runs the
   * client check and the quota in its own chain; `req.partner` (the client) is set, and `currentUser(req).sub` is
   * its id. A feature's router-level middleware (`router.use(requireRole(...))`, a router `auth`) would run for
   * every path under /partners/v1, unknown ones included (401/403 where 404 ROUTE_NOT_FOUND is due): keep such
   * checks per operation.
   */
  features?: ApiRouter[];
}

/**
 * The Partner API, mounted at /partners/v1 (JSON errors and the card-data guard come from the app, as for /v1).
 * Every operation needs a partner client's bearer token (client_credentials; any other kind is 403), of a client
 * that is not revoked, and is counted against the client's hourly quota (Ratelimit-Quota-* headers on every
 * answer); each feature's router below adds its own operations. These checks are the router's gate: part of each
 * operation's own chain (api-router.ts), so they run exactly when express routes a request to an operation, and a
 * request for none is the app's 404 ROUTE_NOT_FOUND, for every caller, as everywhere.
 */
export function partnerApi(deps: PartnerApiDeps): ApiRouter {
  const check = partnerClientCheck(deps.partners);
  const quota = partnerQuota({ store: deps.quotaStore, logger: deps.logger });
  const router = apiRouter({
    tag: 'partner',
    auth: 'bearer',
    accepts: ['partner'],
    noStore: true,
    gate: {
      handler: (req, res, next) => {
        const passed = (error?: unknown) => (error ? next(error) : quota(req, res, next));
        Promise.resolve(check(req, res, passed)).catch(next);
      },
      errors: PARTNER_ACCESS_ERRORS,
      // The quota's headers: on every answer past the client check, and on the quota's own 429; never on the
      // client check's 401 and 403 (no client, no quota).
      headers: PARTNER_QUOTA,
      refusalsWithHeaders: [429],
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
