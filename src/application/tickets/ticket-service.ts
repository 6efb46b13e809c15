import { randomUUID } from 'node:crypto';
import { normalizeEmail } from '../../domain/customer/customer';
import { TRANSFER_START_WINDOW_MS } from '../../domain/order/order';
import { DomainError, fail } from '../../domain/shared/errors';
import { ticketDecider, type TicketEvent, type TransferRequested } from '../../domain/ticket/ticket';
import { COLLECTIONS, type OrderDoc, type TicketDoc, type TransferDoc } from '../read-models/documents';
import { getCaughtUp } from '../read-models/caught-up';
import type { CommandMetadata } from '../shared/command-metadata';
import type { CommandOutcome } from '../shared/stream-command-processor';
import { claimBarcode } from './barcodes';
import { DEFAULT_TRANSFER_TTL_SECONDS, TicketFulfillment } from './ticket-fulfillment';
import { reissuedTicketIdFor } from './ticket-ids';
import { ticketView, type TicketView } from './ticket-view';

export {
  DEFAULT_TRANSFER_TTL_SECONDS,
  TicketFulfillment,
  type IssuedTicket,
  type OrderToFulfil,
  type TicketDependencies,
} from './ticket-fulfillment';
export {
  REISSUED_TICKET_ID_NAMESPACE,
  TICKET_ID_NAMESPACE,
  reissuedTicketIdFor,
  ticketIdFor,
} from './ticket-ids';
export type { TicketProcessor } from './ticket-processor';
export type { TicketView } from './ticket-view';

export interface TransferRequestView {
  transfer_id: string;
  status: 'PENDING';
  recipient_email: string;
  expires_at: string;
  /** Log position (for X-Log-Position; not part of the JSON body). */
  position: number;
}

export interface TransferAcceptedView {
  transfer_id: string;
  status: 'ACCEPTED';
  ticket_id: string;
  position: number;
}

const ticketNotFound = (): never => fail('TICKET_NOT_FOUND', 'Ticket not found');
const transferNotFound = (): never => fail('TRANSFER_NOT_FOUND', 'Transfer not found');

/**
 * Tickets for their holders: read, download, transfer (on top of TicketFulfillment: what the sagas do).
 *
 * Writes go through the ticket processor (one stream per ticket) and are decided by the ticket decider. Reads
 * come from the `tickets` and `transfers` read models, which also say which ticket a transfer id belongs to;
 * an id that is not there yet (just written) gets one catch-up before the answer is 404. Someone else's
 * ticket or transfer is answered exactly like a missing one: ids are not an oracle.
 */
export class TicketService extends TicketFulfillment {
  private get transferTtlSeconds(): number {
    return this.deps.transferTtlSeconds ?? DEFAULT_TRANSFER_TTL_SECONDS;
  }

  /** The caller's tickets of one order (after a transfer the recipient sees the new ticket, the sender the old one). */
  async listForOrder(userId: string, orderId: string): Promise<TicketView[]> {
    const collection = this.deps.readStore.collection<TicketDoc>(COLLECTIONS.tickets);
    const filter = { order_id: orderId, owner_user_id: userId };
    let docs = await collection.find(filter);
    if (docs.length === 0) {
      await this.deps.catchUp();
      docs = await collection.find(filter);
    }
    if (docs.length > 0 && !(await this.orderConfirmed(orderId))) return [];
    const ordered = [...docs].sort(
      (a, b) =>
        compare(a.section, b.section) ||
        compare(a.row, b.row) ||
        compare(a.seat, b.seat) ||
        compare(a.ticket_id, b.ticket_id),
    );
    return Promise.all(ordered.map((doc) => this.view(doc)));
  }

  async get(userId: string, ticketId: string): Promise<TicketView> {
    return this.view(await this.visibleTicket(userId, ticketId));
  }

