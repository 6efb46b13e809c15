import type { RequestHandler } from 'express';
import type { PartnerCaptcha } from '../../application/partner/partner-captcha';
import type { PartnerEventQueries } from '../../application/partner/partner-events';
import { apiRouter, op, type ApiRouter } from '../contract/api-router';
import type { ErrorSpec } from '../contract/common';
import { PartnerEventsQueryDto } from '../dto/partner.dto';
import { ApiError } from '../http/api-error';
import { answeredNotModified, contentVersion } from '../http/conditional-get';
import { pathParam } from '../http/request-context';
import {
  PartnerAvailability,
  PartnerCaptcha as PartnerCaptchaSchema,
  PartnerEventDetails,
  PartnerEventList,
} from '../schemas/partner.schemas';

export interface PartnerRouteDeps {
  captcha: PartnerCaptcha;
  events: PartnerEventQueries;
  /** X-Min-Log-Position on the event reads (a partner reads its own cart's effect on availability). */
  readYourWrites: RequestHandler;
}

/** Every Partner API read passes the client check and counts against the quota: no shared cache may answer it. */
const PARTNER_CACHING =
  '`Cache-Control: private, no-cache`: the partner may keep it, and asks again each time.';

const noEvent: ErrorSpec = {
  404: ['No such event, not published, or not internet enabled', ['EVENT_NOT_FOUND']],
};

/** The partner's captcha and events (under /partners/v1, behind the partner router's client check and quota). */
export function partnerRoutes({ captcha, events, readYourWrites }: PartnerRouteDeps): ApiRouter {
  const router = apiRouter({ tag: 'partner', readYourWrites });

  op(
    router,
    {
      method: 'get',
      path: '/captcha',
      operationId: 'partnerCaptcha',
      summary: "The partner's captcha site key and a proof-of-work challenge (ALTCHA)",
      description:
        "Show the challenge in the ALTCHA widget; send the widget's payload as `altcha` when creating a cart at an " +
        "event with `captcha_required`. A browser page may ask only from a host in the client's `captcha_domains` " +
        '(its `Origin`); a request without `Origin` is a partner server and is served. Each solution is good once, ' +
        'and not after the site key is rotated.',
      responses: { 200: { description: 'Site key and challenge', schema: PartnerCaptchaSchema } },
      errors: {
        403: [
          "The request's `Origin` is not one of the client's captcha domains",
          ['CAPTCHA_DOMAIN_NOT_ALLOWED'],
        ],
      },
    },
    async (req, res) => {
      // Not cached: each challenge is for one solution.
      res.set('Cache-Control', 'no-store');
      res.json(await captcha.challengeFor(req.partner!, req.get('origin')));
    },
  );

  op(
    router,
    {
      method: 'get',
      path: '/events',
      operationId: 'partnerEvents',
      summary:
        'Events partners can sell: published, internet enabled, not cancelled and not started; by date',
      readYourWrites: true,
      query: PartnerEventsQueryDto,
      invalid: 'Unknown or malformed query parameters (page=0, per_page over 100)',
      responses: { 200: { description: 'A page of events', schema: PartnerEventList } },
    },
    async (_req, res, { query }) => {
      res.json(await events.list(query.page ?? 1, query.per_page ?? 20));
    },
  );

  op(
    router,
    {
      method: 'get',
      path: '/events/:id',
      operationId: 'partnerEvent',
      summary: 'Event details, with `onsale` when the event has a public sale date set up',
      description:
        'The `onsale` key is there exactly when the event has a general (public) sale date; a presale-only event ' +
        'has `presale` only (FAQ: a missing `onsale` is an event set-up matter for the client).',
      params: { id: 'EventId' },
      readYourWrites: true,
      conditional: { caching: PARTNER_CACHING },
      responses: { 200: { description: 'The event', schema: PartnerEventDetails } },
      errors: noEvent,
    },
    async (req, res) => {
      const doc = await events.find(pathParam(req, 'id'));
      if (!doc) throw new ApiError(404, 'EVENT_NOT_FOUND', 'Event not found');
      const details = events.details(doc);
      if (answeredNotModified(req, res, contentVersion(details), 'private')) return;
      res.json(details);
    },
  );

  op(
    router,
    {
      method: 'get',
      path: '/events/:id/availability',
      operationId: 'partnerEventAvailability',
      summary: 'Seats neither held nor sold, per price level and per section',
      params: { id: 'EventId' },
      readYourWrites: true,
      conditional: { caching: PARTNER_CACHING },
      responses: { 200: { description: 'Availability', schema: PartnerAvailability } },
      errors: noEvent,
    },
    async (req, res) => {
      const doc = await events.find(pathParam(req, 'id'));
      if (!doc) throw new ApiError(404, 'EVENT_NOT_FOUND', 'Event not found');
      const counted = await events.readAvailability(doc);
      if (answeredNotModified(req, res, counted.version, 'private')) return;
      res.json(events.availability(counted));
    },
  );

  return router;
}
