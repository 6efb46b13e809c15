import { Router, type RequestHandler } from 'express';
import type { TicketService } from '../../application/tickets/ticket-service';
import { ListTicketsQueryDto, TransferTicketDto } from '../dto/ticket.dto';
import { currentUser, requireAuth } from '../http/auth';
import { commandMetadata, pathParam, setLogPosition } from '../http/request-context';
import { validateInput } from '../http/validation';

export interface TicketRouteDeps {
  tickets: TicketService;
  readYourWrites: RequestHandler;
  /** Idempotency-Key support for POST /:id/transfer (a retried request answers the first transfer, not 409). */
  idempotent?: RequestHandler;
}

const passThrough: RequestHandler = (_req, _res, next) => next();

/** `/v1/tickets`: the caller's tickets, their QR codes, and transfers out. */
export function ticketRoutes({ tickets, readYourWrites, idempotent = passThrough }: TicketRouteDeps): Router {
  const router = Router();
  router.use(requireAuth);

  router.get('/', readYourWrites, async (req, res) => {
    const { order_id } = validateInput(ListTicketsQueryDto, req.query, 'query');
    res.json({ tickets: await tickets.listForOrder(currentUser(req).sub, order_id) });
  });

  router.get('/:id', readYourWrites, async (req, res) => {
    res.json(await tickets.get(currentUser(req).sub, pathParam(req, 'id')));
  });

  router.get('/:id/download', readYourWrites, async (req, res) => {
    const id = pathParam(req, 'id');
    const png = await tickets.qrPng(currentUser(req).sub, id);
    res.setHeader('Cache-Control', 'private, no-store');
    res.setHeader('Content-Disposition', `attachment; filename="ticket-${id.replace(/[^\w-]/g, '')}.png"`);
    res.type('image/png').send(png);
  });

  router.post('/:id/transfer', idempotent, async (req, res) => {
    const dto = validateInput(TransferTicketDto, req.body);
    const { position, ...transfer } = await tickets.requestTransfer(
      currentUser(req).sub,
      pathParam(req, 'id'),
      dto,
      commandMetadata(req),
    );
    setLogPosition(res, position);
    res.status(200).json(transfer);
  });
  return router;
}

/** `/v1/transfers`: the recipient accepts, the sender cancels. */
export function transferRoutes({ tickets }: TicketRouteDeps): Router {
  const router = Router();
  router.use(requireAuth);

  router.post('/:id/accept', async (req, res) => {
    const user = currentUser(req);
    const { position, ...accepted } = await tickets.acceptTransfer(
      user.sub,
      user.email,
      pathParam(req, 'id'),
      commandMetadata(req),
    );
    setLogPosition(res, position);
    res.status(200).json(accepted);
  });

  router.delete('/:id', async (req, res) => {
    const { position } = await tickets.cancelTransfer(
      currentUser(req).sub,
      pathParam(req, 'id'),
      commandMetadata(req),
    );
    setLogPosition(res, position);
    res.status(204).end();
  });
  return router;
}
