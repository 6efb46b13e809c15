import { randomUUID } from 'node:crypto';
import { v5 as uuidv5 } from 'uuid';
import { normalizeEmail } from '../../domain/customer/customer';
import { DomainError, fail } from '../../domain/shared/errors';
import {
  ticketDecider,
  ticketStream,
  type TicketCommand,
  type TicketContext,
  type TicketEvent,
  type TicketState,
  type TicketVoided,
  type TransferRequested,
} from '../../domain/ticket/ticket';
import { TRANSFER_START_WINDOW_MS, type TicketTransferFacts } from '../../domain/order/order';
import { createOrderProcessor, type OrderProcessor } from '../orders/order-processor';
import type { Clock } from '../ports/clock';
import type { EventStore } from '../ports/event-store';
import type { QrRenderer } from '../ports/qr-renderer';
import type { ReadStore } from '../ports/read-store';
import { COLLECTIONS, type TicketDoc, type TransferDoc } from '../read-models/documents';
import type { CommandMetadata } from '../shared/command-metadata';
import { StreamCommandProcessor, type CommandOutcome } from '../shared/stream-command-processor';
import { claimBarcode } from './barcodes';

export type TicketProcessor = StreamCommandProcessor<TicketCommand, TicketEvent, TicketState, TicketContext>;

/** Namespace of ticket ids (uuid v5): a seat of an order always becomes the same ticket id. Never change it. */
export const TICKET_ID_NAMESPACE = '5f0c3e9a-8d21-4b6e-9a47-1c2d3e4f5a6b';
/** Namespace of reissued tickets' ids (uuid v5 of the transfer id). Never change it. */
export const REISSUED_TICKET_ID_NAMESPACE = 'c81f6a02-3b7d-4e59-8f14-6a9b0d2e7c35';

/** The ticket id of one seat of one order (deterministic, so fulfillment retries issue nothing twice). */
export const ticketIdFor = (orderId: string, seatId: string) =>
  uuidv5(`${orderId}:${seatId}`, TICKET_ID_NAMESPACE);
/** The id of the ticket a transfer creates for its recipient. */
export const reissuedTicketIdFor = (transferId: string) => uuidv5(transferId, REISSUED_TICKET_ID_NAMESPACE);

export const DEFAULT_TRANSFER_TTL_SECONDS = 7 * 24 * 3600;

/** What fulfillment knows about a paid order. */
export interface OrderToFulfil {
  orderId: string;
  eventId: string;
  userId: string;
  /** The buyer's email when known (lets a transfer to oneself be refused by the decider too). */
  userEmail?: string;
  eventName: string;
  /** ISO 8601. */
  eventDate: string;
  venueName: string;
  seats: Array<{ seatId: string; section: string; row: string; seat: string }>;
}

export interface IssuedTicket {
  ticketId: string;
  seatId: string;
  barcode: string;
}

/** A ticket as the API shows it (the seed's shape plus a few fields). */
export interface TicketView {
  ticket_id: string;
  order_id: string;
  event_id: string;
  event_name: string;
  event_date: string;
  venue: string;
  section: string;
  row: string;
  seat: string;
  /** Base64 PNG of the QR code (its payload is the barcode); null once the ticket is no longer valid. */
  qr_code: string | null;
  barcode: string;
  status: TicketDoc['status'];
  transferable: boolean;
  download_url: string;
}

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
 * Tickets: issued and voided by the sagas, read and transferred by their holders.
 *
 * Writes go through the ticket decider (one stream per ticket). Reads come from the `tickets` and `transfers`
 * read models; an id that is not there yet (just written) gets one catch-up before the answer is 404.
 * Someone else's ticket or transfer is answered exactly like a missing one: ids are not an oracle.
 */
export class TicketService {
  readonly tickets: TicketProcessor;
  /** Only to record a transfer's start on its order (where cancellations are decided). */
  private readonly orders: OrderProcessor;

  constructor(
    private readonly store: EventStore,
    private readonly readStore: ReadStore,
    private readonly clock: Clock,
    private readonly qr: QrRenderer,
    /** The account registered with this (normalised) email, if any. */
    private readonly findUserIdByEmail: (email: string) => Promise<string | undefined>,
    /** Waits until projections reached the log's head. */
    private readonly catchUp: () => Promise<unknown>,
    private readonly transferTtlSeconds = DEFAULT_TRANSFER_TTL_SECONDS,
  ) {
    this.tickets = new StreamCommandProcessor(store, {
      streamName: ticketStream,
      decider: ticketDecider,
      context: () => ({ now: clock.now() }),
    });
    // Its own processor on the order streams: a stale cache here or in OrderService's only costs a conflict
    // and a reload (every append carries the expected revision).
    this.orders = createOrderProcessor(store, clock);
  }

