import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { MongoReadStore } from '../../src/infrastructure/readstore/mongo/mongo-read-store';
import { readModelIndexes } from '../../src/projections/read-model-indexes';
import { mongoSuite } from '../support/backends';
import { readStoreContract } from './read-store.contract';

/**
 * The ReadStore contract against a real MongoDB: the server at MONGO_URL, e.g.
 *   MONGO_URL='mongodb://localhost:27017' npx jest tests/contract/read-store.mongodb
 * or one that testcontainers starts when it finds a container runtime. Each test uses its own database, dropped
 * afterwards, so a shared server is fine.
 */
mongoSuite('MongoDB read-store contract', (url) => {
  readStoreContract('mongodb', async () => {
    const database = `contract_${randomUUID().slice(0, 8)}`;
    const open = () => MongoReadStore.connect(url(), { database, indexes: readModelIndexes() });
    return {
      store: await open(),
      reopen: open,
      cleanup: async () => {
        const client = await MongoClient.connect(url());
        try {
          await client.db(database).dropDatabase();
        } finally {
          await client.close();
        }
      },
    };
  });

  test('creates every index of the read-model table', async () => {
    const database = `indexes_${randomUUID().slice(0, 8)}`;
    const store = await MongoReadStore.connect(url(), { database, indexes: readModelIndexes() });
    try {
      for (const { collection, indexes } of readModelIndexes()) {
        if (indexes.length === 0) continue;
        const created = await store.db.collection(collection).indexes();
        for (const index of indexes)
          expect(created).toContainEqual(expect.objectContaining({ name: index.name, key: index.key }));
      }
    } finally {
      await store.db.dropDatabase();
      await store.close();
    }
  });
});
