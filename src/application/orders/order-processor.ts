import { orderDecider, type OrderCommand, type OrderEvent, type OrderState } from '../../domain/order/order';
import type { Clock } from '../ports/clock';
import type { EventStore } from '../ports/event-store';
import { clockedProcessor, StreamCommandProcessor } from '../shared/stream-command-processor';

export type OrderProcessor = StreamCommandProcessor<OrderCommand, OrderEvent, OrderState, { now: Date }>;

export const orderStream = (id: string) => `order-${id}`;

export function createOrderProcessor(store: EventStore, clock: Clock): OrderProcessor {
  return clockedProcessor(store, clock, orderStream, orderDecider);
}
