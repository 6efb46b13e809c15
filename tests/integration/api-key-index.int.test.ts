import { ApiKeyIndex } from '../../src/application/api-keys/api-key-index';
import { createApiKeyProcessor } from '../../src/application/api-keys/api-key-processor';
import { ApiKeyService } from '../../src/application/api-keys/api-key-service';
import { systemMetadata } from '../../src/application/shared/command-metadata';
import { ManualClock } from '../../src/infrastructure/clock/system-clock';
import { RandomIds } from '../../src/infrastructure/ids/random-ids';
import { apiKeyIndexProjection, apiKeysProjection } from '../../src/projections/api-keys.projection';
import { ProjectionRunner } from '../../src/projections/projection-runner';
import { durableMemoryStore, suiteEventStore } from '../support/durable-stores';

/**
 * A process that starts on a durable read store (MongoDB) resumes its projections from the stored checkpoint, so
 * the log before it is not replayed into its in-memory key index: the keys come from their own streams, named by
 * the read model. Here the durable store is stood in for by the memory store marked durable (no MongoDB here).
 */
describe('API key index on a durable read store', () => {
  const store = suiteEventStore('api-key-index-');
  const durable = durableMemoryStore;

  it('a restarted process knows the keys written before its checkpoint, and not the revoked ones', async () => {
    // The first process writes two keys, revokes one, and its projections record them (then it stops).
    const readStore = durable();
    const first = new ApiKeyIndex();
    const service = new ApiKeyService(
      createApiKeyProcessor(store, new ManualClock()),
      first,
      readStore,
      new RandomIds(),
    );
    const meta = systemMetadata('admin', 'index-test');
    const kept = await service.create({ name: 'Kept', rateLimitPerHour: 100 }, meta);
    const gone = await service.create({ name: 'Gone' }, meta);
    await service.revoke(gone.keyId, meta);
    const runner = new ProjectionRunner(store, readStore, [apiKeysProjection]);
    await runner.start();
    await runner.catchUp(10_000);
    await runner.stop();

    // A new process: an empty index, and a runner that would resume after all of it.
    const restarted = new ApiKeyIndex();
    expect(restarted.identify(kept.apiKey)).toBeUndefined();
    await restarted.load(store, readStore);
    expect(restarted.identify(kept.apiKey)).toEqual({ keyId: kept.keyId, rateLimitPerHour: 100 });
    expect(restarted.identify(gone.apiKey)).toBeUndefined();

    // A revocation after the restart arrives through the live feed.
    const feed = new ProjectionRunner(store, readStore, [apiKeyIndexProjection(restarted)]);
    const revoked = await service.revoke(kept.keyId, meta);
    await feed.start();
    expect(await feed.waitFor(revoked.position, 10_000)).toBe(true);
    await feed.stop();
    expect(restarted.identify(kept.apiKey)).toBeUndefined();
  });
});