  /** The QR code as a PNG, for a ticket that is still valid (TICKET_NOT_ACTIVE otherwise). */
  async qrPng(userId: string, ticketId: string): Promise<Buffer> {
    const doc = await this.visibleTicket(userId, ticketId);
    if (doc.status !== 'ACTIVE') {
      fail('TICKET_NOT_ACTIVE', `This ticket is ${doc.status.toLowerCase()}: it has no valid code`, {
        status: doc.status,
      });
    }
    return this.deps.qr.png(doc.barcode);
  }

  async requestTransfer(
    userId: string,
    ticketId: string,
    input: { recipient_email: string; recipient_name: string },
    metadata: CommandMetadata,
  ): Promise<TransferRequestView> {
    const doc = await this.visibleTicket(userId, ticketId);
    const recipientEmail = normalizeEmail(input.recipient_email);
    if ((await this.deps.findUserIdByEmail(recipientEmail)) === userId) {
      fail('TICKET_NOT_TRANSFERABLE', 'This ticket cannot be transferred: you already hold it');
    }
    const transferId = randomUUID();
    const now = this.deps.clock.now().getTime();
    const expiresAt = new Date(now + this.transferTtlSeconds * 1000).toISOString();
    const request = {
      type: 'RequestTransfer' as const,
      transferId,
      fromUserId: userId,
      recipientEmail,
      recipientName: input.recipient_name.trim(),
      expiresAt,
    };
    // What the ticket would refuse (a transfer already pending, a used or void ticket) is refused before anything
    // is started on the order: a started transfer holds off the order's cancellation for a while.
    try {
      const { state: ticket } = await this.deps.tickets.readFresh(ticketId);
      ticketDecider.decide(request, ticket, { now: new Date(now) });
    } catch (error) {
      if (error instanceof DomainError && error.code === 'FORBIDDEN') return ticketNotFound();
      throw error;
    }
    // First on the order: a cancelled order starts no transfer, and a cancellation racing this request sees
    // it (the ticket then records the request only within the window the order counts it as open).
    const started = await this.deps.orders.execute(
      doc.order_id,
      { type: 'StartTicketTransfer', ticketId, transferId },
      metadata,
    );
    const startedAt = started.events.find((e) => e.type === 'TicketTransferStarted')?.data as
      { startedAt: string } | undefined;
    const notAfter = new Date(
      (startedAt ? Date.parse(startedAt.startedAt) : now) + TRANSFER_START_WINDOW_MS,
    ).toISOString();
    let outcome: CommandOutcome<TicketEvent>;
    try {
      outcome = await this.deps.tickets.execute(ticketId, { ...request, notAfter }, metadata);
    } catch (error) {
      if (error instanceof DomainError && error.code === 'FORBIDDEN') return ticketNotFound();
      throw error;
    }
    const requested = outcome.events.find(
      (e): e is TransferRequested => e.type === 'TransferRequested',
    )!.data;
    return {
      transfer_id: requested.transferId,
      status: 'PENDING',
      recipient_email: requested.recipientEmail,
      expires_at: requested.expiresAt,
      position: outcome.position,
    };
  }

