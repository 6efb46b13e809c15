import { DomainError } from '../../domain/shared/errors';
import type { OrderProcessor } from '../orders/order-processor';
import type { BusMessage } from '../ports/message-bus';
import { PaymentDeclinedError, type PaymentGateway } from '../ports/payment-gateway';
import type { CommandMetadata } from '../shared/command-metadata';
import type { TicketedEventProcessor } from '../ticketed-event/ticketed-event-processor';
import {
  YIELDS_OUTCOME,
  type FaultPoint,
  type OnRefused,
  type OrderToIssue,
  type Saga,
  type SagaAction,
  type SagaOutcome,
} from './saga';

/** What the sagas need from the tickets module. */
export interface TicketIssuer {
  issueForOrder(
    order: OrderToIssue,
    metadata: CommandMetadata,
  ): Promise<Array<{ ticketId: string; seatId: string; barcode: string }>>;
  voidForOrder(ticketIds: string[], reason: string, metadata: CommandMetadata): Promise<void>;
  ticketIdFor(orderId: string, seatId: string): string;
}

export interface SagaPorts {
  orders: Pick<OrderProcessor, 'execute'>;
  events: Pick<TicketedEventProcessor, 'execute'>;
  gateway: Pick<PaymentGateway, 'capture' | 'voidAuthorization' | 'refund'>;
  tickets: TicketIssuer;
  /** Test hook: called at each Fault action; throwing there simulates a crash before the ack. */
  faults?: (step: FaultPoint, message: BusMessage) => void | Promise<void>;
}

/** A saga handing outcomes back to itself more often than this is looping: stop it. */
const MAX_PHASES = 8;

/**
 * Performs saga actions in order. Every action is idempotent on its own (deciders ignore a step already taken,
 * gateway calls carry deterministic idempotency keys, ticket ids derive from the order), so a message delivered
 * again simply runs the steps again; a failure propagates and the bus retries.
 */
export class SagaInterpreter {
  constructor(private readonly ports: SagaPorts) {}

  /** Runs a saga for one message: its first step, then a step per outcome. */
  async run<Input, State>(saga: Saga<Input, State>, message: BusMessage, state: State): Promise<void> {
    const input = saga.parse(message);
    const metadata = sagaMetadata(message, saga.name);
    let actions = saga.decide(input, state);
    for (let phase = 1; ; phase += 1) {
      const outcome = await this.perform(actions, metadata, message);
      if (!outcome) return;
      if (phase >= MAX_PHASES) throw new Error(`The ${saga.name} saga did not settle in ${MAX_PHASES} steps`);
      actions = saga.react(outcome, input, state);
    }
  }

  /**
   * Performs actions until one yields an outcome (returned; the rest of the list is the branch not taken) or
   * the list ends (undefined).
   */
  async perform(
    actions: SagaAction[],
    metadata: CommandMetadata,
    message?: BusMessage,
  ): Promise<SagaOutcome | undefined> {
    actions.forEach((action, index) => {
      if (YIELDS_OUTCOME.has(action.type) && index !== actions.length - 1)
        throw new Error(`${action.type} yields an outcome and must end its list of actions`);
    });
    for (const action of actions) {
      const outcome = await this.act(action, metadata, message);
      if (outcome) return outcome;
    }
    return undefined;
  }

  private async act(
    action: SagaAction,
    metadata: CommandMetadata,
    message?: BusMessage,
  ): Promise<SagaOutcome | undefined> {
    const { orders, events, gateway, tickets } = this.ports;
    switch (action.type) {
      case 'Fault':
        if (message) await this.ports.faults?.(action.point, message);
        return undefined;
      case 'OrderCommand':
        return refusable(action.onRefused, action.command.type, () =>
          orders.execute(action.orderId, action.command, metadata),
        );
      case 'EventCommand':
        return refusable(action.onRefused, action.command.type, () =>
          events.execute(action.eventId, action.command, metadata),
        );
      case 'Capture':
        try {
          const { captureId } = await gateway.capture({
            authorizationId: action.authorizationId,
            amountCents: action.amountCents,
            idempotencyKey: action.idempotencyKey,
          });
          return { type: 'Captured', captureId };
        } catch (error) {
          if (!(error instanceof PaymentDeclinedError)) throw error;
          return { type: 'CaptureDeclined', reason: error.reason };
        }
      case 'VoidAuthorization':
        await gateway.voidAuthorization({
          authorizationId: action.authorizationId,
          idempotencyKey: action.idempotencyKey,
        });
        return undefined;
      case 'Refund': {
        const { refundId } = await gateway.refund({
          captureId: action.captureId,
          amountCents: action.amountCents,
          idempotencyKey: action.idempotencyKey,
        });
        return { type: 'Refunded', refundId };
      }
      case 'IssueTickets':
        return { type: 'TicketsIssued', tickets: await tickets.issueForOrder(action.order, metadata) };
      case 'VoidTickets':
        await tickets.voidForOrder(
          action.seatIds.map((seatId) => tickets.ticketIdFor(action.orderId, seatId)),
          action.reason,
          metadata,
        );
        return undefined;
      case 'Retry':
        throw new Error(action.reason);
    }
  }
}

async function refusable(
  onRefused: OnRefused | undefined,
  command: string,
  execute: () => Promise<unknown>,
): Promise<SagaOutcome | undefined> {
  try {
    await execute();
    return undefined;
  } catch (error) {
    if (!(error instanceof DomainError) || onRefused === undefined) throw error;
    return onRefused === 'react' ? { type: 'Refused', command, code: error.code } : undefined;
  }
}

/** The metadata of the commands a saga step sends; a step driven again by the watchdog says so (`saga:watchdog`). */
export function sagaMetadata(message: BusMessage, saga: string): CommandMetadata {
  const redrivenBy = message.metadata.redrivenBy;
  return {
    correlationId: String(message.metadata.correlationId ?? message.id),
    causationId: message.id,
    userId: `saga:${typeof redrivenBy === 'string' ? redrivenBy : saga}`,
  };
}
