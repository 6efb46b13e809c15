import type { EventStore, RecordedEvent } from '../ports/event-store';
import { isKnownEventType } from '../events/event-types';
import { LOG_PAGE_SIZE, refOf, SeatLedger, type EventRef, type SeatViolation } from './seat-ledger';

interface OrderLedger {
  eventId: string | null;
  totalCents: number;
  seats: number;
  captured: number;
  capturedCents: number;
  refundedCents: number;
  refundCompleted: boolean;
  confirmed: boolean;
  cancelled: boolean;
  failed: boolean;
  /** Failed with its authorization neither voided nor captured (nor owed back): left holding the buyer's money. */
  failedHoldingAuthorization?: EventRef;
  ticketsIssued: number;
  soldCents: number;
  returned: boolean;
  placed?: EventRef;
  confirmedBy?: EventRef;
  /**
   * When OrderConfirmed was recorded (ms). Its tickets come in the same append; in logs of earlier versions they
   * followed it (the fulfillment saga).
   */
  confirmedAtMs?: number;
  /** When the order failed or was cancelled (ms): its tickets are voided by the refund step that follows. */
  endedAtMs?: number;
  captures: EventRef[];
}

/** A broken invariant, named by the event that broke it (stream, revision, position) and the events involved. */
export interface Violation {
  invariant:
    | 'seat_claimed_twice'
    | 'capture_without_order'
    | 'captured_twice'
    | 'capture_amount'
    | 'confirmed_without_capture'
    | 'confirmed_without_tickets'
    | 'ticket_of_ended_order'
    | 'money_per_event'
    | 'hold_outlived_expiry'
    | 'queue_draw_mismatch'
    | 'authorization_not_released'
    /** An event of a type no release of the code writes: forged, or written by something else. */
    | 'unknown_event_type'
    /** An event whose payload lacks what its type records (it cannot be checked). */
    | 'malformed_event';
  stream: string;
  revision: number;
  position: number;
  detail: string;
  events: EventRef[];
}

export interface InvariantReport {
  events: number;
  headPosition: number;
  seats: { holds: number; sales: number; violations: SeatViolation[] };
  money: {
    capturedCents: number;
    refundedCents: number;
    confirmedOrderCents: number;
    /** Per event: captured minus refunded, and the revenue its seats were sold for (less returns). */
    perEvent: Record<string, { netCapturedCents: number; revenueCents: number }>;
    problems: string[];
  };
  orders: {
    total: number;
    confirmed: number;
    cancelled: number;
    failed: number;
    pending: number;
    missingTickets: string[];
    /**
     * Confirmed orders whose tickets the log does not hold yet, confirmed within `fulfillmentGraceMs` of the log's
     * last event: in flight (the fulfillment saga, or the watchdog after a restart, issues them), not judged.
     */
    ticketsPending: string[];
    /** Payment attempts still authorizing, or abandoned with their void still to do (in flight, not judged). */
    authorizing: number;
  };
  /** Every broken invariant, each naming its stream, revision and events. */
  violations: Violation[];
  ok: boolean;
}

export interface AuditOptions {
  /**
   * The expiry job's period: a hold released as expired later than this after its expiry broke the promise that
   * seats come back on sale. Unset: not checked (a log from a test clock, or a server that was down, breaks it
   * without a fault).
   */
  holdExpiryPeriodMs?: number;
  /**
   * How long a confirmed order's tickets may follow its confirmation (the fulfillment saga, re-driven by the order
   * watchdog after a crash). A confirmed order without tickets is a violation once the log goes on for longer than
   * this after its confirmation; within it, at the end of the log, it is in flight (`orders.ticketsPending`): a
   * replay while the server sells, or right after a crash, meets such orders without a fault. Unset: every
   * confirmed order must have its tickets by the end of the log.
   */
  fulfillmentGraceMs?: number;
}

