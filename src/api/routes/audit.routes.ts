import type { RequestHandler } from 'express';
import type { SalesAnalytics } from '../../application/analytics/sales-analytics';
import type { AuditPage, AuditService } from '../../application/audit/audit-service';
import type { AccountService } from '../../application/auth/account-service';
import { apiRouter, op, type ApiRouter } from '../contract/api-router';
import type { ErrorSpec } from '../contract/common';
import { AuditLogQueryDto, AuditPageQueryDto, AuditStreamQueryDto } from '../dto/audit.dto';
import { RegisterDto } from '../dto/auth.dto';
import { requireRole } from '../http/auth';
import { commandMetadata, pathParam, setLogPosition } from '../http/request-context';
import {
  AuditAccount,
  AuditLogPage,
  AuditStreamPage,
  SalesAnalytics as SalesAnalyticsSchema,
} from '../schemas/audit.schemas';

export interface AuditRouteDeps {
  audit: AuditService;
  analytics: SalesAnalytics;
  accounts: AccountService;
  readYourWrites: RequestHandler;
  /** Idempotency-Key on `POST /v1/admin/auditors` (the app's one keyed-request handler). */
  idempotent: RequestHandler;
}

/** Auditors and analysts read; admins may too. Customers and partners get 403. */
const auditorsOnly = requireRole('auditor', 'admin');
const NEEDS_AUDITOR: ErrorSpec = {
  403: ['The token is valid but its role is neither `auditor` nor `admin`', ['FORBIDDEN']],
};
const eventNotFound: ErrorSpec = { 404: ['No such event', ['EVENT_NOT_FOUND']] };

/** The pages read by log position (the log, a seat's history, a correlation): asked for and answered alike. */
const pageOf = (query: AuditPageQueryDto) => ({ fromPosition: query.from_position, limit: query.limit });
const logPage = ({ events, next }: AuditPage) => ({ events, next_position: next });

/** `/v1/audit`: the log as its record, for auditors. */
export function auditRoutes({ audit, readYourWrites }: AuditRouteDeps): ApiRouter {
  // The role check is the router's gate: part of each operation's chain, so an unknown path is 404 for anyone.
  const router = apiRouter({
    tag: 'audit',
    auth: 'bearer',
    noStore: true,
    readYourWrites,
    gate: { handler: auditorsOnly, errors: NEEDS_AUDITOR },
  });

  op(
    router,
    {
      method: 'get',
      path: '/streams/:stream',
      operationId: 'auditStream',
      summary: "One stream's events, by revision",
      description:
        'Forwards from `from_revision` (default 0) or backwards from it (default: the last event). An unknown ' +
        'stream answers an empty list.',
      params: { stream: 'Stream' },
      query: AuditStreamQueryDto,
      responses: { 200: { description: 'The events', schema: AuditStreamPage } },
      errors: NEEDS_AUDITOR,
    },
    async (req, res, { query }) => {
      const page = await audit.stream(pathParam(req, 'stream'), {
        fromRevision: query.from_revision,
        limit: query.limit,
        direction: query.direction,
      });
      res.json({ events: page.events, next_revision: page.next });
    },
  );

  op(
    router,
    {
      method: 'get',
      path: '/log',
      operationId: 'auditLog',
      summary: 'The global log, by position, optionally of one event type',
      description:
        'Events after `from_position` (exclusive, default 0), at most `limit` (default 100). `type` names one ' +
        'event type; a type the log holds no event of answers an empty list, not an error: a log keeps the ' +
        'types of every release that wrote to it, which the running code need not know.',
      query: AuditLogQueryDto,
      responses: { 200: { description: 'The events', schema: AuditLogPage } },
      errors: NEEDS_AUDITOR,
    },
    async (_req, res, { query }) => {
      res.json(logPage(await audit.log({ ...pageOf(query), type: query.type })));
    },
  );

  op(
    router,
    {
      method: 'get',
      path: '/events/:id/seats/:seatId',
      operationId: 'auditSeatHistory',
      summary: "One seat's whole history",
      description:
        'Holds, releases with their reason (`released`, `expired`, `order_failed`, `event_cancelled`), the sale, ' +
        'the return of a refunded order, the events of the orders that bought the seat or tried to (payment ' +
        'attempts, declines, voids) and of the tickets issued ' +
        'for it (transfers and voids), in log order. At most `limit` (default 1000) events per page.',
      params: { id: 'EventId', seatId: 'SeatId' },
      readYourWrites: true,
      query: AuditPageQueryDto,
      responses: { 200: { description: 'The events', schema: AuditLogPage } },
      errors: {
        ...NEEDS_AUDITOR,
        404: ['No such event, or no such seat in it', ['EVENT_NOT_FOUND', 'SEAT_NOT_FOUND']],
      },
    },
    async (req, res, { query }) => {
      res.json(
        logPage(await audit.seatHistory(pathParam(req, 'id'), pathParam(req, 'seatId'), pageOf(query))),
      );
    },
  );

  op(
    router,
    {
      method: 'get',
      path: '/correlations/:id',
      operationId: 'auditCorrelation',
      summary: 'Every event one request caused, across streams, in log order',
      description:
        "A purchase: the request's events (hold, order placed), then what the sagas did about it (sale, capture, " +
        "confirmation, tickets). The id is the request's `X-Correlation-Id`, or its `X-Request-Id` when it sent " +
        'none. An unknown id answers an empty list. At most `limit` (default 1000) events per page.',
      params: { id: 'CorrelationId' },
      readYourWrites: true,
      query: AuditPageQueryDto,
      responses: { 200: { description: 'The events', schema: AuditLogPage } },
      errors: NEEDS_AUDITOR,
    },
    async (req, res, { query }) => {
      res.json(logPage(await audit.correlation(pathParam(req, 'id'), pageOf(query))));
    },
  );

  return router;
}

