/**
 * Saga throughput: N orders placed at once (the synchronous part: authorize + record), then the payment and
 * fulfillment sagas confirm them and issue tickets through the bus. Reports orders confirmed per second from the
 * first placement to the last confirmation, for the in-process bus and for RabbitMQ (when reachable).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { COLLECTIONS, type OrderDoc } from '../src/application/read-models/documents';
import { createApplication } from '../src/composition';
import { loadConfig } from '../src/infrastructure/config/config';
import { createLogger } from '../src/infrastructure/logging/logger';
import { nowMs, percentiles, round } from './lib/stats';

const meta = { correlationId: 'bench-sagas', causationId: 'bench-sagas', userId: 'bench' };

export async function runSagas(orders: number, amqpUrl?: string) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketing-sagas-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    LOG_LEVEL: 'error',
    RATE_LIMITS: 'off',
    ...(amqpUrl ? { AMQP_URL: amqpUrl, BUS_NAMESPACE: `bench-${process.pid}-${Date.now()}` } : {}),
  });
  const app = await createApplication(config, createLogger('error'));
  await app.listen(0, '127.0.0.1');
  try {
    const { catalog } = app;
    const seatsPerRow = 25;
    const rows = Math.ceil((orders * 2) / seatsPerRow);
    const venue = await catalog.createVenue(
      {
        name: 'Saga Hall',
        city: 'X',
        state: 'X',
        country: 'US',
        sections: [
          {
            name: 'Main',
            rows: Array.from({ length: rows }, (_, i) => ({ row: `R${i + 1}`, seats: seatsPerRow })),
          },
        ],
      },
      meta,
    );
    const { event } = await catalog.createEvent(
      {
        name: 'Saga Bench',
        artist: 'Bench',
        description: '',
        category: 'Concert',
        venueId: venue.venue.venueId,
        date: '2030-01-01T20:00:00.000Z',
        doorsOpen: null,
        presaleStart: null,
        generalSaleStart: '2020-01-01T00:00:00.000Z',
        tiers: [{ name: 'Main', priceCents: 5000, feesCents: 500, sections: ['Main'] }],
        maxTicketsPerOrder: 100,
        restrictSingleSeat: false,
        queue: { enabled: false, admissionPerMinute: 1000 },
      },
      meta,
    );
    await catalog.publish(event.eventId, meta);

    // 20 buyers (registration hashes a password: keep it out of the measured part), 50 orders each at most.
    const buyers = await Promise.all(
      Array.from({ length: Math.ceil(orders / 50) }, async (_, i) => {
        const user = await app.accounts.createUser(
          { email: `buyer${i}@bench.test`, password: 'bench-password', name: 'B', role: 'customer' },
          meta,
        );
        const method = await app.paymentMethods.add(
          user.user_id,
          { type: 'CARD', card_token: 'tok_visa' },
          meta,
        );
        return { userId: user.user_id, paymentMethodId: method.payment_method_id };
      }),
    );
    const holds: Array<{ buyer: { userId: string; paymentMethodId: string }; holdId: string }> = [];
    for (let i = 0; i < orders; i += 1) {
      const buyer = buyers[i % buyers.length];
      const row = `R${Math.floor((2 * i) / seatsPerRow) + 1}`;
      const first = ((2 * i) % seatsPerRow) + 1;
      const seatIds =
        first + 1 <= seatsPerRow ? [`s1:${row}:${first}`, `s1:${row}:${first + 1}`] : [`s1:${row}:${first}`];
      const { hold } = await app.reservations.reserve(event.eventId, buyer.userId, seatIds, meta);
      holds.push({ buyer, holdId: hold.holdId });
    }
    await app.runner.catchUp();

    const started = nowMs();
    const placeLatencies: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (next < holds.length) {
          const { buyer, holdId } = holds[next++];
          const t0 = nowMs();
          await app.orders.place(
            { userId: buyer.userId, isAdmin: false },
            {
              reservationId: holdId,
              paymentMethodId: buyer.paymentMethodId,
              billingAddress: null,
              deliveryMethod: 'MOBILE',
            },
            meta,
          );
          placeLatencies.push(nowMs() - t0);
        }
      }),
    );
    const placedS = (nowMs() - started) / 1000;
    const collection = app.readStore.collection<OrderDoc>(COLLECTIONS.orders);
    const deadline = Date.now() + 600_000;
    let confirmed = 0;
    while (Date.now() < deadline) {
      confirmed = await collection.count({ status: 'CONFIRMED' });
      const withTickets = (await collection.find({ status: 'CONFIRMED' })).filter(
        (o) => o.tickets.length > 0,
      ).length;
      if (withTickets >= orders) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const allS = (nowMs() - started) / 1000;
    const docs = await collection.all();
    const sagaLatencies = docs
      .filter((d) => d.confirmed_at)
      .map((d) => Date.parse(d.confirmed_at!) - Date.parse(d.created_at));
    const place = percentiles(placeLatencies);
    const saga = percentiles(sagaLatencies);
    return {
      bus: amqpUrl ? 'rabbitmq' : 'in-process',
      orders,
      confirmed,
      placed_per_s: round(orders / placedS),
      confirmed_with_tickets_per_s: round(orders / allS),
      total_s: round(allS),
      place_p50_ms: round(place.p50),
      place_p99_ms: round(place.p99),
      placed_to_confirmed_p50_ms: round(saga.p50),
      placed_to_confirmed_p99_ms: round(saga.p99),
    };
  } finally {
    await app.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
