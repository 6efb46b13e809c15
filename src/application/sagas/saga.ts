import type { OrderCommand, OrderPlacedData } from '../../domain/order/order';
import type { ReturnSeats, SellHold } from '../../domain/ticketed-event/decide';
import type { BusMessage } from '../ports/message-bus';

/**
 * A saga as specified steps (after Emmett's workflows): pure functions from a message and the state it needs
 * (read from the write side) to a list of actions. An action whose result decides what comes next (a capture,
 * a refund, issued tickets, a refused command) hands that result back to the saga as an outcome, and `react`
 * returns the next list. The interpreter (saga-interpreter.ts) performs the actions; nothing here does I/O.
 */
export interface Saga<Input, State> {
  /** Names the saga in logs and in the `saga:{name}` actor of the events it causes. */
  name: string;
  /** The message's data, checked: throws on a malformed message (the bus retries, then dead-letters it). */
  parse(message: BusMessage): Input;
  /** The first step. */
  decide(input: Input, state: State): SagaAction[];
  /** A later step: what to do once an action produced this outcome. */
  react(outcome: SagaOutcome, input: Input, state: State): SagaAction[];
}

/** Named moments where the fault-injection hook fires (tests/concurrency/saga-crash.int.test.ts kills there). */
export type FaultPoint =
  | 'before-sell'
  | 'after-sell'
  | 'after-capture'
  | 'before-confirm'
  | 'before-tickets'
  | 'after-tickets'
  | 'after-refund';

/**
 * What to do with a DomainError a command is refused with: by default it propagates (the bus retries);
 * `react` turns it into a `Refused` outcome (a branch of the saga); `ignore` goes on with the next action.
 */
export type OnRefused = 'react' | 'ignore';

export type SagaAction =
  | { type: 'Fault'; point: FaultPoint }
  | { type: 'OrderCommand'; orderId: string; command: OrderCommand; onRefused?: OnRefused }
  | { type: 'EventCommand'; eventId: string; command: SellHold | ReturnSeats; onRefused?: OnRefused }
  /** Outcome: Captured, or CaptureDeclined when the issuer says no. */
  | { type: 'Capture'; authorizationId: string; amountCents: number; idempotencyKey: string }
  | { type: 'VoidAuthorization'; authorizationId: string; idempotencyKey: string }
  /** Outcome: Refunded. */
  | { type: 'Refund'; captureId: string; amountCents: number; idempotencyKey: string }
  /** Outcome: TicketsIssued. */
  | { type: 'IssueTickets'; order: OrderToIssue }
  /** Voids the tickets of these seats of the order (ticket ids derive from order and seat; unissued ones skip). */
  | { type: 'VoidTickets'; orderId: string; seatIds: string[]; reason: string }
  /** Ends the step with an error so the bus delivers the message again later. */
  | { type: 'Retry'; reason: string };

export type SagaOutcome =
  /** A command was refused (`onRefused: 'react'`): which command, and the domain's code. */
  | { type: 'Refused'; command: string; code: string }
  | { type: 'Captured'; captureId: string }
  | { type: 'CaptureDeclined'; reason: string }
  | { type: 'Refunded'; refundId: string }
  | { type: 'TicketsIssued'; tickets: Array<{ ticketId: string; seatId: string; barcode: string }> };

export interface OrderToIssue {
  orderId: string;
  eventId: string;
  userId: string;
  eventName: string;
  eventDate: string;
  venueName: string;
  seats: Array<{ seatId: string; section: string; row: string; seat: string }>;
}

/** Actions whose result is an outcome: they end their list (what follows is decided by `react`). */
export const YIELDS_OUTCOME: ReadonlySet<SagaAction['type']> = new Set(['Capture', 'Refund', 'IssueTickets']);

/** A step received an outcome it never asks for: a programming error, retried and then dead-lettered. */
export function unexpected(saga: string, outcome: SagaOutcome): never {
  throw new Error(`The ${saga} saga does not expect outcome ${outcome.type}`);
}

export const fault = (point: FaultPoint): SagaAction => ({ type: 'Fault', point });

/** Issue the order's tickets, one per seat (no prices passed on); the 'before-tickets' fault point comes first. */
export const issueTickets = (order: OrderPlacedData): SagaAction[] => [
  fault('before-tickets'),
  {
    type: 'IssueTickets',
    order: {
      orderId: order.orderId,
      eventId: order.eventId,
      userId: order.userId,
      eventName: order.eventName,
      eventDate: order.eventDate,
      venueName: order.venueName,
      seats: order.seats.map(({ seatId, section, row, seat }) => ({ seatId, section, row, seat })),
    },
  },
];
