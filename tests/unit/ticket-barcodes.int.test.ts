import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  barcodeCandidate,
  barcodeStream,
  BarcodeExhaustedError,
  claimBarcode as claimWith,
  createBarcodeProcessor,
  MAX_BARCODE_ATTEMPTS,
} from '../../src/application/tickets/barcodes';
import { SqliteEventStore } from '../../src/infrastructure/eventstore/sqlite/sqlite-event-store';

describe('claimBarcode over a real SQLite event store', () => {
  let dir: string;
  let store: SqliteEventStore;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'barcodes-'));
    store = new SqliteEventStore(path.join(dir, 'events.db'));
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  // Each call through a new processor, as a separate process would (the store is what they share).
  const claimBarcode = (events: SqliteEventStore, ticketId: string) =>
    claimWith(createBarcodeProcessor(events), ticketId);

  const claimedBy = async (barcode: string) => {
    const events = await store.readStream(barcodeStream(barcode));
    return events.map((e) => ({ type: e.type, data: e.data }));
  };

  it('candidates are 12 digits, first digit 1-9, deterministic per ticket and attempt', () => {
    for (let i = 0; i < 500; i += 1) {
      const candidate = barcodeCandidate(`ticket-${i}`, i % 3);
      expect(candidate).toMatch(/^[1-9]\d{11}$/);
    }
    expect(barcodeCandidate('t-1', 0)).toBe(barcodeCandidate('t-1', 0));
    expect(barcodeCandidate('t-1', 0)).not.toBe(barcodeCandidate('t-1', 1));
    expect(barcodeCandidate('t-1', 0)).not.toBe(barcodeCandidate('t-2', 0));
  });

  it('claims the first candidate on barcode-{barcode}', async () => {
    const barcode = await claimBarcode(store, 't-1');
    expect(barcode).toBe(barcodeCandidate('t-1', 0));
    expect(await claimedBy(barcode)).toEqual([
      { type: 'BarcodeClaimed', data: { barcode, ticketId: 't-1' } },
    ]);
  });

  it('a retry for the same ticket returns the same barcode and records nothing', async () => {
    const first = await claimBarcode(store, 't-1');
    const head = await store.headPosition();
    expect(await claimBarcode(store, 't-1')).toBe(first);
    expect(await store.headPosition()).toBe(head);
  });

  it('a candidate taken by another ticket moves on to the next one; retries keep finding it', async () => {
    const taken = barcodeCandidate('t-1', 0);
    await store.append(
      barcodeStream(taken),
      [
        {
          id: '0190a0b0-0000-7000-8000-000000000001',
          type: 'BarcodeClaimed',
          data: { barcode: taken, ticketId: 'someone-else' },
          metadata: { correlationId: 'c', causationId: 'c', userId: 'test', schemaVersion: 1 },
        },
      ],
      { expectedRevision: 'no_stream' },
    );

    const barcode = await claimBarcode(store, 't-1');
    expect(barcode).toBe(barcodeCandidate('t-1', 1));
    expect(await claimedBy(barcode)).toEqual([
      { type: 'BarcodeClaimed', data: { barcode, ticketId: 't-1' } },
    ]);
    expect(await claimedBy(taken)).toEqual([
      { type: 'BarcodeClaimed', data: { barcode: taken, ticketId: 'someone-else' } },
    ]);
    expect(await claimBarcode(store, 't-1')).toBe(barcode);
  });

  it('gives up after MAX_BARCODE_ATTEMPTS taken candidates', async () => {
    for (let attempt = 0; attempt < MAX_BARCODE_ATTEMPTS; attempt += 1) {
      const taken = barcodeCandidate('t-unlucky', attempt);
      await store.append(
        barcodeStream(taken),
        [
          {
            id: `0190a0b0-0000-7000-8000-${String(attempt).padStart(12, '0')}`,
            type: 'BarcodeClaimed',
            data: { barcode: taken, ticketId: `other-${attempt}` },
            metadata: { correlationId: 'c', causationId: 'c', userId: 'test', schemaVersion: 1 },
          },
        ],
        { expectedRevision: 'no_stream' },
      );
    }
    await expect(claimBarcode(store, 't-unlucky')).rejects.toBeInstanceOf(BarcodeExhaustedError);
  });

  it('concurrent claims for many tickets give unique barcodes, and concurrent retries agree', async () => {
    const ids = Array.from({ length: 200 }, (_, i) => `bulk-${i}`);
    const [a, b] = await Promise.all([
      Promise.all(ids.map((id) => claimBarcode(store, id))),
      Promise.all(ids.map((id) => claimBarcode(store, id))),
    ]);
    expect(a).toEqual(b);
    expect(new Set(a).size).toBe(200);
  });
});
