import { MongoServerError } from 'mongodb';
import { Query, update as mingoUpdate } from 'mingo';
import { COLLECTIONS } from '../../src/application/read-models/documents';
import {
  guardedReplace,
  guardedUpdate,
  isDuplicateKey,
  isReadModel,
  positionGuard,
} from '../../src/infrastructure/readstore/mongo/mongo-read-store';
import { readModelIndexes } from '../../src/projections/read-model-indexes';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * What can be checked of the MongoDB read store without a server. The guards are MongoDB filters; mingo
 * implements MongoDB's query and update language (it is what the memory store runs on), so it can say which
 * stored documents a guard matches. The full contract runs against MongoDB in tests/contract/read-store.mongodb.
 */

const matches = (filter: object, doc: object) => new Query(filter as never).test(doc as never);

describe('MongoDB read store: position guard', () => {
  test('matches the document only while it is below the position, or has none', () => {
    const guard = positionGuard('a', 10);
    expect(matches(guard, { _id: 'a', _position: 9 })).toBe(true);
    expect(matches(guard, { _id: 'a' })).toBe(true);
    expect(matches(guard, { _id: 'a', _position: 10 })).toBe(false); // the same event again: a replay
    expect(matches(guard, { _id: 'a', _position: 11 })).toBe(false); // an older event after a newer one
    expect(matches(guard, { _id: 'b', _position: 1 })).toBe(false);
  });

  test('a positioned update records the position in the same write; an unpositioned one is passed as is', () => {
    const { filter, update } = guardedUpdate('a', { $inc: { n: 1 }, $set: { s: 'x' } }, 12);
    expect(filter).toEqual(positionGuard('a', 12));
    expect(update).toEqual({ $inc: { n: 1 }, $set: { s: 'x', _position: 12 } });
    const applied = { _id: 'a', n: 1, _position: 11 };
    mingoUpdate(applied, update as never);
    expect(applied).toEqual({ _id: 'a', n: 2, s: 'x', _position: 12 });

    expect(guardedUpdate('a', { $inc: { n: 1 } }, undefined)).toEqual({
      filter: { _id: 'a' },
      update: { $inc: { n: 1 } },
    });
  });

  test('put is a guarded replace-or-insert (the form bulk writes use too)', () => {
    expect(guardedReplace({ _id: 'a', _position: 5, name: 'x' })).toEqual({
      replaceOne: {
        filter: positionGuard('a', 5),
        replacement: { _id: 'a', _position: 5, name: 'x' },
        upsert: true,
      },
    });
    expect(guardedReplace({ _id: 'a', name: 'x' })).toEqual({
      replaceOne: { filter: { _id: 'a' }, replacement: { _id: 'a', name: 'x' }, upsert: true },
    });
  });

  test('the duplicate key of a guarded upsert that met a newer document means skipped', () => {
    expect(isDuplicateKey(new MongoServerError({ message: 'E11000 duplicate key', code: 11000 }))).toBe(true);
    expect(isDuplicateKey(new MongoServerError({ message: 'other', code: 2 }))).toBe(false);
    expect(isDuplicateKey(new Error('E11000'))).toBe(false);
  });

  test('reset drops read models and projection checkpoints, never snapshots, consumer checkpoints or keys', () => {
    for (const name of Object.values(COLLECTIONS)) expect(isReadModel(name)).toBe(true);
    for (const name of [
      '_snapshots',
      '_consumer_checkpoints',
      '_idempotency_keys',
      '_checkpoints',
      'system.views',
    ])
      expect(isReadModel(name)).toBe(false);
  });
});

describe('read-model index table', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  test('names known collections, with unique index names per collection', () => {
    const known = new Set<string>(Object.values(COLLECTIONS));
    for (const { collection, indexes } of readModelIndexes()) {
      expect(known.has(collection)).toBe(true);
      expect(new Set(indexes.map((i) => i.name)).size).toBe(indexes.length);
      for (const index of indexes) expect(Object.keys(index.key).length).toBeGreaterThan(0);
    }
  });

  test('every indexed field is a field the projections write (a renamed field would leave a dead index)', async () => {
    const admin = await t.adminToken();
    const auth = { authorization: `Bearer ${admin}` };
    const venue = await t.call('POST', '/v1/admin/venues', {
      headers: auth,
      body: {
        name: 'Hall',
        city: 'Oslo',
        state: 'OS',
        country: 'NO',
        sections: [{ name: 'A', rows: [{ row: 'A', seats: 4 }] }],
      },
    });
    expect(venue.status).toBe(201);
    const created = await t.call('POST', '/v1/admin/events', {
      headers: auth,
      body: {
        name: 'Show',
        artist: 'Band',
        description: 'A show',
        category: 'concert',
        venue_id: venue.body.venue_id,
        date: '2031-06-01T20:00:00Z',
        doors_open: '2031-06-01T19:00:00Z',
        general_sale_start: '2020-01-01T00:00:00Z',
        pricing_tiers: [{ name: 'GA', price: 10, fees: 1, sections: ['A'] }],
      },
    });
    expect(created.status).toBe(201);
    const eventId = created.body.event_id as string;
    expect((await t.call('POST', `/v1/admin/events/${eventId}/publish`, { headers: auth })).status).toBe(200);
    // An explicit address: the default one is digits enough to look like a card number now and then.
    const fan = await t.customerToken('index-fan@example.test');
    const hold = await t.call('POST', '/v1/seats/reserve', {
      headers: { authorization: `Bearer ${fan.token}` },
      body: { event_id: eventId, seat_ids: ['s1:A:1'] },
    });
    expect(hold.status).toBe(201);
    const card = await t.call('POST', '/v1/payment-methods', {
      headers: { authorization: `Bearer ${fan.token}` },
      body: { type: 'CARD', card_token: 'tok_visa' },
    });
    const order = await t.call('POST', '/v1/orders', {
      headers: { authorization: `Bearer ${fan.token}` },
      body: { reservation_id: hold.body.reservation_id, payment_method_id: card.body.payment_method_id },
    });
    expect(order.status).toBe(201);
    // The tickets exist once the sagas confirmed the order.
    const tickets = t.app.readStore.collection(COLLECTIONS.tickets);
    for (let i = 0; i < 200 && (await tickets.count({})) === 0; i++)
      await new Promise((r) => setTimeout(r, 25));

    for (const { collection, indexes } of readModelIndexes()) {
      if (indexes.length === 0) continue;
      const docs = (await t.app.readStore.collection(collection).all()) as unknown as Array<
        Record<string, unknown>
      >;
      expect(docs.length).toBeGreaterThan(0);
      for (const index of indexes)
        for (const field of Object.keys(index.key))
          expect({ collection, field, present: docs.every((d) => field in d) }).toEqual({
            collection,
            field,
            present: true,
          });
    }
  });
});
