import type { Logger } from 'pino';
import type { OrderState } from '../../domain/order/order';
import { DomainError } from '../../domain/shared/errors';
import type { TicketedEventProcessor } from '../catalog/ticketed-event-processor';
import type { Clock } from '../ports/clock';
import type { BusMessage } from '../ports/message-bus';
import type { PaymentGateway } from '../ports/payment-gateway';
import type { ReadStore } from '../ports/read-store';
import { COLLECTIONS, type OrderDoc } from '../read-models/documents';
import type { CommandMetadata } from '../shared/command-metadata';
import type { OrderProcessor } from './order-processor';
import type { OrderSagas } from './order-sagas';

export interface OrderWatchdogOptions {
  /** An order non-terminal for longer than this is driven again (ORDER_WATCHDOG_AFTER_MS). */
  afterMs: number;
  /** How often to look (ORDER_WATCHDOG_INTERVAL_MS). */
  intervalMs: number;
  /** Re-drives of one order before it is failed cleanly instead (ORDER_WATCHDOG_MAX_REDRIVES). */
  maxRedrives: number;
}

export interface WatchdogSweep {
  candidates: number;
  redriven: number;
  failed: number;
}

/** Which saga step an order still needs, decided on its stream (never on a read model). */
type Stuck = 'payment' | 'fulfillment' | 'refund';

function stuckAt(state: OrderState): Stuck | undefined {
  if (!state.placed) return undefined;
  if (state.status === 'PENDING') return 'payment';
  if (state.status === 'CONFIRMED' && state.tickets.length === 0) return 'fulfillment';
  if (state.status === 'CANCELLED' && state.paymentStatus === 'REFUND_PENDING') return 'refund';
  return undefined;
}

const WATCHDOG_USER = 'saga:watchdog';

/**
 * The second line of defence behind at-least-once delivery: an order left non-terminal (PENDING; CONFIRMED
 * without tickets; CANCELLED with its refund pending) for longer than `afterMs` is driven again through the same
 * idempotent saga handlers, tagged `saga:watchdog` in the log. After `maxRedrives` fruitless re-drives it is
 * failed cleanly through the deciders: authorization voided and seats returned, or (confirmed without tickets)
 * cancelled so the cancellation saga refunds and releases the seats.
 *
 * The orders read model only nominates candidates (cheap query by status and age); what to do is read from the
 * order's own stream, so a stale read model can at worst cost a no-op re-drive.
 */
export class OrderWatchdog {
  redrivenTotal = 0;
  failedTotal = 0;
  private readonly attempts = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<WatchdogSweep>;

  constructor(
    private readonly sagas: Pick<OrderSagas, 'onOrderPlaced' | 'onOrderConfirmed' | 'onOrderCancelled'>,
    private readonly orders: OrderProcessor,
    private readonly events: TicketedEventProcessor,
    private readonly gateway: PaymentGateway,
    private readonly readStore: ReadStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: OrderWatchdogOptions,
  ) {}

