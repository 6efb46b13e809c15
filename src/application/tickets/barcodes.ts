import crypto from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { BarcodeClaimed } from '../../domain/ticket/ticket';
import { WrongExpectedVersionError, type EventStore } from '../ports/event-store';
import { systemMetadata, type CommandMetadata } from '../shared/command-metadata';

export const barcodeStream = (barcode: string) => `barcode-${barcode}`;

/** Candidates tried before giving up; with 9 * 10^11 barcodes, even the second is needed about never. */
export const MAX_BARCODE_ATTEMPTS = 20;

const SPAN = 900_000_000_000n; // 12 digits, first digit 1-9: [10^11, 10^12)
const LOWEST = 100_000_000_000n;

/** The barcode a ticket tries at `attempt`: 12 digits, derived from sha256(`${ticketId}:${attempt}`). */
export function barcodeCandidate(ticketId: string, attempt: number): string {
  const digest = crypto.createHash('sha256').update(`${ticketId}:${attempt}`).digest();
  return (LOWEST + (digest.readBigUInt64BE(0) % SPAN)).toString();
}

/** No free barcode after MAX_BARCODE_ATTEMPTS candidates (a bug or a corrupted store, never chance). */
export class BarcodeExhaustedError extends Error {
  constructor(readonly ticketId: string) {
    super(`No free barcode for ticket ${ticketId} after ${MAX_BARCODE_ATTEMPTS} attempts`);
    this.name = 'BarcodeExhaustedError';
  }
}

/**
 * A barcode that belongs to this ticket and no other, across processes: each candidate is claimed by
 * appending BarcodeClaimed to `barcode-{barcode}` with expected revision no_stream. The candidates are
 * deterministic per ticket, so a retry (a redelivered saga message) finds its own earlier claim and gets the
 * same barcode back; a candidate claimed by another ticket moves on to the next one.
 */
export async function claimBarcode(
  store: EventStore,
  ticketId: string,
  metadata?: CommandMetadata,
): Promise<string> {
  const meta = metadata ?? systemMetadata('tickets', `barcode-${ticketId}`);
  for (let attempt = 0; attempt < MAX_BARCODE_ATTEMPTS; attempt += 1) {
    const barcode = barcodeCandidate(ticketId, attempt);
    const stream = barcodeStream(barcode);
    const event: BarcodeClaimed = { type: 'BarcodeClaimed', data: { barcode, ticketId } };
    try {
      await store.append(
        stream,
        [{ id: uuidv7(), type: event.type, data: event.data, metadata: { ...meta, schemaVersion: 1 } }],
        {
          expectedRevision: 'no_stream',
        },
      );
      return barcode;
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError)) throw error;
      const [first] = await store.readStream(stream, { maxCount: 1 });
      const owner =
        first?.type === 'BarcodeClaimed' ? (first.data as BarcodeClaimed['data']).ticketId : undefined;
      if (owner === ticketId) return barcode;
    }
  }
  throw new BarcodeExhaustedError(ticketId);
}
