import type { CatalogQueries } from '../../application/catalog/catalog-queries';
import type { CatalogService } from '../../application/catalog/catalog-service';
import { queueSettingsDoc, venueView, type EventDoc } from '../../application/read-models/documents';
import { resolveQueueSettings } from '../../domain/queue/settings';
import { toCents } from '../../domain/shared/money';
import { ApiError } from '../http/api-error';
import { answeredNotModified, type CacheScope } from '../http/conditional-get';
import { apiRouter, op, type ApiRouter } from '../contract/api-router';
import type { ErrorSpec } from '../contract/common';
import {
  CancelEventDto,
  CreateEventDto,
  CreateVenueDto,
  SearchQueryDto,
  SeatMapQueryDto,
} from '../dto/catalog.dto';
import { answerCommand, commandMetadata, pathParam, setLogPosition } from '../http/request-context';
import {
  AdminEventDetails,
  CreatedEvent,
  EventDetails,
  EventStatusChange,
  SearchResponse,
  SeatMap,
  Venue,
} from '../schemas/catalog.schemas';
import type { RequestHandler } from 'express';

export interface CatalogRouteDeps {
  catalog: CatalogService;
  queries: CatalogQueries;
  limits: { search: RequestHandler; eventDetails: RequestHandler; seatMap: RequestHandler };
  readYourWrites: RequestHandler;
  /** Idempotency-Key on the admin's POSTs (a retried create makes no second venue or event). */
  idempotent: RequestHandler;
}

