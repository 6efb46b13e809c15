import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { MongoIdempotencyStore } from '../../src/infrastructure/idempotency/mongo-idempotency-store';
import { mongoSuite } from '../support/backends';
import { idempotencyStoreContract } from './idempotency-store.contract';

/**
 * The IdempotencyStore contract against a real MongoDB (MONGO_URL, or one testcontainers starts): two clients on one
 * database play two API processes. Each test uses its own database, dropped afterwards.
 */
mongoSuite('MongoDB idempotency-store contract', (url) => {
  idempotencyStoreContract('mongodb, two clients', async () => {
    const database = `idempotency_${randomUUID().slice(0, 8)}`;
    const [a, b] = await Promise.all([MongoClient.connect(url()), MongoClient.connect(url())]);
    const store = new MongoIdempotencyStore(a.db(database));
    await store.ensureIndexes();
    return {
      store,
      other: new MongoIdempotencyStore(b.db(database)),
      cleanup: async () => {
        await a.db(database).dropDatabase();
        await Promise.all([a.close(), b.close()]);
      },
    };
  });
});