/**
 * The invariants, checked at every point of the log as it is folded (independent of the deciders: it reads the
 * log only):
 * - no seat held or sold twice, no hold sold after it expired (SeatLedger);
 * - a capture belongs to an order placed before it, and an order is captured at most once, for its total;
 * - an order is confirmed only once captured, and (at the end, or once fulfillmentGraceMs has passed) a confirmed
 *   order has one ticket per seat;
 * - no ticket of a failed or cancelled order stays valid (its barcode would admit someone to a seat back on sale)
 *   once the order's refund is recorded, or once fulfillmentGraceMs has passed since it ended;
 * - money: per event, captured minus refunded equals the revenue of its sold seats less returns, over the
 *   orders that are settled (orders still in flight are counted, not judged);
 * - every authorization is captured or voided once its order is final: a payment attempt ends placed, declined or
 *   voided (attempts still open are counted as in flight), none is left authorizing beside a placed order, and a
 *   failed order that was never captured voided its authorization;
 * - with holdExpiryPeriodMs: no hold outlives its expiry by more than the expiry job's period;
 * - a waiting room's QueueOpened draws exactly the pre-queue the log holds (`drawn` = entries joined before it
 *   and not left): its order is then drawPreQueueOrder(those ids in log order, seed), which anyone can recompute.
 */
export class LogAuditor {
  private readonly seats: SeatLedger;
  private readonly orders = new Map<string, OrderLedger>();
  /** Per order id: its payment attempts' statuses by attempt number, and where each was recorded. */
  private readonly attempts = new Map<string, Map<number, { status: string; at: EventRef }>>();
  /** Per waiting room (stream): the pre-queue entries still waiting, until its QueueOpened. */
  private readonly preQueues = new Map<string, Set<string>>();
  private readonly openedRooms = new Set<string>();
  /** Tickets issued and neither voided nor transferred (a transfer's recipient gets a ticket of their own). */
  private readonly validTickets = new Map<string, { orderId: string; at: EventRef }>();
  readonly violations: Violation[] = [];
  events = 0;
  headPosition = 0;
  /** The latest recording time seen (ms): how far the log goes on after an event. */
  private lastRecordedAtMs = 0;
  private readonly fulfillmentGraceMs: number | undefined;

  constructor(options: AuditOptions = {}) {
    this.fulfillmentGraceMs = options.fulfillmentGraceMs;
    const period = options.holdExpiryPeriodMs;
    this.seats = new SeatLedger(
      period === undefined
        ? undefined
        : (event, lateMs, hold) => {
            if (lateMs > period)
              this.violate(
                'hold_outlived_expiry',
                event,
                `released ${lateMs} ms after its expiry (period ${period} ms)`,
                [hold],
              );
          },
    );
  }

  apply(event: RecordedEvent): void {
    if (!isKnownEventType(event.type)) {
      this.events += 1;
      this.headPosition = event.position;
      this.violate('unknown_event_type', event, `${event.type}: no release of this code writes such events`);
      return;
    }
    try {
      this.check(event);
    } catch (error) {
      this.violate('malformed_event', event, `${event.type} cannot be checked: ${(error as Error).message}`);
    }
  }

