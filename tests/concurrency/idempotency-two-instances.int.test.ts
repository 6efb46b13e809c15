import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEvent } from '../support/fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * One Idempotency-Key sent at the same time to two API processes on one data directory (WORKERS=2): the command
 * runs once, whichever process each copy lands on. Each instance keeps its own in-flight requests, as a process
 * does, so only the shared store can tell them apart.
 */
describe('Idempotency-Key across two application instances sharing one data directory', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketing-idem-two-'));
  let a: TestApp;
  let b: TestApp;
  let eventId: string;
  const ROUNDS = 8;
  const COPIES = 10;
  const on = (i: number) => (i % 2 === 0 ? a : b);

  beforeAll(async () => {
    a = await startTestApp({ dataDir });
    b = await startTestApp({ dataDir });
    ({ eventId } = await createEvent(a.call, await a.adminToken(), {
      sections: [{ name: 'Main', rows: ['A', 'B', 'C', 'D'].map((row) => ({ row, seats: 20 })) }],
      tiers: [{ name: 'Main', price: 40, fees: 4, sections: ['Main'] }],
      maxTicketsPerOrder: 100,
      restrictSingleSeat: false,
    }));
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const reserve = (i: number, userId: string, key: string, seatIds: string[]) =>
    on(i).call('POST', '/v1/seats/reserve', {
      token: on(i).mintToken(userId),
      body: { event_id: eventId, seat_ids: seatIds },
      headers: { 'idempotency-key': key },
    });

  it('copies of one request all get the first answer, and one hold is made', async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const seats = [`s1:A:${2 * round + 1}`, `s1:A:${2 * round + 2}`];
      const answers = await Promise.all(
        Array.from({ length: COPIES }, (_, i) => reserve(i, `same-${round}`, `same-key-${round}`, seats)),
      );
      expect(answers.map((r) => r.status)).toEqual(Array(COPIES).fill(201));
      expect(new Set(answers.map((r) => r.body.reservation_id)).size).toBe(1);
      expect(answers.filter((r) => r.headers.get('idempotent-replayed') !== 'true')).toHaveLength(1);
    }
  });

  it('one key with different bodies: one request runs, the others are refused as a reused key', async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const answers = await Promise.all(
        Array.from({ length: 4 }, (_, i) =>
          reserve(i, `reuser-${round}`, `reused-key-${round}`, [
            `s1:${'BCD'[round % 3]}:${(i % 4) * 4 + 1 + (round % 2) * 2}`,
            `s1:${'BCD'[round % 3]}:${(i % 4) * 4 + 2 + (round % 2) * 2}`,
          ]),
        ),
      );
      const statuses = answers.map((r) => r.status).sort();
      expect(statuses).toEqual([201, 422, 422, 422]);
      for (const refused of answers.filter((r) => r.status === 422))
        expect(refused.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
      // Let this round's holds go, so the next rounds find their seats free.
      const held = answers.find((r) => r.status === 201)!;
      const release = await a.call('DELETE', `/v1/reservations/${held.body.reservation_id}`, {
        token: a.mintToken(`reuser-${round}`),
      });
      expect(release.status).toBeLessThan(300);
    }
  });

  it('a payment method added with one key from both instances at once is added once', async () => {
    const { token } = await a.customerToken('one-card@example.com'); // good on both: one data directory, one key
    const answers = await Promise.all(
      Array.from({ length: COPIES }, (_, i) =>
        on(i).call('POST', '/v1/payment-methods', {
          token,
          body: { type: 'CARD', card_token: 'tok_visa' },
          headers: { 'idempotency-key': 'card-once' },
        }),
      ),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(COPIES).fill(201));
    expect(new Set(answers.map((r) => r.body.payment_method_id)).size).toBe(1);
    const listed = await b.call('GET', '/v1/payment-methods', { token });
    expect(listed.status).toBe(200);
    const methods = (listed.body.payment_methods ?? listed.body.data ?? listed.body) as unknown[];
    expect(methods).toHaveLength(1);
  });
});
