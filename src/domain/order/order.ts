import type { Decider, DomainEvent } from '../shared/decider';
import { fail } from '../shared/errors';
import type { Cents } from '../shared/money';

/**
 * An order (`order-{id}`): created once its payment is authorized, then driven by the sagas:
 * seats sold -> payment captured -> CONFIRMED -> tickets issued; or FAILED (hold expired: authorization voided);
 * cancellation -> refund -> seats returned, tickets void.
 */

export interface OrderSeat {
  seatId: string;
  section: string;
  row: string;
  seat: string;
  priceCents: Cents;
  feesCents: Cents;
}

export interface OrderPlacedData {
  orderId: string;
  userId: string;
  eventId: string;
  reservationId: string;
  eventName: string;
  eventDate: string;
  venueName: string;
  seats: OrderSeat[];
  subtotalCents: Cents;
  feesCents: Cents;
  taxesCents: Cents;
  totalCents: Cents;
  paymentMethodId: string;
  cardToken: string;
  authorizationId: string;
  deliveryMethod: string;
  billingAddress: Record<string, string> | null;
  placedAt: string;
}

export type OrderPlaced = DomainEvent<'OrderPlaced', OrderPlacedData>;
export type PaymentCaptured = DomainEvent<
  'PaymentCaptured',
  { orderId: string; captureId: string; amountCents: Cents; capturedAt: string }
>;
export type OrderConfirmed = DomainEvent<'OrderConfirmed', OrderPlacedData & { confirmedAt: string }>;
export type OrderFailed = DomainEvent<
  'OrderFailed',
  { orderId: string; userId: string; reason: string; authorizationVoided: boolean; failedAt: string }
>;
export type TicketsIssued = DomainEvent<
  'TicketsIssued',
  { orderId: string; tickets: Array<{ ticketId: string; seatId: string; barcode: string }>; issuedAt: string }
>;
export type OrderCancelled = DomainEvent<
  'OrderCancelled',
  {
    orderId: string;
    userId: string;
    eventId: string;
    reason: string;
    refundAmountCents: Cents;
    captureId: string | null;
    authorizationId: string;
    ticketIds: string[];
    cancelledAt: string;
  }
>;
export type RefundCompleted = DomainEvent<
  'RefundCompleted',
  { orderId: string; refundId: string | null; amountCents: Cents; voided: boolean; refundedAt: string }
>;

export type OrderEvent =
  | OrderPlaced
  | PaymentCaptured
  | OrderConfirmed
  | OrderFailed
  | TicketsIssued
  | OrderCancelled
  | RefundCompleted;

export type OrderStatus = 'PENDING' | 'CONFIRMED' | 'FAILED' | 'CANCELLED';
export type PaymentStatus = 'AUTHORIZED' | 'CAPTURED' | 'VOIDED' | 'REFUND_PENDING' | 'REFUNDED';

export interface PlaceOrder extends Omit<OrderPlacedData, 'placedAt'> {
  type: 'PlaceOrder';
}
export interface RecordCapture {
  type: 'RecordCapture';
  captureId: string;
}
export interface ConfirmOrder {
  type: 'ConfirmOrder';
}
export interface FailOrder {
  type: 'FailOrder';
  reason: string;
  authorizationVoided: boolean;
}
export interface RecordTickets {
  type: 'RecordTickets';
  tickets: Array<{ ticketId: string; seatId: string; barcode: string }>;
}
export interface CancelOrder {
  type: 'CancelOrder';
  reason: string;
  /** The organiser cancelled the event: allowed even after the event date. */
  eventCancelled: boolean;
  /** Who asks; only the buyer (or the system for event cancellations) may cancel. */
  byUserId: string;
}
export interface RecordRefund {
  type: 'RecordRefund';
  refundId: string | null;
  voided: boolean;
}
export type OrderCommand =
  PlaceOrder | RecordCapture | ConfirmOrder | FailOrder | RecordTickets | CancelOrder | RecordRefund;

export interface OrderState {
  placed?: OrderPlacedData;
  status?: OrderStatus;
  paymentStatus?: PaymentStatus;
  captureId: string | null;
  tickets: Array<{ ticketId: string; seatId: string; barcode: string }>;
}

