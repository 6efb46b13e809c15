import { GenericContainer, Wait } from 'testcontainers';
import { EventStoreDbEventStore } from '../../src/infrastructure/eventstore/eventstoredb/eventstoredb-event-store';
import { EVENTSTOREDB_IMAGE, serverSuite } from '../support/backends';
import { eventStoreContract } from './event-store.contract';

/**
 * The EventStore contract against a real EventStoreDB: the server at EVENTSTORE_URL, e.g.
 *   EVENTSTORE_URL='esdb://localhost:2113?tls=false' npx jest tests/contract/event-store.eventstoredb
 * or, without it, one that testcontainers starts (official image, insecure single node, in memory) when it finds
 * a container runtime. Stream names are random, so a shared server is fine.
 */
serverSuite(
  'EventStoreDB contract',
  'EVENTSTORE_URL',
  async () => {
    const container = await new GenericContainer(EVENTSTOREDB_IMAGE)
      .withEnvironment({
        EVENTSTORE_INSECURE: 'true',
        EVENTSTORE_MEM_DB: 'true',
        EVENTSTORE_RUN_PROJECTIONS: 'None',
      })
      .withExposedPorts(2113)
      .withWaitStrategy(Wait.forHttp('/health/live', 2113).forStatusCodeMatching((s) => s >= 200 && s < 300))
      .withStartupTimeout(120_000)
      .start();
    return {
      url: `esdb://${container.getHost()}:${container.getMappedPort(2113)}?tls=false`,
      stop: async () => void (await container.stop()),
    };
  },
  (url) =>
    eventStoreContract('eventstoredb', async () => ({
      store: new EventStoreDbEventStore(url()),
      cleanup: async () => undefined,
    })),
);
