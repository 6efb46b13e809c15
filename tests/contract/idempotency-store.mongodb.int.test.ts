import { randomUUID } from 'node:crypto';
import { MongoDBContainer } from '@testcontainers/mongodb';
import { MongoClient } from 'mongodb';
import { MongoIdempotencyStore } from '../../src/infrastructure/idempotency/mongo-idempotency-store';
import { MONGO_IMAGE, serverSuite } from '../support/backends';
import { idempotencyStoreContract } from './idempotency-store.contract';

/**
 * The IdempotencyStore contract against a real MongoDB (MONGO_URL, or one testcontainers starts): two clients on one
 * database play two API processes. Each test uses its own database, dropped afterwards.
 */
serverSuite(
  'MongoDB idempotency-store contract',
  'MONGO_URL',
  async () => {
    const container = await new MongoDBContainer(MONGO_IMAGE).start();
    return {
      url: `${container.getConnectionString()}?directConnection=true`,
      stop: async () => void (await container.stop()),
    };
  },
  (url) => {
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
  },
);