  /**
   * The recipient (the account whose email the transfer names) takes the ticket: the old ticket turns
   * TRANSFERRED, then a new ticket with a new barcode is issued to the recipient. Both steps are idempotent,
   * so accepting again after a failure between them completes the reissue.
   */
  async acceptTransfer(
    userId: string,
    userEmail: string,
    transferId: string,
    metadata: CommandMetadata,
  ): Promise<TransferAcceptedView> {
    const email = normalizeEmail(userEmail);
    const doc = await this.findTransfer(transferId);
    if (!doc) return transferNotFound();
    const newTicketId = reissuedTicketIdFor(transferId);
    const accept = {
      type: 'AcceptTransfer' as const,
      transferId,
      recipientUserId: userId,
      recipientEmail: email,
      newTicketId,
    };
    // Decided on the ticket's stream before a barcode is claimed, so wrong callers never get one claimed on
    // their behalf (decide is pure: this records nothing; the command below decides again).
    const { state: current } = await this.deps.tickets.readFresh(doc.ticket_id);
    ticketDecider.decide({ ...accept, newBarcode: '' }, current, { now: this.deps.clock.now() });
    const newBarcode = await claimBarcode(this.deps.barcodes, newTicketId, metadata);
    const accepted = await this.deps.tickets.execute(doc.ticket_id, { ...accept, newBarcode }, metadata);
    const { state: old } = await this.deps.tickets.read(doc.ticket_id);
    if (!old.exists) return transferNotFound(); // cannot happen: the acceptance needed the ticket
    const issued = await this.deps.tickets.execute(
      newTicketId,
      {
        type: 'IssueTicket',
        ticketId: newTicketId,
        orderId: old.orderId,
        eventId: old.eventId,
        ownerUserId: userId,
        ownerEmail: email,
        seatId: old.seatId,
        section: old.section,
        row: old.row,
        seat: old.seat,
        barcode: newBarcode,
        eventName: old.eventName,
        eventDate: old.eventDate,
        venueName: old.venueName,
        previousTicketId: old.ticketId,
      },
      metadata,
    );
    return {
      transfer_id: transferId,
      status: 'ACCEPTED',
      ticket_id: newTicketId,
      position: Math.max(accepted.position, issued.position),
    };
  }

  /** The sender takes a pending transfer back (cancelling twice is fine). */
  async cancelTransfer(
    userId: string,
    transferId: string,
    metadata: CommandMetadata,
  ): Promise<{ position: number }> {
    const doc = await this.findTransfer(transferId);
    if (!doc) return transferNotFound();
    // The decider checks the sender on the ticket's stream (TRANSFER_NOT_FOUND for anyone else).
    const { position } = await this.deps.tickets.execute(
      doc.ticket_id,
      { type: 'CancelTransfer', transferId, byUserId: userId },
      metadata,
    );
    return { position };
  }

  // ---- internals ---------------------------------------------------------------------------------------

  private async visibleTicket(userId: string, ticketId: string): Promise<TicketDoc> {
    const collection = this.deps.readStore.collection<TicketDoc>(COLLECTIONS.tickets);
    const doc = await getCaughtUp(collection, ticketId, this.deps.catchUp);
    if (!doc || doc.owner_user_id !== userId || !(await this.orderConfirmed(doc.order_id)))
      return ticketNotFound();
    return doc;
  }

  /**
   * Tickets are shown once their order was confirmed: the payment saga issues them a moment before it confirms
   * the order, and voids them if the order fails instead. A cancelled order was confirmed first (its tickets stay
   * visible, void).
   */
  private async orderConfirmed(orderId: string): Promise<boolean> {
    const orders = this.deps.readStore.collection<OrderDoc>(COLLECTIONS.orders);
    const confirmed = (order: OrderDoc | null) =>
      order?.status === 'CONFIRMED' || order?.status === 'CANCELLED';
    if (confirmed(await orders.get(orderId))) return true;
    // Confirmed just now (its tickets come first in the log): once more after the read models caught up.
    await this.deps.catchUp();
    return confirmed(await orders.get(orderId));
  }

  /** Which ticket a transfer id belongs to (a fact fixed when the transfer was requested). */
  private async findTransfer(transferId: string): Promise<TransferDoc | null> {
    const collection = this.deps.readStore.collection<TransferDoc>(COLLECTIONS.transfers);
    return getCaughtUp(collection, transferId, this.deps.catchUp);
  }

  private view(doc: TicketDoc): Promise<TicketView> {
    return ticketView(doc, this.deps.qr, this.deps.clock.now());
  }
}

const collator = new Intl.Collator('en', { numeric: true });
const compare = (a: string, b: string) => collator.compare(a, b);
