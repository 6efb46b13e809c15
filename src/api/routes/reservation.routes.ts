import { Router, type RequestHandler } from 'express';
import type { ReservationService } from '../../application/reservations/reservation-service';
import { ApiError } from '../http/api-error';
import { currentUser, requireAuth } from '../http/auth';
import { ReserveSeatsDto } from '../dto/reservation.dto';
import { commandMetadata, pathParam, setLogPosition } from '../http/request-context';
import { validateInput } from '../http/validation';

export interface ReservationRouteDeps {
  reservations: ReservationService;
  reserveLimit: RequestHandler;
  idempotent: RequestHandler;
  readYourWrites: RequestHandler;
  /** Checks the waiting room for queue-protected events (403 QUEUE_REQUIRED); a no-op until the queue exists. */
  queueGate: (req: Parameters<RequestHandler>[0], eventId: string) => Promise<void>;
}

export function seatRoutes({
  reservations,
  reserveLimit,
  idempotent,
  queueGate,
}: ReservationRouteDeps): Router {
  const router = Router();
  router.post('/reserve', requireAuth, reserveLimit, idempotent, async (req, res) => {
    const dto = validateInput(ReserveSeatsDto, req.body);
    const user = currentUser(req);
    if (dto.user_id !== undefined && dto.user_id !== user.sub) {
      throw new ApiError(403, 'FORBIDDEN', 'user_id must be your own (or be left out)');
    }
    await queueGate(req, dto.event_id);
    const { hold, position } = await reservations.reserve(
      dto.event_id,
      user.sub,
      dto.seat_ids,
      commandMetadata(req),
    );
    setLogPosition(res, position);
    res.setHeader('Location', `/v1/reservations/${hold.holdId}`);
    res.status(201).json({
      reservation_id: hold.holdId,
      event_id: hold.eventId,
      seat_ids: hold.seatIds,
      expires_at: hold.expiresAt,
      total_price: hold.subtotalCents / 100,
      fees: hold.feesCents / 100,
      total: (hold.subtotalCents + hold.feesCents) / 100,
    });
  });
  return router;
}

export function reservationRoutes({ reservations, readYourWrites }: ReservationRouteDeps): Router {
  const router = Router();
  router.use(requireAuth);
  const actor = (req: Parameters<RequestHandler>[0]) => ({
    userId: currentUser(req).sub,
    isAdmin: currentUser(req).role === 'admin',
  });

  router.get('/:id', readYourWrites, async (req, res) => {
    res.json(reservations.view(await reservations.get(pathParam(req, 'id'), actor(req))));
  });

  router.delete('/:id', async (req, res) => {
    const { position } = await reservations.release(pathParam(req, 'id'), actor(req), commandMetadata(req));
    setLogPosition(res, position);
    res.status(204).end();
  });
  return router;
}
