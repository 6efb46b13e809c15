import crypto from 'node:crypto';
import type { TicketDetails } from '../../src/domain/ticket/ticket';
import { ManualClock } from '../../src/infrastructure/clock/system-clock';
import {
  apiSpecification,
  emailClaimed,
  orderConfirmed,
  orderPlaced,
  placedOrderData,
  streams,
  ticketIssued,
  type ApiSpecification,
  type Streams,
} from '../support/api-spec';

// Transfers: given the order's stream and the ticket's stream, one request, the events it appends or the error.
// The transfer rules are the ticket and order deciders' (tests/unit/ticket.unit.test.ts, order.unit.test.ts).

const NOW = '2030-03-01T12:00:00.000Z';
const EVENT_DATE = '2030-08-15T19:00:00.000Z';
const WEEK_LATER = '2030-03-08T12:00:00.000Z';
const at = (offsetSeconds: number) => new Date(Date.parse(NOW) + offsetSeconds * 1000).toISOString();
/** The email uniqueness stream (sha256 of the normalised address): how the server finds a recipient's account. */
const emailStream = (email: string) => `email-${crypto.createHash('sha256').update(email).digest('hex')}`;

describe('tickets and transfers: given events, one request, new events or an error', () => {
  const clock = new ManualClock(NOW);
  let spec: ApiSpecification;
  let n = 0;

  /** A confirmed order of one ticket owned by alice; bob has an account. Tokens carry `${userId}@example.test`. */
  const scene = (options: { eventDate?: string } = {}) => {
    const k = ++n;
    const alice = { userId: `alice-${k}`, email: `alice-${k}@example.test` };
    const bob = { userId: `bob-${k}`, email: `bob-${k}@example.test` };
    const orderId = `tk-spec-order-${k}`;
    const ticketId = `tk-spec-ticket-${k}`;
    const eventDate = options.eventDate ?? EVENT_DATE;
    const placed = placedOrderData(
      {
        orderId,
        userId: alice.userId,
        eventId: `tk-spec-event-${k}`,
        reservationId: `tk-spec-hold-${k}`,
        placedAt: at(-3600),
      },
      { eventDate, authorizationId: `auth-${k}` },
    );
    const details: TicketDetails = {
      ticketId,
      orderId,
      eventId: placed.eventId,
      ownerUserId: alice.userId,
      ownerEmail: null,
      seatId: 's1:A:1',
      section: 'Floor',
      row: 'A',
      seat: '1',
      barcode: String(100_000_000_000 + k),
      eventName: 'The Test Tour',
      eventDate,
      venueName: 'Test Arena',
      previousTicketId: null,
    };
    const given: Streams = {
      [emailStream(alice.email)]: [emailClaimed(alice.email, alice.userId)],
      [emailStream(bob.email)]: [emailClaimed(bob.email, bob.userId)],
      [streams.order(orderId)]: [orderPlaced(placed), orderConfirmed(placed, at(-3000))],
      [streams.ticket(ticketId)]: [ticketIssued(details, at(-2900))],
    };
    return {
      alice: { ...alice, token: spec.t.mintToken(alice.userId) },
      bob: { ...bob, token: spec.t.mintToken(bob.userId) },
      orderId,
      ticketId,
      details,
      given,
    };
  };
  /** The scene with a pending transfer `tr-{k}` from alice to bob, as a transfer request leaves it. */
  const pendingTransfer = (s: ReturnType<typeof scene>, expiresAt = WEEK_LATER) => {
    const transferId = `tr-${s.ticketId}`;
    const given: Streams = {
      [streams.order(s.orderId)]: [
        {
          type: 'TicketTransferStarted',
          data: { orderId: s.orderId, ticketId: s.ticketId, transferId, startedAt: at(-60) },
        },
      ],
      [streams.ticket(s.ticketId)]: [
        {
          type: 'TransferRequested',
          data: {
            ticketId: s.ticketId,
            transferId,
            fromUserId: s.alice.userId,
            recipientEmail: s.bob.email,
            recipientName: 'Bob',
            expiresAt,
            requestedAt: at(-60),
          },
        },
      ],
    };
    return { transferId, given };
  };
  const transfer = (token: string, ticketId: string, recipientEmail: string) => ({
    method: 'POST',
    path: `/v1/tickets/${ticketId}/transfer`,
    token,
    body: { recipient_email: recipientEmail, recipient_name: 'Bob' },
  });
  const accept = (token: string, transferId: string) => ({
    method: 'POST',
    path: `/v1/transfers/${transferId}/accept`,
    token,
  });

  beforeAll(async () => {
    spec = await apiSpecification({ clock });
  });
  afterAll(() => spec?.close());
  afterEach(() => clock.set(NOW));

  describe('POST /v1/tickets/{id}/transfer', () => {
    it('200 PENDING for a week; TicketTransferStarted on the order, then TransferRequested on the ticket', async () => {
      const s = scene();
      await spec
        .given(s.given)
        .when(transfer(s.alice.token, s.ticketId, s.bob.email.toUpperCase()))
        .then({
          status: 200,
          body: {
            transfer_id: expect.any(String),
            status: 'PENDING',
            recipient_email: s.bob.email,
            expires_at: WEEK_LATER,
          },
          events: (res) => ({
            [streams.order(s.orderId)]: [
              {
                type: 'TicketTransferStarted',
                data: {
                  orderId: s.orderId,
                  ticketId: s.ticketId,
                  transferId: res.body.transfer_id,
                  startedAt: NOW,
                },
              },
            ],
            [streams.ticket(s.ticketId)]: [
              {
                type: 'TransferRequested',
                data: {
                  ticketId: s.ticketId,
                  transferId: res.body.transfer_id,
                  fromUserId: s.alice.userId,
                  recipientEmail: s.bob.email,
                  recipientName: 'Bob',
                  expiresAt: WEEK_LATER,
                  requestedAt: NOW,
                },
              },
            ],
          }),
        });
    });

    it('409 TICKET_NOT_TRANSFERABLE to oneself, before anything is written', async () => {
      const s = scene();
      await spec
        .given(s.given)
        .when(transfer(s.alice.token, s.ticketId, s.alice.email))
        .thenError(409, 'TICKET_NOT_TRANSFERABLE');
    });

    it('409 TICKET_NOT_TRANSFERABLE once the event started, before anything is written', async () => {
      const s = scene({ eventDate: at(-1) });
      // What the ticket would refuse is refused before the order records a start (which would hold off the
      // order's cancellation for a while, naming a transfer the client never saw).
      await spec
        .given(s.given)
        .when(transfer(s.alice.token, s.ticketId, s.bob.email))
        .thenError(409, 'TICKET_NOT_TRANSFERABLE');
    });

    it('409 TICKET_NOT_TRANSFERABLE while a transfer is pending, before anything is written', async () => {
      const s = scene();
      const p = pendingTransfer(s);
      await spec
        .given(s.given, p.given)
        .when(transfer(s.alice.token, s.ticketId, 'carol@example.test'))
        .thenError(409, 'TICKET_NOT_TRANSFERABLE');
    });

    it("404 TICKET_NOT_FOUND for someone else's ticket, and nothing is written", async () => {
      const s = scene();
      await spec
        .given(s.given)
        .when(transfer(s.bob.token, s.ticketId, 'carol@example.test'))
        .thenError(404, 'TICKET_NOT_FOUND');
    });
  });

  describe('POST /v1/transfers/{id}/accept', () => {
    it('200 ACCEPTED: a barcode claimed, the old ticket TicketTransferred, the new one TicketIssued to the recipient', async () => {
      const s = scene();
      const p = pendingTransfer(s);
      await spec
        .given(s.given, p.given)
        .when(accept(s.bob.token, p.transferId))
        .then({
          status: 200,
          body: { transfer_id: p.transferId, status: 'ACCEPTED', ticket_id: expect.any(String) },
          events: (res, appended) => {
            const claim = appended.find((e) => e.type === 'BarcodeClaimed');
            const barcode = (claim?.data as { barcode: string } | undefined)?.barcode ?? 'none claimed';
            const newTicketId = res.body.ticket_id;
            return {
              [`barcode-${barcode}`]: [{ type: 'BarcodeClaimed', data: { barcode, ticketId: newTicketId } }],
              [streams.ticket(s.ticketId)]: [
                {
                  type: 'TicketTransferred',
                  data: {
                    ticketId: s.ticketId,
                    transferId: p.transferId,
                    fromUserId: s.alice.userId,
                    recipientUserId: s.bob.userId,
                    recipientEmail: s.bob.email,
                    newTicketId,
                    newBarcode: barcode,
                    transferredAt: NOW,
                  },
                },
              ],
              [streams.ticket(newTicketId)]: [
                ticketIssued(
                  {
                    ...s.details,
                    ticketId: newTicketId,
                    ownerUserId: s.bob.userId,
                    ownerEmail: s.bob.email,
                    barcode,
                    previousTicketId: s.ticketId,
                  },
                  NOW,
                ),
              ],
            };
          },
        });
    });

    it('404 TRANSFER_NOT_FOUND for any account but the recipient, and for an unknown transfer', async () => {
      const s = scene();
      const p = pendingTransfer(s);
      await spec
        .given(s.given, p.given)
        .when(accept(s.alice.token, p.transferId))
        .thenError(404, 'TRANSFER_NOT_FOUND');
      await spec
        .given()
        .when(accept(spec.t.mintToken('carol'), p.transferId))
        .thenError(404, 'TRANSFER_NOT_FOUND');
      await spec.given().when(accept(s.bob.token, 'no-such-transfer')).thenError(404, 'TRANSFER_NOT_FOUND');
    });

    it('410 TRANSFER_EXPIRED at and after its expiry', async () => {
      const s = scene();
      const p = pendingTransfer(s, at(3600));
      clock.set(at(3600));
      await spec
        .given(s.given, p.given)
        .when(accept(s.bob.token, p.transferId))
        .thenError(410, 'TRANSFER_EXPIRED');
    });

    it('404 TRANSFER_NOT_FOUND once the sender cancelled it', async () => {
      const s = scene();
      const p = pendingTransfer(s);
      const cancelled = {
        type: 'TransferCancelled',
        data: {
          ticketId: s.ticketId,
          transferId: p.transferId,
          byUserId: s.alice.userId,
          reason: 'cancelled',
          cancelledAt: at(-10),
        },
      };
      await spec
        .given(s.given, p.given, { [streams.ticket(s.ticketId)]: [cancelled] })
        .when(accept(s.bob.token, p.transferId))
        .thenError(404, 'TRANSFER_NOT_FOUND');
    });
  });

  describe('DELETE /v1/transfers/{id}', () => {
    it('204 and TransferCancelled by the sender; cancelling again appends nothing', async () => {
      const s = scene();
      const p = pendingTransfer(s);
      await spec
        .given(s.given, p.given)
        .when({ method: 'DELETE', path: `/v1/transfers/${p.transferId}`, token: s.alice.token })
        .then({
          status: 204,
          events: {
            [streams.ticket(s.ticketId)]: [
              {
                type: 'TransferCancelled',
                data: {
                  ticketId: s.ticketId,
                  transferId: p.transferId,
                  byUserId: s.alice.userId,
                  reason: 'cancelled',
                  cancelledAt: NOW,
                },
              },
            ],
          },
        });
      const again = await spec
        .given()
        .when({ method: 'DELETE', path: `/v1/transfers/${p.transferId}`, token: s.alice.token })
        .then({ status: 204, events: {} });
      const ticket = await spec.t.call('GET', `/v1/tickets/${s.ticketId}`, {
        token: s.alice.token,
        headers: { 'x-min-log-position': String(again.position) },
      });
      expect(ticket.body).toMatchObject({ status: 'ACTIVE', transferable: true });
    });

    it('404 TRANSFER_NOT_FOUND for anyone but the sender (the recipient included)', async () => {
      const s = scene();
      const p = pendingTransfer(s);
      await spec
        .given(s.given, p.given)
        .when({ method: 'DELETE', path: `/v1/transfers/${p.transferId}`, token: s.bob.token })
        .thenError(404, 'TRANSFER_NOT_FOUND');
    });
  });
});