  private check(event: RecordedEvent): void {
    this.events += 1;
    this.headPosition = event.position;
    const recordedAtMs = event.recordedAt.getTime();
    if (recordedAtMs > this.lastRecordedAtMs) this.lastRecordedAtMs = recordedAtMs;
    const seatViolations = this.seats.violations.length;
    this.seats.apply(event);
    // Indexed from the count before: slicing would allocate an (empty) array per event.
    for (let i = seatViolations; i < this.seats.violations.length; i += 1) {
      const v = this.seats.violations[i];
      this.violations.push({
        invariant:
          v.problem === 'sold_after_expiry' || v.problem === 'extended_after_expiry'
            ? 'hold_outlived_expiry'
            : 'seat_claimed_twice',
        stream: v.stream,
        revision: v.revision,
        position: v.position,
        detail: `seat ${v.seatId} of event ${v.eventId}: ${v.problem}, ${v.detail}`,
        events: v.events,
      });
    }

    const d = event.data as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    switch (event.type) {
      case 'OrderPaymentAuthorizing':
        this.attemptsOf(d.orderId).set(d.attempt, { status: 'AUTHORIZING', at: refOf(event) });
        return;
      case 'OrderPaymentDeclined':
        this.attemptsOf(d.orderId).set(d.attempt, { status: 'DECLINED', at: refOf(event) });
        return;
      case 'OrderPaymentAbandoned':
        this.attemptsOf(d.orderId).set(d.attempt, { status: 'ABANDONED', at: refOf(event) });
        return;
      case 'OrderPaymentVoided':
        this.attemptsOf(d.orderId).set(d.attempt, { status: 'VOIDED', at: refOf(event) });
        return;
      case 'OrderPlaced':
        for (const attempt of this.attempts.get(d.orderId)?.values() ?? [])
          if (attempt.status === 'AUTHORIZING') attempt.status = 'PLACED';
        Object.assign(this.order(d.orderId), {
          eventId: d.eventId,
          totalCents: d.totalCents,
          seats: d.seats.length,
          placed: refOf(event),
        });
        return;
      case 'PaymentCaptured': {
        const o = this.order(d.orderId);
        if (!o.placed)
          this.violate('capture_without_order', event, `capture for order ${d.orderId}, never placed`);
        else if (o.captured >= 1)
          this.violate('captured_twice', event, `order ${d.orderId} captured again`, [
            ...o.captures,
            o.placed,
          ]);
        else if (d.amountCents !== o.totalCents)
          this.violate('capture_amount', event, `captured ${d.amountCents} for a total of ${o.totalCents}`, [
            o.placed,
          ]);
        o.captured += 1;
        o.capturedCents += d.amountCents;
        o.captures.push(refOf(event));
        return;
      }
      case 'OrderConfirmed': {
        const o = this.order(d.orderId);
        o.confirmed = true;
        o.confirmedBy = refOf(event);
        o.confirmedAtMs = recordedAtMs;
        if (o.captured !== 1)
          this.violate(
            'confirmed_without_capture',
            event,
            `order ${d.orderId} confirmed after ${o.captured} captures`,
            o.captures,
          );
        return;
      }
      case 'OrderFailed': {
        const o = this.order(d.orderId);
        o.failed = true;
        o.endedAtMs = recordedAtMs;
        if (!d.authorizationVoided && !d.refundDue && o.captured === 0)
          o.failedHoldingAuthorization = refOf(event);
        return;
      }
      case 'OrderCancelled': {
        const o = this.order(d.orderId);
        o.cancelled = true;
        o.endedAtMs = recordedAtMs;
        return;
      }
      case 'RefundCompleted': {
        const o = this.order(d.orderId);
        o.refundCompleted = true;
        if (!d.voided) o.refundedCents += d.amountCents;
        return;
      }
      case 'TicketsIssued':
        this.order(d.orderId).ticketsIssued += d.tickets.length;
        return;
      case 'TicketIssued':
        this.validTickets.set(d.ticketId, { orderId: d.orderId, at: refOf(event) });
        return;
      case 'TicketTransferred':
      case 'TicketVoided':
        this.validTickets.delete(d.ticketId);
        return;
      case 'SeatsSold':
        this.order(d.orderId).soldCents += d.totalCents;
        return;
      case 'SeatsReturned':
        this.order(d.orderId).returned = true;
        return;
      case 'QueueJoined': {
        const room = event.streamName;
        if (this.openedRooms.has(room)) return;
        let waiting = this.preQueues.get(room);
        if (!waiting) this.preQueues.set(room, (waiting = new Set()));
        waiting.add(d.entryId);
        return;
      }
      case 'QueueLeft':
        this.preQueues.get(event.streamName)?.delete(d.entryId);
        return;
      case 'QueueOpened': {
        const waiting = this.preQueues.get(event.streamName)?.size ?? 0;
        this.preQueues.delete(event.streamName);
        this.openedRooms.add(event.streamName);
        if (d.drawn !== waiting)
          this.violate(
            'queue_draw_mismatch',
            event,
            `the draw covers ${d.drawn} pre-queue entries; the log has ${waiting} waiting`,
          );
        return;
      }
    }
  }

