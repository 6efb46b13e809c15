import { orderDecider, type OrderEvent, type OrderState } from '../../src/domain/order/order';
import type { BusMessage } from '../../src/application/ports/message-bus';
import type { Saga, SagaAction, SagaOutcome } from '../../src/application/sagas/saga';

/**
 * Given/when/then for sagas, in the spirit of Emmett's WorkflowSpecification:
 *
 *   workflow(saga).given(state).when(message).then([...expectedActions])
 *   workflow(saga).given(state).when(message).after(outcome).then([...])   // a later step
 *   workflow(saga).given(state).when(malformed).thenThrows(/Malformed/)
 *
 * The saga's steps are pure, so a spec is the step's input and its list of actions; nothing is performed.
 * `orderAfter(...events)` folds an order's events through its decider (the state a saga reads).
 */
export interface SagaThen {
  /** The step's actions equal these, in order. */
  then(expected: SagaAction[]): void;
  /** The step decides nothing (a redelivery, a step already taken). */
  thenNothing(): void;
  /** Parsing the message or deciding the step throws an error whose message matches. */
  thenThrows(message: RegExp | string): void;
  /** The step's actions, for assertions the other forms do not cover. */
  actions(): SagaAction[];
}

export interface SagaWhen extends SagaThen {
  /** The later step that follows an action's outcome (a capture, a refusal, issued tickets...). */
  after(outcome: SagaOutcome): SagaThen;
}

export function workflow<Input, State>(saga: Saga<Input, State>) {
  return {
    given(state: State | (() => State)) {
      // A fresh state per decision, so one step cannot change what the next sees.
      const read = () => (typeof state === 'function' ? (state as () => State)() : structuredClone(state));
      return {
        when(message: BusMessage): SagaWhen {
          const first = () => saga.decide(saga.parse(message), read());
          const later = (outcome: SagaOutcome) => () => saga.react(outcome, saga.parse(message), read());
          return { ...thenFor(first), after: (outcome) => thenFor(later(outcome)) };
        },
      };
    },
  };
}

function thenFor(step: () => SagaAction[]): SagaThen {
  return {
    actions: step,
    then(expected) {
      expect(step()).toEqual(expected);
    },
    thenNothing() {
      expect(step()).toEqual([]);
    },
    thenThrows(message) {
      expect(step).toThrow(message);
    },
  };
}

/** The state of an order after these events (what `orders.read(id)` returns on the write side). */
export function orderAfter(...events: OrderEvent[]): () => OrderState {
  return () =>
    events.reduce((state, event) => orderDecider.evolve(state, event), orderDecider.initialState());
}

/** A bus message as the log forwarder publishes it. */
export function busMessage(
  type: string,
  data: unknown,
  metadata: Record<string, unknown> = {},
  id = `msg-${type}`,
): BusMessage {
  return { id, type, data, metadata };
}