  /**
   * The transfer facts of an order's tickets, folded from their own streams in the store (the write side, not
   * a read model and not a cache another process may have outdated), for the order's cancellation decision.
   */
  async transferFacts(orderId: string, seatIds: string[]): Promise<TicketTransferFacts[]> {
    return Promise.all(
      seatIds.map(async (seatId) => {
        const ticketId = ticketIdFor(orderId, seatId);
        let state: TicketState = ticketDecider.initialState();
        for (const recorded of await this.store.readStream(ticketStream(ticketId)))
          state = ticketDecider.evolve(state, { type: recorded.type, data: recorded.data } as TicketEvent);
        if (!state.exists) return { ticketId, status: 'NOT_ISSUED' as const, transfers: [] };
        return {
          ticketId,
          status: state.status,
          transfers: [...state.transfers.values()].map((t) => ({
            transferId: t.transferId,
            status: t.status,
            expiresAt: new Date(t.expiresAt).toISOString(),
          })),
        };
      }),
    );
  }

  // ---- sagas -------------------------------------------------------------------------------------------

  /**
   * Fulfillment: one ticket per seat, each with a unique barcode. Safe to call again (ids and barcodes are
   * deterministic, issuing an issued ticket records nothing), so a redelivered message changes nothing.
   */
  /** Deterministic ticket id of a seat of an order (the sagas use it to void what may have been issued). */
  ticketIdFor(orderId: string, seatId: string): string {
    return ticketIdFor(orderId, seatId);
  }

  async issueForOrder(order: OrderToFulfil, metadata: CommandMetadata): Promise<IssuedTicket[]> {
    const ownerEmail = order.userEmail === undefined ? undefined : normalizeEmail(order.userEmail);
    return Promise.all(
      order.seats.map(async (seat) => {
        const ticketId = ticketIdFor(order.orderId, seat.seatId);
        const barcode = await claimBarcode(this.store, ticketId, metadata);
        await this.tickets.execute(
          ticketId,
          {
            type: 'IssueTicket',
            ticketId,
            orderId: order.orderId,
            eventId: order.eventId,
            ownerUserId: order.userId,
            ownerEmail,
            seatId: seat.seatId,
            section: seat.section,
            row: seat.row,
            seat: seat.seat,
            barcode,
            eventName: order.eventName,
            eventDate: order.eventDate,
            venueName: order.venueName,
          },
          metadata,
        );
        const { state } = await this.tickets.read(ticketId);
        return { ticketId, seatId: seat.seatId, barcode: state.exists ? state.barcode : barcode };
      }),
    );
  }

  /**
   * Cancellation: voids these tickets and, for any that were transferred, the tickets that reissued them.
   * Idempotent; tickets never issued are skipped (so the saga may pass `ticketIdFor(orderId, seatId)` for
   * every seat of the order, whether or not fulfillment got to record them).
   */
  async voidForOrder(ticketIds: string[], reason: string, metadata: CommandMetadata): Promise<void> {
    await this.voidTickets(ticketIds, reason, metadata);
  }

  /** voidForOrder, answering which tickets this call voided and the log position it reached. */
  async voidTickets(
    ticketIds: string[],
    reason: string,
    metadata: CommandMetadata,
  ): Promise<{ voided: string[]; position: number }> {
    const voided: string[] = [];
    const seen = new Set<string>();
    let position = 0;
    for (const first of ticketIds) {
      let id: string | null = first;
      while (id !== null && !seen.has(id)) {
        seen.add(id);
        let outcome: CommandOutcome<TicketEvent>;
        try {
          outcome = await this.tickets.execute(id, { type: 'VoidTicket', reason }, metadata);
        } catch (error) {
          if (error instanceof DomainError && error.code === 'TICKET_NOT_FOUND') break;
          throw error;
        }
        position = Math.max(position, outcome.position);
        if (outcome.events.some((e): e is TicketVoided => e.type === 'TicketVoided')) voided.push(id);
        // After the command the processor's state is current for this stream (a stale cache would have
        // conflicted and reloaded), so a transfer that happened meanwhile is seen here.
        const { state }: { state: TicketState } = await this.tickets.read(id);
        id = state.exists ? state.successorTicketId : null;
      }
    }
    return { voided, position: position || (await this.store.headPosition()) };
  }

  // ---- holders -----------------------------------------------------------------------------------------

  /** The caller's tickets of one order (after a transfer the recipient sees the new ticket, the sender the old one). */
  async listForOrder(userId: string, orderId: string): Promise<TicketView[]> {
    const collection = this.readStore.collection<TicketDoc>(COLLECTIONS.tickets);
    const filter = { order_id: orderId, owner_user_id: userId };
    let docs = await collection.find(filter);
    if (docs.length === 0) {
      await this.catchUp();
      docs = await collection.find(filter);
    }
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
    return this.qr.png(doc.barcode);
  }

