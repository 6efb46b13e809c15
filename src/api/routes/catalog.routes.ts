import { Router } from 'express';
import type { CatalogQueries } from '../../application/catalog/catalog-queries';
import type { CatalogService } from '../../application/catalog/catalog-service';
import { venueView } from '../../application/read-models/documents';
import { toCents } from '../../domain/shared/money';
import { ApiError } from '../http/api-error';
import { requireRole } from '../http/auth';
import {
  CancelEventDto,
  CreateEventDto,
  CreateVenueDto,
  SearchQueryDto,
  SeatMapQueryDto,
} from '../dto/catalog.dto';
import { commandMetadata, pathParam, setLogPosition } from '../http/request-context';
import { validateInput } from '../http/validation';
import type { RequestHandler } from 'express';

export interface CatalogRouteDeps {
  catalog: CatalogService;
  queries: CatalogQueries;
  limits: { search: RequestHandler; eventDetails: RequestHandler; seatMap: RequestHandler };
  readYourWrites: RequestHandler;
}

/** Admin: venues and events. */
export function adminCatalogRoutes({ catalog, queries, readYourWrites }: CatalogRouteDeps): Router {
  const router = Router();
  router.use(requireRole('admin'));

  router.post('/venues', async (req, res) => {
    const dto = validateInput(CreateVenueDto, req.body);
    const { venue, position } = await catalog.createVenue(dto, commandMetadata(req));
    setLogPosition(res, position);
    res.status(201).json(venueView(venue));
  });

  router.post('/events', async (req, res) => {
    const dto = validateInput(CreateEventDto, req.body);
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
        generalSaleStart: new Date(dto.general_sale_start).toISOString(),
        tiers: dto.pricing_tiers.map((t) => ({
          name: t.name,
          priceCents: toCents(t.price),
          feesCents: toCents(t.fees),
          sections: t.sections,
        })),
        maxTicketsPerOrder: dto.max_tickets_per_order ?? 8,
        restrictSingleSeat: dto.restrict_single_seat ?? true,
        queue: {
          enabled: dto.queue?.enabled ?? false,
          admissionPerMinute: dto.queue?.admission_per_minute ?? 1000,
        },
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
      queue: { enabled: event.queue.enabled, admission_per_minute: event.queue.admissionPerMinute },
      total_capacity: event.capacity,
      status: 'DRAFT',
    });
  });

  router.post('/events/:id/publish', async (req, res) => {
    const { position } = await catalog.publish(pathParam(req, 'id'), commandMetadata(req));
    setLogPosition(res, position);
    res.status(200).json({ event_id: pathParam(req, 'id'), status: 'PUBLISHED' });
  });

  router.post('/events/:id/cancel', async (req, res) => {
    const dto = validateInput(CancelEventDto, req.body ?? {});
    const { position } = await catalog.cancel(
      pathParam(req, 'id'),
      dto.reason ?? 'Cancelled by the organiser',
      commandMetadata(req),
    );
    setLogPosition(res, position);
    res.status(200).json({ event_id: pathParam(req, 'id'), status: 'CANCELLED' });
  });

  router.get('/events/:id', readYourWrites, async (req, res) => {
    const doc = await queries.findEvent(pathParam(req, 'id'), true);
    if (!doc) throw new ApiError(404, 'EVENT_NOT_FOUND', 'Event not found');
    res.json({ ...queries.details(doc), status: doc.status });
  });

  return router;
}

/** Public: search, details, seat maps. Unpublished events do not exist for customers. */
export function eventRoutes({ queries, limits, readYourWrites }: CatalogRouteDeps): Router {
  const router = Router();
  const isAdmin = (req: { auth?: { role: string } }) => req.auth?.role === 'admin';

  router.get('/search', limits.search, readYourWrites, async (req, res) => {
    const dto = validateInput(SearchQueryDto, { ...req.query }, 'query');
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
  });

  router.get('/:id', limits.eventDetails, readYourWrites, async (req, res) => {
    const doc = await queries.findEvent(pathParam(req, 'id'), isAdmin(req));
    if (!doc) throw new ApiError(404, 'EVENT_NOT_FOUND', 'Event not found');
    res.json(queries.details(doc));
  });

  router.get('/:id/seats', limits.seatMap, readYourWrites, async (req, res) => {
    const filter = validateInput(SeatMapQueryDto, { ...req.query }, 'query');
    const doc = await queries.findEvent(pathParam(req, 'id'), isAdmin(req));
    if (!doc) throw new ApiError(404, 'EVENT_NOT_FOUND', 'Event not found');
    res.type('application/json').send(await queries.seatMapJson(doc, filter));
  });

  return router;
}

/** "2026-06-30" as an upper bound means the whole day. */
function endOfDayIfDateOnly(value: string): Date {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T23:59:59.999Z`) : new Date(value);
}