export const orderDecider: Decider<OrderCommand, OrderEvent, OrderState, { now: Date }> = {
  initialState: () => ({ captureId: null, tickets: [] }),

  decide(command, state, { now }) {
    const at = now.toISOString();
    if (command.type === 'PlaceOrder') {
      if (state.placed)
        fail('RESERVATION_ALREADY_ORDERED', 'This reservation already has an order', {
          order_id: state.placed.orderId,
        });
      const { type: _type, ...data } = command;
      return [{ type: 'OrderPlaced', data: { ...data, placedAt: at } }];
    }
    const order = state.placed;
    if (!order) fail('ORDER_NOT_FOUND', 'Order not found');
    switch (command.type) {
      case 'RecordCapture':
        if (state.paymentStatus !== 'AUTHORIZED') return []; // captured already, or no longer capturable
        return [
          {
            type: 'PaymentCaptured',
            data: {
              orderId: order.orderId,
              captureId: command.captureId,
              amountCents: order.totalCents,
              capturedAt: at,
            },
          },
        ];
      case 'ConfirmOrder':
        if (state.status !== 'PENDING') return [];
        if (state.paymentStatus !== 'CAPTURED')
          fail('PAYMENT_NOT_CAPTURED', 'An order is confirmed only after its payment is captured');
        return [{ type: 'OrderConfirmed', data: { ...order, confirmedAt: at } }];
      case 'FailOrder':
        if (state.status !== 'PENDING') return [];
        return [
          {
            type: 'OrderFailed',
            data: {
              orderId: order.orderId,
              userId: order.userId,
              reason: command.reason,
              authorizationVoided: command.authorizationVoided,
              failedAt: at,
            },
          },
        ];
      case 'RecordTickets':
        if (state.tickets.length > 0 || state.status !== 'CONFIRMED') return [];
        return [
          { type: 'TicketsIssued', data: { orderId: order.orderId, tickets: command.tickets, issuedAt: at } },
        ];
      case 'CancelOrder': {
        if (command.byUserId !== order.userId && !command.eventCancelled)
          fail('ORDER_NOT_FOUND', 'Order not found');
        if (state.status === 'CANCELLED') fail('ORDER_ALREADY_CANCELLED', 'The order is already cancelled');
        if (state.status === 'FAILED') fail('ORDER_NOT_CANCELLABLE', 'A failed order has nothing to cancel');
        if (state.status === 'PENDING')
          fail('ORDER_PENDING', 'The order is still being processed; try again in a moment');
        if (!command.eventCancelled && now.getTime() >= Date.parse(order.eventDate)) {
          fail('ORDER_NOT_CANCELLABLE', 'Order cannot be cancelled: the event has started', {
            event_date: order.eventDate,
          });
        }
        return [
          {
            type: 'OrderCancelled',
            data: {
              orderId: order.orderId,
              userId: order.userId,
              eventId: order.eventId,
              reason: command.reason,
              refundAmountCents: order.totalCents,
              captureId: state.captureId,
              authorizationId: order.authorizationId,
              ticketIds: state.tickets.map((t) => t.ticketId),
              cancelledAt: at,
            },
          },
        ];
      }
      case 'RecordRefund':
        if (state.paymentStatus !== 'REFUND_PENDING') return [];
        return [
          {
            type: 'RefundCompleted',
            data: {
              orderId: order.orderId,
              refundId: command.refundId,
              amountCents: order.totalCents,
              voided: command.voided,
              refundedAt: at,
            },
          },
        ];
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'OrderPlaced':
        return { ...state, placed: event.data, status: 'PENDING', paymentStatus: 'AUTHORIZED' };
      case 'PaymentCaptured':
        return { ...state, paymentStatus: 'CAPTURED', captureId: event.data.captureId };
      case 'OrderConfirmed':
        return { ...state, status: 'CONFIRMED' };
      case 'OrderFailed':
        return {
          ...state,
          status: 'FAILED',
          paymentStatus: event.data.authorizationVoided ? 'VOIDED' : state.paymentStatus,
        };
      case 'TicketsIssued':
        return { ...state, tickets: event.data.tickets };
      case 'OrderCancelled':
        return { ...state, status: 'CANCELLED', paymentStatus: 'REFUND_PENDING' };
      case 'RefundCompleted':
        return { ...state, paymentStatus: event.data.voided ? 'VOIDED' : 'REFUNDED' };
    }
  },
};
