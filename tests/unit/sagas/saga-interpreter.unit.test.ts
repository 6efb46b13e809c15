import { SagaInterpreter, type SagaPorts } from '../../../src/application/sagas/saga-interpreter';
import type { Saga, SagaAction, SagaOutcome } from '../../../src/application/sagas/saga';
import { PaymentDeclinedError } from '../../../src/application/ports/payment-gateway';
import { DomainError } from '../../../src/domain/shared/errors';
import { busMessage } from '../../support/workflow-spec';

/** Fake ports that record every call in order; `refuse` and `decline` make calls fail the domain's way. */
function fakePorts(options: { refuse?: string; decline?: boolean; faultAt?: string } = {}) {
  const calls: string[] = [];
  const ports: SagaPorts = {
    orders: {
      execute: async (id, command, meta) => {
        calls.push(`order ${id} ${command.type} by ${meta.userId}`);
        if (options.refuse === command.type) throw new DomainError('ORDER_PENDING', 'pending');
        return { events: [], position: 1, revision: 0 };
      },
    },
    events: {
      execute: async (id, command) => {
        calls.push(`event ${id} ${command.type}`);
        if (options.refuse === command.type) throw new DomainError('HOLD_EXPIRED', 'expired');
        return { events: [], position: 1, revision: 0 };
      },
    },
    gateway: {
      capture: async (request) => {
        calls.push(`capture ${request.idempotencyKey}`);
        if (options.decline) throw new PaymentDeclinedError('card_declined', 'no');
        return { captureId: 'cap_1', amountCents: request.amountCents };
      },
      voidAuthorization: async (request) => void calls.push(`void ${request.idempotencyKey}`),
      refund: async (request) => {
        calls.push(`refund ${request.idempotencyKey}`);
        return { refundId: 're_1', amountCents: request.amountCents };
      },
    },
    tickets: {
      issueForOrder: async (order) => {
        calls.push(`issue ${order.orderId}`);
        return [{ ticketId: 't1', seatId: 's1', barcode: 'b1' }];
      },
      voidForOrder: async (ids, reason) => void calls.push(`void tickets ${ids.join(',')} ${reason}`),
      ticketIdFor: (orderId, seatId) => `${orderId}/${seatId}`,
    },
    faults: (step) => {
      calls.push(`fault ${step}`);
      if (options.faultAt === step) throw new Error(`crash at ${step}`);
    },
  };
  return { ports, calls };
}

/** A two-step saga: its first step, and what it does with each outcome (recorded). */
function scriptedSaga(first: SagaAction[], next: (outcome: SagaOutcome) => SagaAction[] = () => []) {
  const outcomes: SagaOutcome[] = [];
  const saga: Saga<{ id: string }, null> = {
    name: 'test',
    parse: (message) => message.data as { id: string },
    decide: () => first,
    react: (outcome) => {
      outcomes.push(outcome);
      return next(outcome);
    },
  };
  return { saga, outcomes };
}

const message = busMessage('Test', { id: 'o1' });
const confirm: SagaAction = {
  type: 'OrderCommand',
  orderId: 'o1',
  command: { type: 'ConfirmOrder', tickets: [] },
};
const sell: SagaAction = {
  type: 'EventCommand',
  eventId: 'e1',
  command: { type: 'SellHold', holdId: 'h1', orderId: 'o1', totalCents: 100 },
  onRefused: 'react',
};

