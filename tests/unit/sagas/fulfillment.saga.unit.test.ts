import { fulfillmentSaga } from '../../../src/application/sagas/fulfillment.saga';
import { busMessage, orderAfter, workflow } from '../../support/workflow-spec';
import {
  at,
  cancelled,
  captured,
  confirmed,
  issueTicketsOfPlaced,
  orderPlaced,
  placed,
  tickets,
  ticketsIssued,
} from './order-fixtures';

const fulfillment = workflow(fulfillmentSaga);
const message = busMessage('OrderConfirmed', { ...placed, confirmedAt: at });

describe('fulfillment saga', () => {
  it('a confirmed order without tickets: issue one per seat (no prices passed on)', () => {
    fulfillment
      .given(orderAfter(orderPlaced, captured, confirmed))
      .when(message)
      .then(issueTicketsOfPlaced);
  });

  it('tickets issued: record them on the order', () => {
    fulfillment
      .given(orderAfter(orderPlaced, captured, confirmed))
      .when(message)
      .after({ type: 'TicketsIssued', tickets })
      .then([
        { type: 'Fault', point: 'after-tickets' },
        { type: 'OrderCommand', orderId: 'o1', command: { type: 'RecordTickets', tickets } },
      ]);
  });

  it('redelivery after the tickets were recorded: nothing to do', () => {
    fulfillment
      .given(orderAfter(orderPlaced, captured, confirmed, ticketsIssued))
      .when(message)
      .thenNothing();
  });

  it('an order cancelled before its tickets, or not confirmed: nothing to issue', () => {
    fulfillment
      .given(orderAfter(orderPlaced, captured, confirmed, cancelled))
      .when(message)
      .thenNothing();
    fulfillment.given(orderAfter(orderPlaced, captured)).when(message).thenNothing();
  });

  it('a malformed message is refused', () => {
    fulfillment
      .given(orderAfter())
      .when(busMessage('OrderConfirmed', { orderId: 'o1' }))
      .thenThrows(/Malformed OrderConfirmed/);
  });

  it('only issued tickets continue the saga', () => {
    fulfillment
      .given(orderAfter(orderPlaced, captured, confirmed))
      .when(message)
      .after({ type: 'Captured', captureId: 'x' })
      .thenThrows(/does not expect outcome Captured/);
  });
});
