import type { DomainEvent } from '../shared/decider';

/**
 * Tickets. One stream per ticket, `ticket-{ticketId}`: issued once (by the payment saga, before its order is
 * confirmed), transferred at most once (a transfer reissues the seat as a NEW ticket on its own stream, with a new
 * barcode: the old barcode dies with the old ticket), voided by the cancellation saga (or by the payment saga,
 * when its order failed before it could be confirmed).
 *
 * A transfer is a small protocol on the old ticket: RequestTransfer (owner) -> AcceptTransfer (the account
 * whose email the owner named) or CancelTransfer (owner). Pending transfers expire lazily at `expiresAt`;
 * an expired one no longer blocks a new request.
 *
 * Barcodes are unique across all tickets: each is claimed on its own `barcode-{barcode}` stream before
 * issuing (see barcode.ts), so the ticket decider just records the barcode it is given.
 *
 * This file: the ticket's commands, events and state; its rules are in ticket.ts.
 */

// ---- commands ----------------------------------------------------------------------------------------

/** The ticket's details (see TicketDetails), its optional ones left out rather than null. */
export interface IssueTicket extends Omit<TicketDetails, 'ownerEmail' | 'previousTicketId'> {
  type: 'IssueTicket';
  ownerEmail?: string;
  previousTicketId?: string;
}

export interface RequestTransfer {
  type: 'RequestTransfer';
  transferId: string;
  fromUserId: string;
  /** Normalised (trimmed, lower-case). */
  recipientEmail: string;
  recipientName: string;
  /** ISO 8601; capped at the event's start (a transfer is worthless afterwards). */
  expiresAt: string;
  /**
   * ISO 8601: the request is refused after this (the order recorded the transfer's start and counts it as
   * open only for a bounded time; see TRANSFER_START_WINDOW_MS in the order decider).
   */
  notAfter?: string;
}

/** On the OLD ticket; the service then issues `newTicketId` (with `newBarcode`) on its own stream. */
export interface AcceptTransfer {
  type: 'AcceptTransfer';
  transferId: string;
  recipientUserId: string;
  /** Normalised: must be the email the transfer was addressed to. */
  recipientEmail: string;
  newTicketId: string;
  newBarcode: string;
}

export interface CancelTransfer {
  type: 'CancelTransfer';
  transferId: string;
  byUserId: string;
}

export interface VoidTicket {
  type: 'VoidTicket';
  reason: string;
}

export type TicketCommand = IssueTicket | RequestTransfer | AcceptTransfer | CancelTransfer | VoidTicket;

// ---- events ------------------------------------------------------------------------------------------

/** What a ticket is for and whose it is: given by IssueTicket, recorded by TicketIssued. */
export interface TicketDetails {
  ticketId: string;
  orderId: string;
  eventId: string;
  ownerUserId: string;
  /** Normalised (lower-case); lets the decider refuse a transfer to oneself. */
  ownerEmail: string | null;
  seatId: string;
  section: string;
  row: string;
  seat: string;
  barcode: string;
  eventName: string;
  /** ISO 8601: when the event starts (transfers close then). */
  eventDate: string;
  venueName: string;
  /** Set when this ticket reissues a transferred one. */
  previousTicketId: string | null;
}

export type TicketIssued = DomainEvent<'TicketIssued', TicketDetails & { issuedAt: string }>;
export type TransferRequested = DomainEvent<
  'TransferRequested',
  {
    ticketId: string;
    transferId: string;
    fromUserId: string;
    recipientEmail: string;
    recipientName: string;
    expiresAt: string;
    requestedAt: string;
  }
>;
export type TicketTransferred = DomainEvent<
  'TicketTransferred',
  {
    ticketId: string;
    transferId: string;
    fromUserId: string;
    recipientUserId: string;
    recipientEmail: string;
    newTicketId: string;
    newBarcode: string;
    transferredAt: string;
  }
>;
export type TransferCancelReason = 'cancelled' | 'ticket_voided';
export type TransferCancelled = DomainEvent<
  'TransferCancelled',
  {
    ticketId: string;
    transferId: string;
    byUserId: string;
    reason: TransferCancelReason;
    cancelledAt: string;
  }
>;
export type TicketVoided = DomainEvent<
  'TicketVoided',
  { ticketId: string; orderId: string; reason: string; voidedAt: string }
>;

export type TicketEvent =
  TicketIssued | TransferRequested | TicketTransferred | TransferCancelled | TicketVoided;

export const TICKET_EVENT_TYPES: ReadonlyArray<TicketEvent['type']> = [
  'TicketIssued',
  'TransferRequested',
  'TicketTransferred',
  'TransferCancelled',
  'TicketVoided',
];

// ---- state -------------------------------------------------------------------------------------------

export type TicketStatus = 'ACTIVE' | 'VOID' | 'TRANSFERRED';

export interface TransferState {
  transferId: string;
  fromUserId: string;
  recipientEmail: string;
  recipientName: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  status: 'PENDING' | 'ACCEPTED' | 'CANCELLED';
  recipientUserId?: string;
  newTicketId?: string;
}

export type TicketState =
  | { exists: false }
  | (TicketDetails & {
      exists: true;
      status: TicketStatus;
      /** Every transfer ever requested on this ticket (a handful at most). */
      transfers: Map<string, TransferState>;
      /** The ticket that reissued this one, once transferred. */
      successorTicketId: string | null;
    });

export interface TicketContext {
  now: Date;
}

export const ticketStream = (ticketId: string) => `ticket-${ticketId}`;
