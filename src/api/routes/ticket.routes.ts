import type { RequestHandler } from 'express';
import type { TicketService } from '../../application/tickets/ticket-service';
import { apiRouter, op, passThrough, type ApiRouter } from '../contract/api-router';
import type { ErrorSpec } from '../contract/common';
import { ListTicketsQueryDto, TransferTicketDto } from '../dto/ticket.dto';
import { currentUser } from '../http/auth';
import { answerCommand, commandMetadata, pathParam } from '../http/request-context';
import { Ticket, TicketList, Transfer, TransferAcceptance } from '../schemas/ticket.schemas';

export interface TicketRouteDeps {
  tickets: TicketService;
  readYourWrites: RequestHandler;
  /** Idempotency-Key support for POST /:id/transfer (a retried request answers the first transfer, not 409). */
  idempotent?: RequestHandler;
}

const ticketNotFound: ErrorSpec = { 404: ["No such ticket, or someone else's", ['TICKET_NOT_FOUND']] };

/** `/v1/tickets`: the caller's tickets, their QR codes, and transfers out. */
export function ticketRoutes({
  tickets,
  readYourWrites,
  idempotent = passThrough,
}: TicketRouteDeps): ApiRouter {
  const router = apiRouter({ tag: 'tickets', auth: 'bearer', noStore: true, readYourWrites, idempotent });

  op(
    router,
    {
      method: 'get',
      path: '/',
      operationId: 'listTickets',
      summary: "The caller's tickets of one order, by section, row and seat",
      description:
        'After a transfer the sender still sees the old ticket (`TRANSFERRED`) and the recipient sees the new one. ' +
        "Someone else's order, or one not confirmed (yet, or ever), answers an empty list.",
      readYourWrites: true,
      query: ListTicketsQueryDto,
      invalid: '`order_id` missing, empty, repeated or too long, or unknown query parameters',
      responses: { 200: { description: 'The tickets', schema: TicketList } },
    },
    async (req, res, { query }) => {
      res.json({ tickets: await tickets.listForOrder(currentUser(req).sub, query.order_id) });
    },
  );

  op(
    router,
    {
      method: 'get',
      path: '/:id',
      operationId: 'getTicket',
      summary: "One of the caller's tickets",
      description: 'A ticket of an order not confirmed (yet, or ever) is answered as a missing one (404).',
      params: { id: 'TicketId' },
      readYourWrites: true,
      responses: { 200: { description: 'The ticket', schema: Ticket } },
      errors: ticketNotFound,
    },
    async (req, res) => {
      res.json(await tickets.get(currentUser(req).sub, pathParam(req, 'id')));
    },
  );

  op(
    router,
    {
      method: 'get',
      path: '/:id/download',
      operationId: 'downloadTicket',
      summary: "The ticket's QR code (its payload is the barcode) as a PNG attachment",
      params: { id: 'TicketId' },
      readYourWrites: true,
      responses: {
        200: {
          description:
            'The QR code image (`Content-Disposition: attachment; filename="ticket-{ticket_id}.png"`, `Cache-Control: private, no-store`)',
          media: { type: 'image/png', schema: { type: 'string', format: 'binary' } },
        },
      },
      errors: {
        ...ticketNotFound,
        409: ['The ticket is void or was transferred: it has no valid code', ['TICKET_NOT_ACTIVE']],
      },
    },
    async (req, res) => {
      const id = pathParam(req, 'id');
      const png = await tickets.qrPng(currentUser(req).sub, id);
      res.setHeader('Cache-Control', 'private, no-store');
      res.setHeader('Content-Disposition', `attachment; filename="ticket-${id.replace(/[^\w-]/g, '')}.png"`);
      res.type('image/png').send(png);
    },
  );

  op(
    router,
    {
      method: 'post',
      path: '/:id/transfer',
      operationId: 'transferTicket',
      summary: 'Offer a ticket to someone else by email (pending until they accept, for 7 days at most)',
      description:
        'The recipient accepts with POST /v1/transfers/{transfer_id}/accept, signed in with that email; the sender can ' +
        'take the offer back with DELETE /v1/transfers/{transfer_id}. A transfer never outlives the event start. ' +
        'With an `Idempotency-Key`, a retry answers the first transfer instead of 409.',
      params: { id: 'TicketId' },
      idempotent: true,
      contended: true,
      body: TransferTicketDto,
      invalid: 'Missing or unknown fields, an invalid email, a blank or over-long name',
      responses: { 200: { description: 'The transfer, `PENDING`', schema: Transfer } },
      errors: {
        ...ticketNotFound,
        409: [
          'Not transferable now: void, already transferred, a transfer already pending, the event started, or the recipient is the holder',
          ['TICKET_NOT_TRANSFERABLE'],
        ],
      },
    },
    async (req, res, { body: dto }) => {
      const { position, ...transfer } = await tickets.requestTransfer(
        currentUser(req).sub,
        pathParam(req, 'id'),
        dto,
        commandMetadata(req),
      );
      answerCommand(res, 200, { position }, transfer);
    },
  );
  return router;
}

/** `/v1/transfers`: the recipient accepts, the sender cancels. */
export function transferRoutes({ tickets, idempotent = passThrough }: TicketRouteDeps): ApiRouter {
  const router = apiRouter({ tag: 'transfers', auth: 'bearer', noStore: true, idempotent });

  op(
    router,
    {
      method: 'post',
      path: '/:id/accept',
      operationId: 'acceptTransfer',
      idempotent: true,
      summary: "Accept a ticket transfer addressed to the caller's email",
      description:
        'The old ticket turns `TRANSFERRED` and a new ticket with a new barcode is issued to the caller. Accepting again ' +
        'answers the same result. No body is needed.',
      params: { id: 'TransferId' },
      contended: true,
      responses: {
        200: { description: 'Accepted: `ticket_id` is the new ticket', schema: TransferAcceptance },
      },
      errors: {
        404: [
          'No such transfer, one addressed to another email, or one the sender cancelled',
          ['TRANSFER_NOT_FOUND'],
        ],
        409: [
          'The ticket can no longer be transferred (voided, transferred meanwhile, the event started, or the caller already holds it)',
          ['TICKET_NOT_TRANSFERABLE'],
        ],
        410: ['The transfer expired', ['TRANSFER_EXPIRED']],
      },
    },
    async (req, res) => {
      const user = currentUser(req);
      const { position, ...accepted } = await tickets.acceptTransfer(
        user.sub,
        user.email,
        pathParam(req, 'id'),
        commandMetadata(req),
      );
      answerCommand(res, 200, { position }, accepted);
    },
  );

  op(
    router,
    {
      method: 'delete',
      path: '/:id',
      operationId: 'cancelTransfer',
      summary: 'Take back a pending transfer (the sender only; cancelling twice is 204 again)',
      params: { id: 'TransferId' },
      contended: true,
      responses: { 204: { description: 'Cancelled; the ticket is transferable again' } },
      errors: {
        404: ["No such transfer, or someone else's", ['TRANSFER_NOT_FOUND']],
        409: ['The transfer was already accepted', ['TICKET_NOT_TRANSFERABLE']],
      },
    },
    async (req, res) => {
      const user = currentUser(req).sub;
      answerCommand(res, 204, await tickets.cancelTransfer(user, pathParam(req, 'id'), commandMetadata(req)));
    },
  );
  return router;
}
