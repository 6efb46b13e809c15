import type { EventStore, RecordedEvent } from '../ports/event-store';
import { SeatLedger, type SeatViolation } from './seat-ledger';

interface OrderLedger {
  totalCents: number;
  seats: number;
  captured: number;
  capturedCents: number;
  refundedCents: number;
  confirmed: boolean;
  cancelled: boolean;
  failed: boolean;
  ticketsIssued: number;
  soldCents: number;
}

export interface InvariantReport {
  events: number;
  headPosition: number;
  seats: { holds: number; sales: number; violations: SeatViolation[] };
  money: { capturedCents: number; refundedCents: number; confirmedOrderCents: number; problems: string[] };
  orders: {
    total: number;
    confirmed: number;
    cancelled: number;
    failed: number;
    pending: number;
    missingTickets: string[];
  };
  ok: boolean;
}

/**
 * Replays the whole log and checks what must always hold: no seat held or sold twice; every captured amount is
 * an order's total, captured once; money reconciles (captured - refunded = totals of confirmed, not cancelled
 * orders); every confirmed order has one ticket per seat. Independent of the deciders: it reads the log only.
 */
export async function checkInvariants(store: EventStore, pageSize = 10_000): Promise<InvariantReport> {
  const seats = new SeatLedger();
  const orders = new Map<string, OrderLedger>();
  let events = 0;
  let from = 0;
  let head = 0;
  const order = (id: string) => {
    let o = orders.get(id);
    if (!o)
      orders.set(
        id,
        (o = {
          totalCents: 0,
          seats: 0,
          captured: 0,
          capturedCents: 0,
          refundedCents: 0,
          confirmed: false,
          cancelled: false,
          failed: false,
          ticketsIssued: 0,
          soldCents: 0,
        }),
      );
    return o;
  };
  for (;;) {
    const page: RecordedEvent[] = await store.readAll({ fromPosition: from, maxCount: pageSize });
    for (const event of page) {
      events += 1;
      head = event.position;
      seats.apply(event);
      const d = event.data as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
      switch (event.type) {
        case 'OrderPlaced':
          Object.assign(order(d.orderId), { totalCents: d.totalCents, seats: d.seats.length });
          break;
        case 'PaymentCaptured':
          order(d.orderId).captured += 1;
          order(d.orderId).capturedCents += d.amountCents;
          break;
        case 'OrderConfirmed':
          order(d.orderId).confirmed = true;
          break;
        case 'OrderFailed':
          order(d.orderId).failed = true;
          break;
        case 'OrderCancelled':
          order(d.orderId).cancelled = true;
          break;
        case 'RefundCompleted':
          if (!d.voided) order(d.orderId).refundedCents += d.amountCents;
          break;
        case 'TicketsIssued':
          order(d.orderId).ticketsIssued += d.tickets.length;
          break;
        case 'SeatsSold':
          order(d.orderId).soldCents += d.totalCents;
          break;
      }
    }
    if (page.length < pageSize) break;
    from = page[page.length - 1].position;
  }

  const problems: string[] = [];
  const missingTickets: string[] = [];
  let capturedCents = 0;
  let refundedCents = 0;
  let confirmedOrderCents = 0;
  let confirmed = 0;
  let cancelled = 0;
  let failed = 0;
  let pending = 0;
  for (const [id, o] of orders) {
    capturedCents += o.capturedCents;
    refundedCents += o.refundedCents;
    if (o.captured > 1) problems.push(`order ${id} captured ${o.captured} times`);
    if (o.captured === 1 && o.capturedCents !== o.totalCents)
      problems.push(`order ${id} captured ${o.capturedCents} for a total of ${o.totalCents}`);
    if (o.soldCents && o.soldCents !== o.totalCents)
      problems.push(`order ${id} sold seats for ${o.soldCents}, total ${o.totalCents}`);
    if (o.confirmed && o.captured !== 1) problems.push(`order ${id} confirmed without exactly one capture`);
    if (o.refundedCents > o.capturedCents) problems.push(`order ${id} refunded more than captured`);
    if (o.cancelled) cancelled += 1;
    else if (o.confirmed) {
      confirmed += 1;
      confirmedOrderCents += o.totalCents;
      if (o.ticketsIssued !== o.seats) missingTickets.push(id);
    } else if (o.failed) failed += 1;
    else pending += 1;
  }
  // Orders cancelled but not yet refunded are still counted as captured money: report, do not fail.
  const inFlightRefunds = [...orders.values()]
    .filter((o) => o.cancelled && o.capturedCents > o.refundedCents)
    .reduce((n, o) => n + o.capturedCents - o.refundedCents, 0);
  if (capturedCents - refundedCents !== confirmedOrderCents + inFlightRefunds) {
    problems.push(
      `captured ${capturedCents} - refunded ${refundedCents} != confirmed orders ${confirmedOrderCents} + refunds in flight ${inFlightRefunds}`,
    );
  }
  return {
    events,
    headPosition: head,
    seats: { holds: seats.holds, sales: seats.sales, violations: seats.violations },
    money: { capturedCents, refundedCents, confirmedOrderCents, problems },
    orders: { total: orders.size, confirmed, cancelled, failed, pending, missingTickets },
    ok: seats.violations.length === 0 && problems.length === 0 && missingTickets.length === 0,
  };
}
