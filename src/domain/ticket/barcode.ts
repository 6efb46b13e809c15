import type { Decider, DomainEvent } from '../shared/decider';
import { fail } from '../shared/errors';

/**
 * `barcode-{barcode}`: a one-event stream that makes a barcode belong to one ticket for good. Written through
 * the barcode processor, which appends to a new stream with expected revision no_stream: two tickets claiming
 * one barcode cannot both win, across processes too.
 */
export interface ClaimBarcode {
  type: 'ClaimBarcode';
  barcode: string;
  ticketId: string;
}
export type BarcodeCommand = ClaimBarcode;

export type BarcodeClaimed = DomainEvent<'BarcodeClaimed', { barcode: string; ticketId: string }>;
export type BarcodeEvent = BarcodeClaimed;

export type BarcodeState = { claimed: false } | { claimed: true; ticketId: string };

export const barcodeDecider: Decider<BarcodeCommand, BarcodeEvent, BarcodeState, void> = {
  initialState: () => ({ claimed: false }),

  decide(command, state) {
    if (!state.claimed)
      return [{ type: 'BarcodeClaimed', data: { barcode: command.barcode, ticketId: command.ticketId } }];
    // The same ticket again (a retried fulfillment): its barcode already, nothing new to record.
    if (state.ticketId === command.ticketId) return [];
    return fail('BARCODE_TAKEN', 'This barcode belongs to another ticket', { barcode: command.barcode });
  },

  evolve(state, event) {
    return state.claimed ? state : { claimed: true, ticketId: event.data.ticketId };
  },
};
