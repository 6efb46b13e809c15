import type { Request, RequestHandler } from 'express';
import type { ReservationService } from '../../application/reservations/reservation-service';
import { apiRouter, op, type ApiRouter } from '../contract/api-router';
import type { ErrorSpec } from '../contract/common';
import { ReserveSeatsDto } from '../dto/reservation.dto';
import { ApiError } from '../http/api-error';
import { currentUser } from '../http/auth';
import type { QueueGate } from '../http/queue-gate';
import { sendJson } from '../http/json-answer';
import { answerCommand, commandMetadata, pathParam, setLogPosition } from '../http/request-context';
import { Reservation, ReservationView } from '../schemas/reservation.schemas';

export interface ReservationRouteDeps {
  reservations: ReservationService;
  reserveLimit: RequestHandler;
  idempotent: RequestHandler;
  readYourWrites: RequestHandler;
  /** Checks the waiting room for queue-protected events (403 QUEUE_REQUIRED). */
  queueGate: QueueGate;
}

/** `/v1/seats`: holding seats. */
export function seatRoutes({
  reservations,
  reserveLimit,
  idempotent,
  queueGate,
}: ReservationRouteDeps): ApiRouter {
  const router = apiRouter({ tag: 'reservations', limiters: { reserve: reserveLimit }, idempotent });
  op(
    router,
    {
      method: 'post',
      path: '/reserve',
      operationId: 'reserveSeats',
      summary: 'Hold seats for the caller (for HOLD_SECONDS, default 600)',
      description:
        'With an `Idempotency-Key`, the first answer (success or client error) is stored and replayed for every retry with the ' +
        'same key and body (marked `Idempotent-Replayed: true`); the same key with another body is 422 `IDEMPOTENCY_KEY_REUSED`. ' +
        'At a queue-protected event, send the access token your waiting-room turn gave you (`GET /v1/queue/status`) as ' +
        'the bearer, or as the header `X-Queue-Access-Token` beside your own bearer token; with `X-Device-ID`, it must be ' +
        'the device that joined the queue.',
      auth: 'bearer',
      accepts: ['access', 'queue_access'],
      headerParameters: ['QueueAccessToken', 'DeviceId'],
      rateLimit: 'reserve',
      idempotent: true,
      contended: true,
      body: ReserveSeatsDto,
      invalid: 'Missing or unknown fields, no seats, a seat twice, more than 100 seats',
      responses: { 201: { description: 'The hold', schema: Reservation, location: true } },
      errors: {
        403: [
          '`user_id` is not the caller; or the event is queue-protected and no open queue turn of the caller for it was ' +
            "sent (`QUEUE_REQUIRED`: none, another event's, someone else's, another device's, or an ended turn); or a " +
            'queue access token was sent to an event without a waiting room (`FORBIDDEN`)',
          ['FORBIDDEN', 'QUEUE_REQUIRED'],
        ],
        404: [
          'No such (published) event, or seats that do not exist at it (`details.seat_ids`)',
          ['EVENT_NOT_FOUND', 'SEAT_NOT_FOUND'],
        ],
        409: ['A seat is held or sold (`details.seat_ids`)', ['SEATS_UNAVAILABLE']],
        410: ['The event was cancelled: the seats are gone for good', ['SEATS_GONE']],
        422: [
          'Over max_tickets_per_order for this user, a single empty seat left alone in a row, the sale not open (or over)',
          ['PURCHASE_LIMIT_EXCEEDED', 'SINGLE_SEAT_GAP', 'SALE_NOT_OPEN'],
        ],
      },
    },
    async (req, res, { body: dto }) => {
      const user = currentUser(req);
      if (dto.user_id !== undefined && dto.user_id !== user.sub) {
        throw new ApiError(403, 'FORBIDDEN', 'user_id must be your own (or be left out)');
      }
      const turn = await queueGate(req, dto.event_id);
      const { reservation, position } = await reservations.reserve(
        dto.event_id,
        user.sub,
        dto.seat_ids,
        commandMetadata(req),
      );
      await turn?.markUsed(commandMetadata(req));
      setLogPosition(res, position);
      res.setHeader('Location', `/v1/reservations/${reservation.reservation_id}`);
      sendJson(res, 201, reservation);
    },
  );
  return router;
}

/** `/v1/reservations`: the caller's holds. */
export function reservationRoutes({ reservations, readYourWrites }: ReservationRouteDeps): ApiRouter {
  const router = apiRouter({ tag: 'reservations', auth: 'bearer', readYourWrites });
  const actor = (req: Request) => ({
    userId: currentUser(req).sub,
    isAdmin: currentUser(req).role === 'admin',
  });
  const notFound: ErrorSpec = { 404: ["No such hold, or someone else's", ['RESERVATION_NOT_FOUND']] };

  op(
    router,
    {
      method: 'get',
      path: '/:id',
      operationId: 'getReservation',
      summary: "A hold (the caller's own; admins see all)",
      params: { id: 'ReservationId' },
      readYourWrites: true,
      responses: { 200: { description: 'The hold', schema: ReservationView } },
      errors: { ...notFound },
    },
    async (req, res) => {
      res.json(reservations.view(await reservations.get(pathParam(req, 'id'), actor(req))));
    },
  );

  op(
    router,
    {
      method: 'delete',
      path: '/:id',
      operationId: 'releaseReservation',
      summary: 'Release a hold (idempotent: releasing a released or expired hold is 204 again)',
      params: { id: 'ReservationId' },
      contended: true,
      responses: { 204: { description: 'Released; the seats are available again' } },
      errors: {
        ...notFound,
        409: [
          'The hold has an order (paid for, or being paid for): cancel the order instead',
          ['RESERVATION_ALREADY_ORDERED'],
        ],
      },
    },
    async (req, res) => {
      answerCommand(
        res,
        204,
        await reservations.release(pathParam(req, 'id'), actor(req), commandMetadata(req)),
      );
    },
  );
  return router;
}