describe('saga interpreter', () => {
  it('performs actions in order, firing the fault hook at Fault actions, as saga:{name}', async () => {
    const { ports, calls } = fakePorts();
    const { saga } = scriptedSaga([{ type: 'Fault', point: 'before-sell' }, sell, confirm]);
    await new SagaInterpreter(ports).run(saga, message, null);
    expect(calls).toEqual(['fault before-sell', 'event e1 SellHold', 'order o1 ConfirmOrder by saga:test']);
  });

  it('a step re-driven by the watchdog is tagged saga:watchdog', async () => {
    const { ports, calls } = fakePorts();
    const { saga } = scriptedSaga([confirm]);
    await new SagaInterpreter(ports).run(
      saga,
      busMessage('Test', { id: 'o1' }, { redrivenBy: 'watchdog' }),
      null,
    );
    expect(calls).toEqual(['order o1 ConfirmOrder by saga:watchdog']);
  });

  it('a refused command with onRefused react becomes an outcome, and the rest of its list is not performed', async () => {
    const { ports, calls } = fakePorts({ refuse: 'SellHold' });
    const { saga, outcomes } = scriptedSaga([sell, confirm], () => [
      { type: 'VoidAuthorization', authorizationId: 'a1', idempotencyKey: 'void:o1' },
    ]);
    await new SagaInterpreter(ports).run(saga, message, null);
    expect(outcomes).toEqual([{ type: 'Refused', command: 'SellHold', code: 'HOLD_EXPIRED' }]);
    expect(calls).toEqual(['event e1 SellHold', 'void void:o1']);
  });

  it('onRefused ignore goes on; without onRefused the refusal propagates (the bus retries)', async () => {
    const ignoring = fakePorts({ refuse: 'CancelOrder' });
    const cancel = (orderId: string, onRefused?: 'ignore'): SagaAction => ({
      type: 'OrderCommand',
      orderId,
      command: { type: 'CancelOrder', reason: 'x', eventCancelled: true, byUserId: 'system' },
      ...(onRefused ? { onRefused } : {}),
    });
    await new SagaInterpreter(ignoring.ports).run(
      scriptedSaga([cancel('o1', 'ignore'), cancel('o2', 'ignore')]).saga,
      message,
      null,
    );
    expect(ignoring.calls).toEqual([
      'order o1 CancelOrder by saga:test',
      'order o2 CancelOrder by saga:test',
    ]);

    const strict = fakePorts({ refuse: 'CancelOrder' });
    await expect(
      new SagaInterpreter(strict.ports).run(scriptedSaga([cancel('o1'), cancel('o2')]).saga, message, null),
    ).rejects.toBeInstanceOf(DomainError);
    expect(strict.calls).toEqual(['order o1 CancelOrder by saga:test']);
  });

  it('capture results come back as Captured or CaptureDeclined', async () => {
    const capture: SagaAction = {
      type: 'Capture',
      authorizationId: 'a1',
      amountCents: 100,
      idempotencyKey: 'capture:o1',
    };
    const ok = scriptedSaga([capture]);
    await new SagaInterpreter(fakePorts().ports).run(ok.saga, message, null);
    expect(ok.outcomes).toEqual([{ type: 'Captured', captureId: 'cap_1' }]);
    const declined = scriptedSaga([capture]);
    await new SagaInterpreter(fakePorts({ decline: true }).ports).run(declined.saga, message, null);
    expect(declined.outcomes).toEqual([{ type: 'CaptureDeclined', reason: 'card_declined' }]);
  });

  it('refunds and issued tickets come back as outcomes; tickets are voided by the ids derived per seat', async () => {
    const { ports, calls } = fakePorts();
    const { saga, outcomes } = scriptedSaga(
      [{ type: 'Refund', captureId: 'cap_1', amountCents: 100, idempotencyKey: 'refund:o1' }],
      (outcome) =>
        outcome.type === 'Refunded'
          ? [
              { type: 'VoidTickets', orderId: 'o1', seatIds: ['s1', 's2'], reason: 'order_cancelled' },
              {
                type: 'IssueTickets',
                order: {
                  orderId: 'o1',
                  eventId: 'e1',
                  userId: 'u1',
                  eventName: '',
                  eventDate: '',
                  venueName: '',
                  seats: [],
                },
              },
            ]
          : [],
    );
    await new SagaInterpreter(ports).run(saga, message, null);
    expect(outcomes).toEqual([
      { type: 'Refunded', refundId: 're_1' },
      { type: 'TicketsIssued', tickets: [{ ticketId: 't1', seatId: 's1', barcode: 'b1' }] },
    ]);
    expect(calls).toEqual(['refund refund:o1', 'void tickets o1/s1,o1/s2 order_cancelled', 'issue o1']);
  });

  it('a fault that throws stops the step there (a crash before the ack)', async () => {
    const { ports, calls } = fakePorts({ faultAt: 'after-sell' });
    const { saga } = scriptedSaga([sell, { type: 'Fault', point: 'after-sell' }, confirm]);
    await expect(new SagaInterpreter(ports).run(saga, message, null)).rejects.toThrow('crash at after-sell');
    expect(calls).toEqual(['event e1 SellHold', 'fault after-sell']);
  });

  it('Retry performs what comes before it, then fails the step so the bus delivers it again', async () => {
    const { ports, calls } = fakePorts();
    const { saga } = scriptedSaga([confirm, { type: 'Retry', reason: '1 order still in payment' }]);
    await expect(new SagaInterpreter(ports).run(saga, message, null)).rejects.toThrow(
      '1 order still in payment',
    );
    expect(calls).toEqual(['order o1 ConfirmOrder by saga:test']);
  });

  it('an action that yields an outcome must end its list: refused before anything is performed', async () => {
    const { ports, calls } = fakePorts();
    const { saga } = scriptedSaga([
      { type: 'Capture', authorizationId: 'a1', amountCents: 100, idempotencyKey: 'k' },
      confirm,
    ]);
    await expect(new SagaInterpreter(ports).run(saga, message, null)).rejects.toThrow(/must end its list/);
    expect(calls).toEqual([]);
  });

  it('a saga that keeps handing itself outcomes is stopped', async () => {
    const refund: SagaAction = { type: 'Refund', captureId: 'c', amountCents: 1, idempotencyKey: 'k' };
    const { ports } = fakePorts();
    const { saga, outcomes } = scriptedSaga([refund], () => [refund]);
    await expect(new SagaInterpreter(ports).run(saga, message, null)).rejects.toThrow(/did not settle/);
    expect(outcomes.length).toBeGreaterThan(1);
  });

  it('actions performed outside a saga (the watchdog) fire no fault hook', async () => {
    const { ports, calls } = fakePorts();
    await new SagaInterpreter(ports).perform([{ type: 'Fault', point: 'before-sell' }, confirm], {
      correlationId: 'o1',
      causationId: 'watchdog:o1',
      userId: 'saga:watchdog',
    });
    expect(calls).toEqual(['order o1 ConfirmOrder by saga:watchdog']);
  });
});