/** Admin: venues and events. */
export function adminCatalogRoutes({
  catalog,
  queries,
  readYourWrites,
  idempotent,
}: CatalogRouteDeps): ApiRouter {
  const router = apiRouter({ tag: 'admin', auth: 'admin', readYourWrites, idempotent });
  const noEvent: ErrorSpec = { 404: ['No such event', ['EVENT_NOT_FOUND']] };

  op(
    router,
    {
      method: 'post',
      path: '/venues',
      operationId: 'createVenue',
      summary: 'Create a venue with its seating layout',
      body: CreateVenueDto,
      idempotent: true,
      invalid:
        'Bad layout: missing or unknown fields, rows of 0/negative/fractional seats, a section or row named twice, more than 200,000 seats',
      responses: { 201: { description: 'The venue, with section ids and capacity', schema: Venue } },
    },
    async (req, res, { body: dto }) => {
      const { venue, position } = await catalog.createVenue(dto, commandMetadata(req));
      setLogPosition(res, position);
      res.status(201).json(venueView(venue));
    },
  );

  op(
    router,
    {
      method: 'post',
      path: '/events',
      operationId: 'createEvent',
      idempotent: true,
      summary: 'Create a ticketed event (unpublished: invisible to customers until published)',
      body: CreateEventDto,
      invalid:
        'Bad fields, invalid ISO 8601 dates, an event that has already started, sale opening after the event, a tier ' +
        'naming a section the venue lacks, a section priced twice, or two tiers of one name',
      contended: true,
      responses: { 201: { description: 'The event, status DRAFT', schema: CreatedEvent } },
      errors: {
        404: ['`venue_id` names no venue', ['VENUE_NOT_FOUND']],
        409: ['`event_id` is already used', ['EVENT_EXISTS']],
      },
    },
    async (req, res, { body: dto }) => {
      const { event, position } = await catalog.createEvent(
        {
          eventId: dto.event_id,
          name: dto.name,
          artist: dto.artist,
          description: dto.description ?? '',
          category: dto.category,
          venueId: dto.venue_id,
          date: new Date(dto.date).toISOString(),
          doorsOpen: dto.doors_open ? new Date(dto.doors_open).toISOString() : null,
          presaleStart: dto.presale_start ? new Date(dto.presale_start).toISOString() : null,
          generalSaleStart: dto.general_sale_start ? new Date(dto.general_sale_start).toISOString() : null,
          tiers: dto.pricing_tiers.map((t) => ({
            name: t.name,
            priceCents: toCents(t.price),
            feesCents: toCents(t.fees),
            sections: t.sections,
          })),
          maxTicketsPerOrder: dto.max_tickets_per_order ?? 8,
          restrictSingleSeat: dto.restrict_single_seat ?? true,
          // Recorded with the defaults filled in: the log states the settings the room ran with.
          queue: resolveQueueSettings({
            enabled: dto.queue?.enabled ?? false,
            admissionPerMinute: dto.queue?.admission_per_minute,
            capacity: dto.queue?.capacity,
            accessSeconds: dto.queue?.access_seconds,
            challengeMaxNumber: dto.queue?.challenge_max_number,
            maxEntriesPerDevice: dto.queue?.max_entries_per_device,
          }),
          internetEnabled: dto.internet_enabled,
          emitsBarcodes: dto.emits_barcodes,
          captchaRequired: dto.captcha_required,
          shippingOptions: dto.shipping_options?.map((o) => ({
            shippingId: o.shipping_id,
            name: o.name,
            priceCents: toCents(o.price),
          })),
        },
        commandMetadata(req),
      );
      setLogPosition(res, position);
      res.status(201).json({
        event_id: event.eventId,
        name: event.name,
        artist: event.artist,
        description: event.description,
        category: event.category,
        venue_id: event.venueId,
        date: event.date,
        doors_open: event.doorsOpen,
        presale_start: event.presaleStart,
        general_sale_start: event.generalSaleStart,
        pricing_tiers: event.tiers.map((t) => ({
          tier_id: t.tierId,
          name: t.name,
          price: t.priceCents / 100,
          fees: t.feesCents / 100,
          section_ids: t.sectionIds,
        })),
        max_tickets_per_order: event.maxTicketsPerOrder,
        restrict_single_seat: event.restrictSingleSeat,
        queue: queueSettingsDoc(event.queue),
        internet_enabled: event.internetEnabled ?? true,
        emits_barcodes: event.emitsBarcodes ?? true,
        captcha_required: event.captchaRequired ?? false,
        total_capacity: event.capacity,
        status: 'DRAFT',
      });
    },
  );

  op(
    router,
    {
      method: 'post',
      path: '/events/:id/publish',
      operationId: 'publishEvent',
      idempotent: true,
      summary: 'Publish an event (idempotent): it becomes visible to search, details and seat maps',
      params: { id: 'EventId' },
      contended: true,
      responses: { 200: { description: 'Published', schema: EventStatusChange } },
      errors: { ...noEvent, 409: ['The event was cancelled', ['EVENT_CANCELLED']] },
    },
    async (req, res) => {
      const published = await catalog.publish(pathParam(req, 'id'), commandMetadata(req));
      answerCommand(res, 200, published, { event_id: pathParam(req, 'id'), status: 'PUBLISHED' });
    },
  );

  op(
    router,
    {
      method: 'post',
      path: '/events/:id/cancel',
      operationId: 'cancelEvent',
      idempotent: true,
      summary: 'Cancel an event: its seats are gone for good and its orders are refunded',
      params: { id: 'EventId' },
      body: CancelEventDto,
      optionalBody: true,
      invalid: 'Unknown fields or a `reason` that is not a string of at most 500 characters',
      contended: true,
      responses: { 200: { description: 'Cancelled', schema: EventStatusChange } },
      errors: { ...noEvent, 409: ['Already cancelled', ['EVENT_CANCELLED']] },
    },
    async (req, res, { body: dto }) => {
      const id = pathParam(req, 'id');
      const cancelled = await catalog.cancel(
        id,
        dto.reason ?? 'Cancelled by the organiser',
        commandMetadata(req),
      );
      answerCommand(res, 200, cancelled, { event_id: id, status: 'CANCELLED' });
    },
  );

  op(
    router,
    {
      method: 'get',
      path: '/events/:id',
      operationId: 'getEventAsAdmin',
      summary: 'Event details including unpublished events, with the catalog status',
      params: { id: 'EventId' },
      readYourWrites: true,
      responses: { 200: { description: 'The event', schema: AdminEventDetails } },
      errors: noEvent,
    },
    async (req, res) => {
      const doc = await queries.findEvent(pathParam(req, 'id'), true);
      if (!doc) throw new ApiError(404, 'EVENT_NOT_FOUND', 'Event not found');
      res.json({
        ...queries.details(doc),
        status: doc.status,
        // What partners see of it (the FAQ: "verify that the inventory is Internet enabled").
        internet_enabled: doc.internet_enabled ?? true,
        emits_barcodes: doc.emits_barcodes ?? true,
        captcha_required: doc.captcha_required ?? false,
      });
    },
  );

  return router;
}

