import type { Logger } from 'pino';
import type { OrderState } from '../../domain/order/order';
import { DomainError } from '../../domain/shared/errors';
import type { Clock } from '../ports/clock';
import type { BusMessage } from '../ports/message-bus';
import type { ReadStore } from '../ports/read-store';
import { COLLECTIONS, type OrderDoc } from '../read-models/documents';
import type { OrderSagas } from '../sagas/order-sagas';
import { failBeforeCapture } from '../sagas/payment.saga';
import type { SagaAction } from '../sagas/saga';
import type { CommandMetadata } from '../shared/command-metadata';
import type { OrderProcessor } from './order-processor';
import type { OrderService } from './order-service';
import { attemptsToRelease, PAYMENT_ATTEMPTS, type PaymentAttemptDoc } from './payment-attempts';

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
  /** Payment attempts abandoned by their request (never placed) whose authorization was voided. */
  released: number;
}

/** Which saga step an order still needs, decided on its stream (never on a read model). */
export type Stuck = 'payment' | 'fulfillment' | 'refund';

export function stuckAt(state: OrderState): Stuck | undefined {
  if (!state.placed) return undefined;
  if (state.status === 'PENDING') return 'payment';
  if (state.status === 'CONFIRMED' && state.tickets.length === 0) return 'fulfillment';
  // Cancelled, or failed after its capture: the refund (and the seats, tickets) are still to be done.
  if (state.paymentStatus === 'REFUND_PENDING') return 'refund';
  return undefined;
}

/**
 * How to end an order that re-driving could not finish, through the deciders, leaving no money or seat behind
 * (a pure step, like the sagas'): `actions` to perform, then the refund step when `thenRefund`; or no clean way
 * (`operator`: a person has to look).
 */
export type GiveUp = { actions: SagaAction[]; thenRefund: boolean } | { operator: string };

export function giveUp(state: OrderState): GiveUp {
  const step = stuckAt(state);
  const placed = state.placed;
  if (!step || !placed) return { actions: [], thenRefund: false };
  const { orderId } = placed;
  if (step === 'payment' && state.paymentStatus === 'AUTHORIZED')
    return { actions: failBeforeCapture(placed, 'watchdog_timeout'), thenRefund: false };
  if (step === 'payment')
    // Captured but never confirmed: failing it records the refund as owed (REFUND_PENDING) before anything
    // else, so the payment saga stops for good and the refund step (seats back, money back) can be re-driven.
    return {
      actions: [
        {
          type: 'OrderCommand',
          orderId,
          command: { type: 'FailOrder', reason: 'watchdog_timeout', authorizationVoided: false },
        },
      ],
      thenRefund: true,
    };
  if (step === 'fulfillment')
    // Cancelling hands the refund, the seats and any half-issued tickets to the cancellation saga.
    return {
      actions: [
        {
          type: 'OrderCommand',
          orderId,
          command: {
            type: 'CancelOrder',
            reason: 'Tickets could not be issued',
            eventCancelled: false,
            byUserId: placed.userId,
          },
        },
      ],
      thenRefund: false,
    };
  // A refund that keeps failing: only the refund itself ends it.
  return { operator: 'no_clean_failure_path' };
}

const WATCHDOG_USER = 'saga:watchdog';

/**
 * The second line of defence behind at-least-once delivery: an order left non-terminal (PENDING; CONFIRMED
 * without tickets; CANCELLED with its refund pending) for longer than `afterMs` is driven again through the same
 * idempotent saga handlers, tagged `saga:watchdog` in the log. After `maxRedrives` fruitless re-drives it is
 * failed cleanly through the deciders (see giveUp): authorization voided and seats returned; captured but never
 * confirmed: failed with its refund owed, then refunded; confirmed without tickets: cancelled so the cancellation
 * saga refunds and releases the seats.
 *
 * It also ends payment attempts nobody finished: an attempt AUTHORIZING for longer than `afterMs` (the process
 * placing the order died between the gateway's authorization and PlaceOrder, and the buyer did not retry) is
 * abandoned and its authorization voided (OrderService.releasePaymentAttempt), as is an abandoned attempt whose
 * void did not happen. Voiding rather than placing the order: the request that knew the buyer's intent is gone,
 * its answer was never given, and a void is always safe; the hold stays until it expires, so the buyer may retry
 * (a new attempt). An AUTHORIZING order is not shown to the buyer (it is no order yet): GET answers 404 until
 * OrderPlaced, exactly as before attempts were recorded.
 *
 * The read models only nominate candidates (cheap queries by status and age); what to do is read from the
 * order's own stream, so a stale read model can at worst cost a no-op re-drive. Read afresh, not from this
 * process's cache: another process (WORKERS > 1, or the version that ran before an upgrade) may have moved the
 * order on, and the step to drive is decided by where it really is.
 */