  async requestTransfer(
    userId: string,
    ticketId: string,
    input: { recipient_email: string; recipient_name: string },
    metadata: CommandMetadata,
  ): Promise<TransferRequestView> {
    const doc = await this.visibleTicket(userId, ticketId);
    const recipientEmail = normalizeEmail(input.recipient_email);
    if ((await this.findUserIdByEmail(recipientEmail)) === userId) {
      fail('TICKET_NOT_TRANSFERABLE', 'This ticket cannot be transferred: you already hold it');
    }
    const transferId = randomUUID();
    const expiresAt = new Date(this.clock.now().getTime() + this.transferTtlSeconds * 1000).toISOString();
    // First on the order: a cancelled order starts no transfer, and a cancellation racing this request sees
    // it (the ticket then records the request only within the window the order counts it as open).
    const started = await this.orders.execute(
      doc.order_id,
      { type: 'StartTicketTransfer', ticketId, transferId },
      metadata,
    );
    const startedAt = started.events.find((e) => e.type === 'TicketTransferStarted')?.data as
      { startedAt: string } | undefined;
    const notAfter = new Date(
      (startedAt ? Date.parse(startedAt.startedAt) : this.clock.now().getTime()) + TRANSFER_START_WINDOW_MS,
    ).toISOString();
    let outcome: CommandOutcome<TicketEvent>;
    try {
      outcome = await this.tickets.execute(
        ticketId,
        {
          type: 'RequestTransfer',
          transferId,
          fromUserId: userId,
          recipientEmail,
          recipientName: input.recipient_name.trim(),
          expiresAt,
          notAfter,
        },
        metadata,
      );
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
    // Checked here too (the decider decides), so wrong callers never get a barcode claimed on their behalf.
    if (!doc || doc.recipient_email !== email || doc.status === 'CANCELLED') return transferNotFound();
    if (doc.status === 'PENDING' && Date.parse(doc.expires_at) <= this.clock.now().getTime()) {
      fail('TRANSFER_EXPIRED', 'This transfer has expired', { transfer_id: transferId });
    }
    const newTicketId = reissuedTicketIdFor(transferId);
    const newBarcode = await claimBarcode(this.store, newTicketId, metadata);
    const accepted = await this.tickets.execute(
      doc.ticket_id,
      {
        type: 'AcceptTransfer',
        transferId,
        recipientUserId: userId,
        recipientEmail: email,
        newTicketId,
        newBarcode,
      },
      metadata,
    );
    const { state: old } = await this.tickets.read(doc.ticket_id);
    if (!old.exists) return transferNotFound(); // cannot happen: the acceptance needed the ticket
    const issued = await this.tickets.execute(
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
    if (!doc || doc.from_user_id !== userId) return transferNotFound();
    const { position } = await this.tickets.execute(
      doc.ticket_id,
      { type: 'CancelTransfer', transferId, byUserId: userId },
      metadata,
    );
    return { position };
  }

  // ---- internals ---------------------------------------------------------------------------------------

  private async visibleTicket(userId: string, ticketId: string): Promise<TicketDoc> {
    const collection = this.readStore.collection<TicketDoc>(COLLECTIONS.tickets);
    let doc = await collection.get(ticketId);
    if (!doc) {
      await this.catchUp();
      doc = await collection.get(ticketId);
    }
    if (!doc || doc.owner_user_id !== userId) return ticketNotFound();
    return doc;
  }

  private async findTransfer(transferId: string): Promise<TransferDoc | null> {
    const collection = this.readStore.collection<TransferDoc>(COLLECTIONS.transfers);
    const doc = await collection.get(transferId);
    if (doc) return doc;
    await this.catchUp();
    return collection.get(transferId);
  }

  /** Transferable now: active, the event not started, no live transfer pending. */
  private transferable(doc: TicketDoc): boolean {
    const now = this.clock.now().getTime();
    if (doc.status !== 'ACTIVE' || now >= Date.parse(doc.event_date)) return false;
    return !(doc.pending_transfer && Date.parse(doc.pending_transfer.expires_at) > now);
  }

  private async view(doc: TicketDoc): Promise<TicketView> {
    return {
      ticket_id: doc.ticket_id,
      order_id: doc.order_id,
      event_id: doc.event_id,
      event_name: doc.event_name,
      event_date: doc.event_date,
      venue: doc.venue,
      section: doc.section,
      row: doc.row,
      seat: doc.seat,
      qr_code: doc.status === 'ACTIVE' ? await this.qr.base64Png(doc.barcode) : null,
      barcode: doc.barcode,
      status: doc.status,
      transferable: this.transferable(doc),
      download_url: `/v1/tickets/${doc.ticket_id}/download`,
    };
  }
}

const collator = new Intl.Collator('en', { numeric: true });
const compare = (a: string, b: string) => collator.compare(a, b);