/** Public: search, details, seat maps. Unpublished events do not exist for customers. */
export function eventRoutes({ queries, limits, readYourWrites }: CatalogRouteDeps): ApiRouter {
  const router = apiRouter({ tag: 'events', limiters: limits, readYourWrites });
  const isAdmin = (req: { auth?: { role: string } }) => req.auth?.role === 'admin';

  op(
    router,
    {
      method: 'get',
      path: '/search',
      operationId: 'searchEvents',
      summary: 'Search published events',
      description:
        'Every word of `query` must appear in the name, artist or venue name. Sorted by date. `date_from` defaults to now: events that have started are listed only when a `date_from` before their date asks for them.',
      rateLimit: 'search',
      readYourWrites: true,
      query: SearchQueryDto,
      invalid:
        'Unknown, repeated or malformed query parameters (page=0, per_page over 100, an invalid date, date_from after date_to)',
      responses: { 200: { description: 'A page of events', schema: SearchResponse } },
    },
    async (_req, res, { query: dto }) => {
      if (dto.date_from && dto.date_to && Date.parse(dto.date_from) > Date.parse(dto.date_to)) {
        throw new ApiError(400, 'VALIDATION_ERROR', 'date_from must not be after date_to', {
          fields: [{ field: 'date_from', errors: ['after date_to'] }],
        });
      }
      res.json(
        await queries.search({
          query: dto.query,
          city: dto.city,
          category: dto.category,
          dateFrom: dto.date_from ? new Date(dto.date_from) : undefined,
          dateTo: dto.date_to ? endOfDayIfDateOnly(dto.date_to) : undefined,
          page: dto.page ?? 1,
          perPage: dto.per_page ?? 20,
        }),
      );
    },
  );

  op(
    router,
    {
      method: 'get',
      path: '/:id',
      operationId: 'getEvent',
      summary: 'Event details with per-tier availability',
      params: { id: 'EventId' },
      rateLimit: 'eventDetails',
      readYourWrites: true,
      conditional: { caching: PUBLIC_CACHING },
      responses: { 200: { description: 'The event', schema: EventDetails } },
      errors: {
        404: ['No such event, or not published (admins also see unpublished ones)', ['EVENT_NOT_FOUND']],
      },
    },
    async (req, res) => {
      const doc = await queries.findEvent(pathParam(req, 'id'), isAdmin(req));
      if (!doc) throw new ApiError(404, 'EVENT_NOT_FOUND', 'Event not found');
      if (answeredNotModified(req, res, queries.eventVersion(doc), cacheScope(doc))) return;
      res.json(queries.details(doc));
    },
  );

  op(
    router,
    {
      method: 'get',
      path: '/:id/seats',
      operationId: 'getSeatMap',
      summary: 'Seat map: every seat with its status and price',
      params: { id: 'EventId' },
      rateLimit: 'seatMap',
      readYourWrites: true,
      conditional: { caching: PUBLIC_CACHING },
      query: SeatMapQueryDto,
      invalid: 'Unknown query parameters or an unknown status',
      responses: { 200: { description: 'The seat map', schema: SeatMap } },
      errors: {
        404: [
          'No such event, or not published; or `section` names no section of it (neither a `section_id` nor a name)',
          ['EVENT_NOT_FOUND', 'SECTION_NOT_FOUND'],
        ],
      },
    },
    async (req, res, { query: filter }) => {
      const doc = await queries.findEvent(pathParam(req, 'id'), isAdmin(req));
      if (!doc) throw new ApiError(404, 'EVENT_NOT_FOUND', 'Event not found');
      const seatMap = await queries.readSeatMap(doc, filter);
      // A section filter that matches nothing is a typo, not an empty section: say so rather than answer no seats.
      if (filter.section !== undefined && seatMap.sections.length === 0)
        throw new ApiError(
          404,
          'SECTION_NOT_FOUND',
          "The event has no such section: give a section_id (s1, s2...) or a section's name",
        );
      if (answeredNotModified(req, res, seatMap.version, cacheScope(doc))) return;
      res.type('application/json').send(queries.seatMapJson(seatMap));
    },
  );

  return router;
}

const PUBLIC_CACHING =
  'A published event is `Cache-Control: public, max-age=1` (a CDN may share it for a second); an unpublished one, ' +
  'which only admins see, `private, no-cache`.';

/** A published event looks the same to everyone; an unpublished one only to admins, so no shared cache may keep it. */
function cacheScope(doc: EventDoc): CacheScope {
  return doc.published ? 'public' : 'private';
}

/** "2026-06-30" as an upper bound means the whole day. */
function endOfDayIfDateOnly(value: string): Date {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T23:59:59.999Z`) : new Date(value);
}
