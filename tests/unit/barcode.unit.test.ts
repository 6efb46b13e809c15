import { barcodeDecider, type BarcodeClaimed } from '../../src/domain/ticket/barcode';
import { spec } from '../support/given-when-then';

const claimed = (ticketId: string): BarcodeClaimed => ({
  type: 'BarcodeClaimed',
  data: { barcode: '123456789012', ticketId },
});
const claim = (ticketId: string) => ({ type: 'ClaimBarcode' as const, barcode: '123456789012', ticketId });

describe('barcode decider (barcode-{barcode})', () => {
  const barcode = spec(barcodeDecider);

  test('a barcode stream with no events is unclaimed', () => {
    expect(barcode.given([]).state()).toEqual({ claimed: false });
  });

  test('an unclaimed barcode is claimed for the ticket', () => {
    barcode
      .given([])
      .when(claim('t-1'))
      .then([claimed('t-1')]);
    expect(barcode.given([claimed('t-1')]).state()).toEqual({ claimed: true, ticketId: 't-1' });
  });

  test('the same ticket claiming its barcode again records nothing (a retried fulfillment)', () => {
    barcode
      .given([claimed('t-1')])
      .when(claim('t-1'))
      .thenNothing();
  });

  test('another ticket claiming a taken barcode fails with BARCODE_TAKEN', () => {
    barcode
      .given([claimed('t-1')])
      .when(claim('t-2'))
      .thenThrows('BARCODE_TAKEN', { barcode: '123456789012' });
  });

  test('a second BarcodeClaimed does not move the barcode to another ticket', () => {
    expect(barcode.given([claimed('t-1'), claimed('t-2')]).state()).toEqual({
      claimed: true,
      ticketId: 't-1',
    });
  });
});