  /** The report once the log (or the part of it being audited) has been folded. */
  report(): InvariantReport {
    const violations = [...this.violations];
    const problems: string[] = [];
    const missingTickets: string[] = [];
    const ticketsPending: string[] = [];
    const perEvent: InvariantReport['money']['perEvent'] = {};
    const unsettled = new Map<string, string[]>();
    let capturedCents = 0;
    let refundedCents = 0;
    let confirmedOrderCents = 0;
    let confirmed = 0;
    let cancelled = 0;
    let failed = 0;
    let pending = 0;
    let authorizing = 0;
    for (const [id, attempts] of this.attempts) {
      const placed = this.orders.get(id)?.placed;
      for (const [n, attempt] of attempts) {
        if (attempt.status !== 'AUTHORIZING' && attempt.status !== 'ABANDONED') continue;
        authorizing += 1;
        // Placed with another attempt: nothing will ever place this one, and only an abandoned one gets voided.
        if (placed && attempt.status === 'AUTHORIZING')
          violations.push({
            invariant: 'authorization_not_released',
            stream: attempt.at.stream,
            revision: attempt.at.revision,
            position: attempt.at.position,
            detail: `order ${id} was placed while its payment attempt ${n} was still authorizing`,
            events: [attempt.at, placed],
          });
      }
    }
    const mismatched = new Map<string, Array<{ id: string; o: OrderLedger }>>();
    for (const [id, o] of this.orders) {
      capturedCents += o.capturedCents;
      refundedCents += o.refundedCents;
      if (o.refundedCents > o.capturedCents) problems.push(`order ${id} refunded more than captured`);
      if (o.cancelled) cancelled += 1;
      else if (o.confirmed) {
        confirmed += 1;
        confirmedOrderCents += o.totalCents;
        if (o.ticketsIssued === 0 && this.ticketsInFlight(o)) ticketsPending.push(id);
        else if (o.ticketsIssued !== o.seats) {
          missingTickets.push(id);
          const at = o.confirmedBy!;
          violations.push({
            invariant: 'confirmed_without_tickets',
            stream: at.stream,
            revision: at.revision,
            position: at.position,
            detail: `order ${id} confirmed with ${o.ticketsIssued} tickets for ${o.seats} seats`,
            events: [at],
          });
        }
      } else if (o.failed) {
        failed += 1;
        const at = o.failedHoldingAuthorization;
        if (at && !o.refundCompleted)
          violations.push({
            invariant: 'authorization_not_released',
            stream: at.stream,
            revision: at.revision,
            position: at.position,
            detail: `order ${id} failed without voiding its authorization, which was never captured`,
            events: [at, ...(o.placed ? [o.placed] : [])],
          });
      } else pending += 1;

      // Money per event, over settled orders: what was kept (captured - refunded) is what the seats sold for.
      if (!o.eventId) continue;
      const revenue = o.returned ? 0 : o.soldCents;
      const money = (perEvent[o.eventId] ??= { netCapturedCents: 0, revenueCents: 0 });
      money.netCapturedCents += o.capturedCents - o.refundedCents;
      money.revenueCents += revenue;
      if (!settled(o)) {
        unsettled.set(o.eventId, [...(unsettled.get(o.eventId) ?? []), id]);
        continue;
      }
      if (o.capturedCents - o.refundedCents !== revenue)
        mismatched.set(o.eventId, [...(mismatched.get(o.eventId) ?? []), { id, o }]);
    }
    for (const [eventId, list] of mismatched) {
      const first = list[0].o.placed!;
      const detail = list
        .slice(0, 10)
        .map(
          ({ id, o }) =>
            `order ${id}: captured ${o.capturedCents} - refunded ${o.refundedCents} != sold ${o.returned ? 0 : o.soldCents}`,
        )
        .join('; ');
      problems.push(`event ${eventId}: ${detail}`);
      violations.push({
        invariant: 'money_per_event',
        stream: first.stream,
        revision: first.revision,
        position: first.position,
        detail: `event ${eventId}: ${list.length} settled orders whose money does not match their seats: ${detail}`,
        events: list.slice(0, 10).map(({ o }) => o.placed!),
      });
    }
    for (const [ticketId, { orderId, at }] of this.validTickets) {
      const o = this.orders.get(orderId);
      if (!o || !(o.cancelled || o.failed) || !this.ticketsVoidedBy(o)) continue;
      violations.push({
        invariant: 'ticket_of_ended_order',
        stream: at.stream,
        revision: at.revision,
        position: at.position,
        detail: `ticket ${ticketId} is still valid; its order ${orderId} ${o.cancelled ? 'was cancelled' : 'failed'}`,
        events: [at, ...(o.placed ? [o.placed] : [])],
      });
    }
    for (const v of violations)
      if (
        v.invariant !== 'seat_claimed_twice' &&
        v.invariant !== 'confirmed_without_tickets' &&
        v.invariant !== 'money_per_event'
      )
        problems.push(`${v.invariant} at ${v.stream}@${v.revision}: ${v.detail}`);
    const seatViolations = this.seats.violations;
    return {
      events: this.events,
      headPosition: this.headPosition,
      seats: { holds: this.seats.holds, sales: this.seats.sales, violations: seatViolations },
      money: { capturedCents, refundedCents, confirmedOrderCents, perEvent, problems },
      orders: {
        total: this.orders.size,
        confirmed,
        cancelled,
        failed,
        pending,
        missingTickets,
        ticketsPending,
        authorizing,
      },
      violations: violations.sort((a, b) => a.position - b.position),
      ok: violations.length === 0 && problems.length === 0,
    };
  }

