import { normalizeEmail } from '../../domain/customer/customer';
import type { TicketTransferFacts } from '../../domain/order/order';
import type { DomainEvent } from '../../domain/shared/decider';
import { DomainError } from '../../domain/shared/errors';
import {
  barcodeDecider,
  ticketDecider,
  ticketStream,
  type IssueTicket,
  type TicketEvent,
  type TicketVoided,
} from '../../domain/ticket/ticket';
import { currentSchemaVersion } from '../events/event-schemas';
import type { OrderProcessor } from '../orders/order-processor';
import type { Clock } from '../ports/clock';
import {
  WrongExpectedVersionError,
  type EventStore,
  type EventToAppend,
  type StreamAppend,
} from '../ports/event-store';
import type { QrRenderer } from '../ports/qr-renderer';
import type { ReadStore } from '../ports/read-store';
import type { CommandMetadata } from '../shared/command-metadata';
import type { CommandOutcome } from '../shared/stream-command-processor';
import { barcodeCandidate, barcodeStream, claimBarcode, type BarcodeProcessor } from './barcodes';
import { ticketIdFor } from './ticket-ids';
import type { TicketProcessor } from './ticket-processor';
import { timeOrderedUuid } from '../shared/time-ordered-ids';

export const DEFAULT_TRANSFER_TTL_SECONDS = 7 * 24 * 3600;

/** What the tickets module is built from (the processors are the composition root's, shared). */
export interface TicketDependencies {
  tickets: TicketProcessor;
  barcodes: BarcodeProcessor;
  /** Only to record a transfer's start on its order (where cancellations are decided). */
  orders: OrderProcessor;
  /** The log's head position; and, where the store has it, one atomic append of an order's tickets and barcodes. */
  store: Pick<EventStore, 'headPosition' | 'appendMany'>;
  readStore: ReadStore;
  clock: Clock;
  qr: QrRenderer;
  /** The account registered with this (normalised) email, if any. */
  findUserIdByEmail: (email: string) => Promise<string | undefined>;
  /** Waits until projections reached the log's head. */
  catchUp: () => Promise<unknown>;
  transferTtlSeconds?: number;
}

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

/**
 * The tickets' side of the order sagas and of an order's cancellation: issue, void, and the transfer facts a
 * cancellation is decided on. Everything is read from and written to the tickets' own streams.
 */
export class TicketFulfillment {
  constructor(protected readonly deps: TicketDependencies) {}

  /** Deterministic ticket id of a seat of an order (the sagas use it to void what may have been issued). */
  ticketIdFor(orderId: string, seatId: string): string {
    return ticketIdFor(orderId, seatId);
  }

  /**
   * The transfer facts of an order's tickets as their streams say now (not a read model, and not a cache another
   * process may have outdated), for the order's cancellation decision.
   */
  async transferFacts(orderId: string, seatIds: string[]): Promise<TicketTransferFacts[]> {
    return Promise.all(
      seatIds.map(async (seatId) => {
        const ticketId = ticketIdFor(orderId, seatId);
        const { state } = await this.deps.tickets.readFresh(ticketId);
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

  /**
   * Fulfillment: one ticket per seat, each with a unique barcode. Safe to call again (ids and barcodes are
   * deterministic, issuing an issued ticket records nothing), so a redelivered message changes nothing.
   */
  async issueForOrder(order: OrderToFulfil, metadata: CommandMetadata): Promise<IssuedTicket[]> {
    const ownerEmail = order.userEmail === undefined ? undefined : normalizeEmail(order.userEmail);
    const issue = (seat: OrderToFulfil['seats'][number], ticketId: string, barcode: string): IssueTicket => ({
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
    });
    const issued = await this.issueAtOnce(order, issue, metadata);
    if (issued) return issued;
    return Promise.all(
      order.seats.map(async (seat) => {
        const ticketId = ticketIdFor(order.orderId, seat.seatId);
        const barcode = await claimBarcode(this.deps.barcodes, ticketId, metadata);
        await this.deps.tickets.execute(ticketId, issue(seat, ticketId, barcode), metadata);
        const { state } = await this.deps.tickets.read(ticketId);
        return { ticketId, seatId: seat.seatId, barcode: state.exists ? state.barcode : barcode };
      }),
    );
  }

  /**
   * The usual first issue of an order's tickets, in one atomic append (where the store has one): every ticket
   * with the first barcode candidate it derives, each ticket and barcode stream expected new. Decided by the same
   * deciders as one command per stream would be. Undefined when any of those streams exists (a redelivery, a
   * barcode another ticket holds): nothing was written, and the caller goes one stream at a time, as it did
   * before, which handles both.
   */
  private async issueAtOnce(
    order: OrderToFulfil,
    issue: (seat: OrderToFulfil['seats'][number], ticketId: string, barcode: string) => IssueTicket,
    metadata: CommandMetadata,
  ): Promise<IssuedTicket[] | undefined> {
    const { store, clock, tickets, barcodes } = this.deps;
    if (!store.appendMany || order.seats.length === 0) return undefined;
    const now = clock.now();
    const toAppend = (event: DomainEvent): EventToAppend => ({
      id: timeOrderedUuid(),
      type: event.type,
      data: event.data,
      metadata: { ...metadata, schemaVersion: currentSchemaVersion(event.type) },
    });
    const appends: StreamAppend[] = [];
    const issued = order.seats.map((seat) => {
      const ticketId = ticketIdFor(order.orderId, seat.seatId);
      const barcode = barcodeCandidate(ticketId, 0);
      const claimed = barcodeDecider.decide(
        { type: 'ClaimBarcode', barcode, ticketId },
        barcodeDecider.initialState(),
      );
      const ticket = ticketDecider.decide(issue(seat, ticketId, barcode), ticketDecider.initialState(), {
        now,
      });
      appends.push(
        { stream: barcodeStream(barcode), events: claimed.map(toAppend), expectedRevision: 'no_stream' },
        { stream: ticketStream(ticketId), events: ticket.map(toAppend), expectedRevision: 'no_stream' },
      );
      return { ticketId, seatId: seat.seatId, barcode };
    });
    try {
      await store.appendMany(appends);
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) return undefined;
      throw error;
    }
    // Written around the processors: whatever they cached of these streams (that they did not exist) is stale.
    for (const { ticketId, barcode } of issued) {
      tickets.forget(ticketId);
      barcodes.forget(barcode);
    }
    return issued;
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
          outcome = await this.deps.tickets.execute(id, { type: 'VoidTicket', reason }, metadata);
        } catch (error) {
          if (error instanceof DomainError && error.code === 'TICKET_NOT_FOUND') break;
          throw error;
        }
        position = Math.max(position, outcome.position);
        if (outcome.events.some((e): e is TicketVoided => e.type === 'TicketVoided')) voided.push(id);
        // After the command the processor's state is current for this stream (a stale cache would have
        // conflicted and reloaded), so a transfer that happened meanwhile is seen here.
        const { state } = await this.deps.tickets.read(id);
        id = state.exists ? state.successorTicketId : null;
      }
    }
    return { voided, position: position || (await this.deps.store.headPosition()) };
  }
}
