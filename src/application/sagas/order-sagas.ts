import type { Logger } from 'pino';
import type { TicketedEventProcessor } from '../ticketed-event/ticketed-event-processor';
import type { OrderProcessor } from '../orders/order-processor';
import type { BusMessage, MessageBus, Subscription } from '../ports/message-bus';
import type { PaymentGateway } from '../ports/payment-gateway';
import type { ReadStore } from '../ports/read-store';
import { COLLECTIONS, type OrderDoc } from '../read-models/documents';
import type { CommandMetadata } from '../shared/command-metadata';
import { cancellationSaga } from './cancellation.saga';
import { eventCancellationSaga } from './event-cancellation.saga';
import { fulfillmentSaga } from './fulfillment.saga';
import { paymentSaga } from './payment.saga';
import type { FaultPoint, SagaAction } from './saga';
import { SagaInterpreter, type TicketIssuer } from './saga-interpreter';

export type { TicketIssuer } from './saga-interpreter';

/**
 * Events the forwarder must put on the bus for these sagas. Not OrderConfirmed: the payment saga confirms an
 * order with its tickets, so there is nothing left to fulfil. The fulfillment saga still serves orders confirmed
 * without tickets by earlier versions (the watchdog drives them) and OrderConfirmed messages already queued.
 */
export const SAGA_EVENT_TYPES: ReadonlySet<string> = new Set([
  'OrderPlaced',
  'OrderCancelled',
  'EventCancelled',
]);

export const SAGA_QUEUES = {
  payment: 'saga.payment',
  fulfillment: 'saga.fulfillment',
  cancellation: 'saga.cancellation',
  eventCancellation: 'saga.event-cancellation',
} as const;

export type SagaQueue = keyof typeof SAGA_QUEUES;

export interface SagaOptions {
  prefetch?: number;
  maxRetries?: number;
  retryDelayMs?: number;
  /** Prefix of the queue names (several deployments can share a broker). */
  namespace?: string;
  /**
   * Test hook: called at named steps (before-sell, after-sell, after-capture, before-tickets, after-tickets,
   * before-confirm, after-refund); throwing there simulates a crash before the ack, awaiting it a delay.
   */
  faults?: (step: FaultPoint, message: BusMessage) => void | Promise<void>;
}

/**
 * The order sagas on the bus: each queue's messages go to one saga (src/application/sagas/*.saga.ts), with the
 * state its step needs read from the write side, and the interpreter performs what the step decided. Delivery
 * is at least once and every action is idempotent; a handler that throws is retried by the bus with growing
 * delays, then dead-lettered.
 */
export class OrderSagas {
  private readonly subscriptions: Subscription[] = [];
  private readonly interpreter: SagaInterpreter;

  constructor(
    private readonly bus: MessageBus,
    private readonly orders: OrderProcessor,
    events: TicketedEventProcessor,
    gateway: PaymentGateway,
    tickets: TicketIssuer,
    private readonly readStore: ReadStore,
    /** Resolves when the read models include a log position (the event-cancellation saga lists orders). */
    private readonly waitForReadModels: (position: number) => Promise<unknown>,
    private readonly logger: Logger,
    private readonly options: SagaOptions = {},
  ) {
    this.interpreter = new SagaInterpreter({ orders, events, gateway, tickets, faults: options.faults });
  }

  async start(): Promise<void> {
    const consume = {
      prefetch: this.options.prefetch ?? 128,
      maxRetries: this.options.maxRetries ?? 5,
      retryDelayMs: this.options.retryDelayMs ?? 500,
    };
    const wrap =
      (name: string, handler: (message: BusMessage) => Promise<void>) =>
      async (message: BusMessage, ctx: { attempt: number }) => {
        try {
          await handler(message);
        } catch (error) {
          this.logger.warn(
            { err: error, saga: name, type: message.type, messageId: message.id, attempt: ctx.attempt },
            'saga step failed; the bus will retry',
          );
          throw error;
        }
      };
    const routes: Array<[SagaQueue, string, string, (message: BusMessage) => Promise<void>]> = [
      ['payment', 'OrderPlaced', paymentSaga.name, (m) => this.onOrderPlaced(m)],
      ['fulfillment', 'OrderConfirmed', fulfillmentSaga.name, (m) => this.onOrderConfirmed(m)],
      ['cancellation', 'OrderCancelled', cancellationSaga.name, (m) => this.onOrderCancelled(m)],
      ['eventCancellation', 'EventCancelled', eventCancellationSaga.name, (m) => this.onEventCancelled(m)],
    ];
    for (const [queue, type, name, handler] of routes)
      this.subscriptions.push(
        await this.bus.consume(this.queue(queue), [type], wrap(name, handler), {
          ...consume,
          // One event cancellation at a time: each one cancels many orders.
          ...(queue === 'eventCancellation' ? { prefetch: 1 } : {}),
        }),
      );
  }

  async stop(): Promise<void> {
    await Promise.all(this.subscriptions.splice(0).map((s) => s.close()));
  }

  queue(name: SagaQueue): string {
    return `${this.options.namespace ?? 'ticketing'}.${SAGA_QUEUES[name]}`;
  }

  /** Performs actions outside a saga run (the watchdog's clean failures), with the same interpreter. */
  async perform(actions: SagaAction[], metadata: CommandMetadata): Promise<void> {
    await this.interpreter.perform(actions, metadata);
  }

  /**
   * The order's state, at least as new as the message's event: the cached one when it already holds it, else read
   * afresh (another API process wrote the event, WORKERS > 1: a step decided on the cache would miss it, e.g. a
   * cancellation with no refund). No extra read when this process wrote it.
   */
  private async orderAsOf(orderId: string, message: BusMessage) {
    const cached = await this.orders.read(orderId);
    const revision = message.metadata.revision;
    if (typeof revision !== 'number' || cached.revision >= revision) return cached.state;
    return (await this.orders.readFresh(orderId)).state;
  }

  async onOrderPlaced(message: BusMessage): Promise<void> {
    const { orderId } = paymentSaga.parse(message);
    await this.interpreter.run(paymentSaga, message, await this.orderAsOf(orderId, message));
  }

  async onOrderConfirmed(message: BusMessage): Promise<void> {
    const { orderId } = fulfillmentSaga.parse(message);
    await this.interpreter.run(fulfillmentSaga, message, await this.orderAsOf(orderId, message));
  }

  async onOrderCancelled(message: BusMessage): Promise<void> {
    const { orderId } = cancellationSaga.parse(message);
    await this.interpreter.run(cancellationSaga, message, await this.orderAsOf(orderId, message));
  }

  async onEventCancelled(message: BusMessage): Promise<void> {
    const { eventId } = eventCancellationSaga.parse(message);
    // The orders read model only nominates the event's orders; each one's status is read from its own stream.
    await this.waitForReadModels(Number(message.metadata.position ?? 0));
    const nominated = await this.readStore
      .collection<OrderDoc>(COLLECTIONS.orders)
      .find({ event_id: eventId, status: { $in: ['CONFIRMED', 'PENDING'] } });
    const orders = await Promise.all(
      nominated.map(async (doc) => ({
        orderId: doc.order_id,
        status: (await this.orders.readFresh(doc.order_id)).state.status,
      })),
    );
    await this.interpreter.run(eventCancellationSaga, message, { orders });
  }
}