  /**
   * Whether a failed or cancelled order's tickets must be void by now: its refund is recorded (the refund step
   * voids them first), or it ended longer than fulfillmentGraceMs before the log's end.
   */
  private ticketsVoidedBy(o: OrderLedger): boolean {
    if (o.refundCompleted) return true;
    if (this.fulfillmentGraceMs === undefined || o.endedAtMs === undefined) return false;
    return this.lastRecordedAtMs - o.endedAtMs > this.fulfillmentGraceMs;
  }

  /** Confirmed without tickets, but recently enough before the log's end that its fulfillment is under way. */
  private ticketsInFlight(o: OrderLedger): boolean {
    if (this.fulfillmentGraceMs === undefined || o.confirmedAtMs === undefined) return false;
    return this.lastRecordedAtMs - o.confirmedAtMs <= this.fulfillmentGraceMs;
  }

  private attemptsOf(orderId: string): Map<number, { status: string; at: EventRef }> {
    let attempts = this.attempts.get(orderId);
    if (!attempts) this.attempts.set(orderId, (attempts = new Map()));
    return attempts;
  }

  private order(id: string): OrderLedger {
    let o = this.orders.get(id);
    if (!o) {
      o = {
        eventId: null,
        totalCents: 0,
        seats: 0,
        captured: 0,
        capturedCents: 0,
        refundedCents: 0,
        refundCompleted: false,
        confirmed: false,
        cancelled: false,
        failed: false,
        ticketsIssued: 0,
        soldCents: 0,
        returned: false,
        captures: [],
      };
      this.orders.set(id, o);
    }
    return o;
  }

  private violate(
    invariant: Violation['invariant'],
    event: RecordedEvent,
    detail: string,
    others: EventRef[] = [],
  ) {
    this.violations.push({
      invariant,
      stream: event.streamName,
      revision: event.revision,
      position: event.position,
      detail,
      events: [refOf(event), ...others],
    });
  }
}

/**
 * Whether an order's money and seats are final: confirmed (and not cancelled); cancelled or failed with the
 * refund done (or nothing captured) and the sold seats returned. Anything else is in flight.
 */
function settled(o: OrderLedger): boolean {
  const seatsBack = o.soldCents === 0 || o.returned;
  if (o.cancelled) return (o.refundCompleted || o.capturedCents === 0) && seatsBack;
  if (o.confirmed) return true; // confirmed only after its sale and capture: nothing is in flight
  if (o.failed) return (o.refundCompleted || o.capturedCents === 0) && seatsBack;
  return false;
}

/** Replays the whole log and checks the invariants (see LogAuditor). */
export async function checkInvariants(
  store: EventStore,
  pageSize = LOG_PAGE_SIZE,
  options: AuditOptions = {},
): Promise<InvariantReport> {
  const auditor = new LogAuditor(options);
  let from = 0;
  for (;;) {
    const page: RecordedEvent[] = await store.readAll({ fromPosition: from, maxCount: pageSize });
    for (const event of page) auditor.apply(event);
    if (page.length < pageSize) break;
    from = page[page.length - 1].position;
  }
  return auditor.report();
}