export class OrderWatchdog {
  redrivenTotal = 0;
  failedTotal = 0;
  releasedTotal = 0;
  private readonly attempts = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<WatchdogSweep>;

  constructor(
    private readonly sagas: Pick<
      OrderSagas,
      'onOrderPlaced' | 'onOrderConfirmed' | 'onOrderCancelled' | 'perform'
    >,
    private readonly orders: OrderProcessor,
    private readonly readStore: ReadStore,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly options: OrderWatchdogOptions,
    private readonly payments: Pick<OrderService, 'releasePaymentAttempt'>,
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
    const result: WatchdogSweep = { candidates: 0, redriven: 0, failed: 0, released: 0 };
    result.released = await this.releaseAbandonedAttempts();
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

  /** Payment attempts nobody finished (see the class comment): abandoned, then their authorization voided. */
  private async releaseAbandonedAttempts(): Promise<number> {
    const cutoff = this.clock.now().getTime() - this.options.afterMs;
    let docs: PaymentAttemptDoc[];
    try {
      // Young AUTHORIZING attempts are requests in flight: not even nominated (an on-sale has many).
      docs = await this.readStore.collection<PaymentAttemptDoc>(PAYMENT_ATTEMPTS).find({
        $or: [
          { status: 'VOID_PENDING' },
          { status: 'AUTHORIZING', requested_at: { $lte: new Date(cutoff).toISOString() } },
        ],
      });
    } catch (err) {
      this.logger.warn({ err }, 'order watchdog could not list payment attempts');
      return 0;
    }
    let released = 0;
    for (const orderId of new Set(docs.map((d) => d.order_id))) {
      try {
        const { state } = await this.orders.readFresh(orderId);
        for (const attempt of attemptsToRelease(state, cutoff)) {
          const meta: CommandMetadata = {
            correlationId: orderId,
            causationId: `watchdog:${orderId}:attempt-${attempt.attempt}`,
            userId: WATCHDOG_USER,
          };
          const outcome = await this.payments.releasePaymentAttempt(
            orderId,
            attempt.attempt,
            'watchdog_timeout',
            meta,
          );
          if (outcome !== 'voided') continue;
          released += 1;
          this.releasedTotal += 1;
          this.logger.warn(
            { orderId, attempt: attempt.attempt, since: attempt.requestedAt },
            'order watchdog: voided the authorization of a payment attempt that never became an order',
          );
        }
      } catch (err) {
        this.logger.warn(
          { err, orderId },
          'order watchdog: could not release a payment attempt; trying again next sweep',
        );
      }
    }
    return released;
  }

  private async candidates(): Promise<OrderDoc[]> {
    const cutoff = this.clock.now().getTime() - this.options.afterMs;
    const docs = await this.readStore.collection<OrderDoc>(COLLECTIONS.orders).find({
      $or: [
        { status: 'PENDING' },
        { status: 'CONFIRMED', tickets: { $size: 0 } },
        { status: 'CANCELLED', payment_status: 'REFUND_PENDING' },
        { status: 'FAILED', payment_status: 'REFUND_PENDING' },
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
    const before = stuckAt((await this.orders.readFresh(orderId)).state);
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
    if (!stuckAt((await this.orders.readFresh(orderId)).state)) this.attempts.delete(orderId);
    return 'redriven';
  }

  private async redrive(orderId: string, step: Stuck, attempt: number): Promise<void> {
    const { state } = await this.orders.readFresh(orderId);
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
    const { state } = await this.orders.readFresh(orderId);
    const step = stuckAt(state);
    if (!step) return 'done';
    const plan = giveUp(state);
    if ('operator' in plan) return this.giveUp(orderId, step, plan.operator);
    const meta: CommandMetadata = {
      correlationId: orderId,
      causationId: `watchdog:${orderId}`,
      userId: WATCHDOG_USER,
    };
    try {
      await this.sagas.perform(plan.actions, meta);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      return this.giveUp(orderId, step, err.code);
    }
    this.attempts.delete(orderId);
    this.failedTotal += 1;
    this.logger.error({ orderId, step }, 'order watchdog: order failed cleanly after repeated re-drives');
    if (plan.thenRefund) {
      // Now, rather than a sweep later; if it fails, later sweeps re-drive the refund (REFUND_PENDING).
      try {
        await this.redrive(orderId, 'refund', 0);
      } catch (err) {
        this.logger.warn(
          { err, orderId },
          'order watchdog: refund after a clean failure failed; re-driving later',
        );
      }
    }
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