/** `/v1/analytics`: read models for analysts. */
export function analyticsRoutes({ analytics, readYourWrites }: AuditRouteDeps): ApiRouter {
  const router = apiRouter({
    tag: 'analytics',
    auth: 'bearer',
    // Figures for auditors and admins only: no shared cache may keep them for the next caller.
    noStore: true,
    readYourWrites,
    gate: { handler: auditorsOnly, errors: NEEDS_AUDITOR },
  });

  op(
    router,
    {
      method: 'get',
      path: '/events/:id/sales',
      operationId: 'salesAnalytics',
      summary: "An event's sales: per tier, totals and a per-minute series",
      params: { id: 'EventId' },
      readYourWrites: true,
      responses: { 200: { description: 'The sales figures', schema: SalesAnalyticsSchema } },
      errors: { ...NEEDS_AUDITOR, ...eventNotFound },
    },
    async (req, res) => {
      res.json(await analytics.sales(pathParam(req, 'id')));
    },
  );
  return router;
}

/** `POST /v1/admin/auditors`: an admin creates an auditor account. */
export function adminAuditorRoutes({ accounts, idempotent }: AuditRouteDeps): ApiRouter {
  const router = apiRouter({ tag: 'admin', auth: 'admin', noStore: true, idempotent });

  op(
    router,
    {
      method: 'post',
      path: '/auditors',
      operationId: 'createAuditor',
      summary: 'Create an auditor account (role `auditor`: reads /v1/audit and /v1/analytics)',
      body: RegisterDto,
      idempotent: true,
      responses: { 201: { description: 'The account was created', schema: AuditAccount } },
      errors: { 409: ['The email already has an account', ['EMAIL_TAKEN']] },
    },
    async (req, res, { body }) => {
      const user = await accounts.createUser(
        { email: body.email, password: body.password, name: body.name, role: 'auditor' },
        commandMetadata(req),
      );
      setLogPosition(res, user.position);
      res.status(201).json({ user_id: user.user_id, email: user.email, role: 'auditor' });
    },
  );
  return router;
}
