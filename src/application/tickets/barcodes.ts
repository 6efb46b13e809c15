import crypto from 'node:crypto';
import {
  barcodeDecider,
  type BarcodeCommand,
  type BarcodeEvent,
  type BarcodeState,
} from '../../domain/ticket/barcode';
import { DomainError } from '../../domain/shared/errors';
import type { EventStore } from '../ports/event-store';
import { systemMetadata, type CommandMetadata } from '../shared/command-metadata';
import { StreamCommandProcessor } from '../shared/stream-command-processor';

export const barcodeStream = (barcode: string) => `barcode-${barcode}`;

/** The one command path of `barcode-{barcode}` (a new stream is appended with expected revision no_stream). */
export type BarcodeProcessor = StreamCommandProcessor<BarcodeCommand, BarcodeEvent, BarcodeState, void>;

export function createBarcodeProcessor(store: EventStore): BarcodeProcessor {
  return new StreamCommandProcessor(
    store,
    { streamName: barcodeStream, decider: barcodeDecider, context: () => undefined },
    undefined,
    // One event per stream, read once per ticket: keep few of them cached. A claim is nearly always on a new
    // stream: decided without reading it, the append's no_stream checks (a taken one conflicts and is read).
    { maxCachedStreams: 1000, assumeNewStreams: true },
  );
}

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
 * A barcode that belongs to this ticket and no other, across processes: each candidate is claimed on its
 * `barcode-{barcode}` stream through the barcode processor (the decider refuses a barcode another ticket
 * claimed; a race with another process ends in a conflict, a reload and that refusal). The candidates are
 * deterministic per ticket, so a retry (a redelivered saga message) finds its own earlier claim and gets the
 * same barcode back; a candidate claimed by another ticket moves on to the next one.
 */
export async function claimBarcode(
  barcodes: BarcodeProcessor,
  ticketId: string,
  metadata?: CommandMetadata,
): Promise<string> {
  const meta = metadata ?? systemMetadata('tickets', `barcode-${ticketId}`);
  for (let attempt = 0; attempt < MAX_BARCODE_ATTEMPTS; attempt += 1) {
    const barcode = barcodeCandidate(ticketId, attempt);
    try {
      await barcodes.execute(barcode, { type: 'ClaimBarcode', barcode, ticketId }, meta);
      return barcode;
    } catch (error) {
      if (!(error instanceof DomainError && error.code === 'BARCODE_TAKEN')) throw error;
    }
  }
  throw new BarcodeExhaustedError(ticketId);
}