  /** Sweeps once now (a restart drives in-flight work without waiting an interval), then every intervalMs. */
  start(): void {
    if (this.timer) return;
    void this.sweep();
    this.timer = setInterval(() => void this.sweep(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a sweep in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass; a pass still running is joined, never overlapped. */
  sweep(): Promise<WatchdogSweep> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<WatchdogSweep> {
    const result: WatchdogSweep = { candidates: 0, redriven: 0, failed: 0 };
    let candidates: OrderDoc[];
    try {
      candidates = await this.candidates();
    } catch (err) {
      this.logger.warn({ err }, 'order watchdog could not list candidates');
      return result;
    }
    result.candidates = candidates.length;
    for (const doc of candidates) {
      try {
        const outcome = await this.check(doc.order_id);
        if (outcome === 'redriven') result.redriven += 1;
        if (outcome === 'failed') result.failed += 1;
      } catch (err) {
        this.logger.error({ err, orderId: doc.order_id }, 'order watchdog could not handle a stuck order');
      }
    }
    return result;
  }

  private async candidates(): Promise<OrderDoc[]> {
    const cutoff = this.clock.now().getTime() - this.options.afterMs;
    const docs = await this.readStore.collection<OrderDoc>(COLLECTIONS.orders).find({
      $or: [
        { status: 'PENDING' },
        { status: 'CONFIRMED', tickets: { $size: 0 } },
        { status: 'CANCELLED', payment_status: 'REFUND_PENDING' },
      ],
    });
    const since = (doc: OrderDoc) =>
      Date.parse(
        doc.status === 'CONFIRMED'
          ? (doc.confirmed_at ?? doc.created_at)
          : doc.status === 'CANCELLED'
            ? (doc.cancelled_at ?? doc.created_at)
            : doc.created_at,
      );
    return docs.filter((doc) => since(doc) <= cutoff);
  }

  private async check(orderId: string): Promise<'redriven' | 'failed' | 'done'> {
    const before = stuckAt((await this.orders.read(orderId)).state);
    if (!before) {
      this.attempts.delete(orderId); // finished meanwhile (the read model lagged)
      return 'done';
    }
    const attempt = (this.attempts.get(orderId) ?? 0) + 1;
    if (attempt > this.options.maxRedrives) return this.failCleanly(orderId);
    this.attempts.set(orderId, attempt);
    this.redrivenTotal += 1;
    this.logger.warn({ orderId, step: before, attempt }, 'order watchdog: driving a stuck order again');
    try {
      await this.redrive(orderId, before, attempt);
    } catch (err) {
      this.logger.warn({ err, orderId, step: before, attempt }, 'order watchdog: re-drive failed');
    }
    if (!stuckAt((await this.orders.read(orderId)).state)) this.attempts.delete(orderId);
    return 'redriven';
  }

  private async redrive(orderId: string, step: Stuck, attempt: number): Promise<void> {
    const { state } = await this.orders.read(orderId);
    const placed = state.placed!;
    const message = (type: string, data: unknown): BusMessage => ({
      id: `watchdog:${orderId}:${step}:${attempt}`,
      type,
      data,
      metadata: { redrivenBy: 'watchdog', correlationId: orderId },
    });
    if (step === 'payment') await this.sagas.onOrderPlaced(message('OrderPlaced', placed));
    else if (step === 'fulfillment')
      await this.sagas.onOrderConfirmed(
        message('OrderConfirmed', { ...placed, confirmedAt: this.clock.now().toISOString() }),
      );
    else
      await this.sagas.onOrderCancelled(
        message('OrderCancelled', {
          orderId,
          userId: placed.userId,
          eventId: placed.eventId,
          reason: 'watchdog',
          refundAmountCents: placed.totalCents,
          captureId: state.captureId,
          authorizationId: placed.authorizationId,
          ticketIds: [],
          cancelledAt: this.clock.now().toISOString(),
        }),
      );
  }

  /** Ends an order that re-driving could not finish, through the deciders, leaving no money or seat behind. */
  private async failCleanly(orderId: string): Promise<'failed' | 'done'> {
    const { state } = await this.orders.read(orderId);
    const step = stuckAt(state);
    if (!step) return 'done';
    const placed = state.placed!;
    const meta: CommandMetadata = {
      correlationId: orderId,
      causationId: `watchdog:${orderId}`,
      userId: WATCHDOG_USER,
    };
    if (step === 'payment' && state.paymentStatus === 'AUTHORIZED') {
      await this.events.execute(placed.eventId, { type: 'ReturnSeats', orderId }, meta);
      await this.gateway.voidAuthorization({
        authorizationId: placed.authorizationId,
        idempotencyKey: `void:${orderId}`,
      });
      await this.orders.execute(
        orderId,
        { type: 'FailOrder', reason: 'watchdog_timeout', authorizationVoided: true },
        meta,
      );
    } else if (step === 'fulfillment') {
      // Cancelling hands the refund, the seats and any half-issued tickets to the cancellation saga.
      try {
        await this.orders.execute(
          orderId,
          {
            type: 'CancelOrder',
            reason: 'Tickets could not be issued',
            eventCancelled: false,
            byUserId: placed.userId,
          },
          meta,
        );
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        return this.giveUp(orderId, step, err.code);
      }
    } else {
      // Captured but not confirmed, or a refund that keeps failing: no decider command ends these without
      // the step itself, so an operator has to look (the order stays listed here and in /metrics).
      return this.giveUp(orderId, step, 'no_clean_failure_path');
    }
    this.attempts.delete(orderId);
    this.failedTotal += 1;
    this.logger.error({ orderId, step }, 'order watchdog: order failed cleanly after repeated re-drives');
    return 'failed';
  }

  private giveUp(orderId: string, step: Stuck, reason: string): 'failed' {
    this.failedTotal += 1;
    this.attempts.set(orderId, 0); // try re-driving again in later sweeps, counting afresh
    this.logger.error(
      { orderId, step, reason },
      'order watchdog: cannot finish or fail this order; needs an operator',
    );
    return 'failed';
  }
}
