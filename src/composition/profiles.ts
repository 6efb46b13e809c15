import path from 'node:path';
import type Database from 'better-sqlite3';
import { ContainerModule } from 'inversify';
import type { Clock } from '../application/ports/clock';
import type { PaymentGateway } from '../application/ports/payment-gateway';
import { AltchaChallenges } from '../infrastructure/auth/altcha-challenges';
import { JwtAccessTokens } from '../infrastructure/auth/jwt-access-tokens';
import { ScryptPasswordHasher } from '../infrastructure/auth/scrypt-password-hasher';
import { InProcessBus } from '../infrastructure/bus/inprocess/in-process-bus';
import { RabbitMqBus } from '../infrastructure/bus/rabbitmq/rabbitmq-bus';
import { MongoCheckpointStore } from '../infrastructure/checkpoints/mongo-checkpoint-store';
import { SqliteCheckpointStore } from '../infrastructure/checkpoints/sqlite-checkpoint-store';
import { SystemClock } from '../infrastructure/clock/system-clock';
import type { AppConfig } from '../infrastructure/config/config';
import { EventStoreDbEventStore } from '../infrastructure/eventstore/eventstoredb/eventstoredb-event-store';
import { embeddedLogFile, openSqlite } from '../infrastructure/eventstore/sqlite/sqlite-database';
import { SqliteEventStore } from '../infrastructure/eventstore/sqlite/sqlite-event-store';
import { MongoIdempotencyStore } from '../infrastructure/idempotency/mongo-idempotency-store';
import { SqliteIdempotencyStore } from '../infrastructure/idempotency/sqlite-idempotency-store';
import { RandomIds } from '../infrastructure/ids/random-ids';
import { TestPaymentGateway } from '../infrastructure/payments/test-payment-gateway';
import { MemoryReadStore } from '../infrastructure/readstore/memory/memory-read-store';
import { MongoReadStore } from '../infrastructure/readstore/mongo/mongo-read-store';
import { MongoSnapshotStore } from '../infrastructure/snapshots/mongo-snapshot-store';
import { SqliteSnapshotStore } from '../infrastructure/snapshots/sqlite-snapshot-store';
import { QrCodeRenderer } from '../infrastructure/tickets/qr-code-renderer';
import type { Logger } from 'pino';
import { readModelIndexes } from '../projections/read-model-indexes';
import { RedisRateLimitStores } from '../infrastructure/ratelimit/redis-rate-limit-stores';
import { connectBackend, tcpProbe } from './backends';
import { IDS } from './identifiers';

/**
 * Profiles: one ContainerModule per choice of adapters. The composition root loads the storage profile (each
 * store chosen by its environment variable, any mix), one bus profile and the application module.
 */

export interface ProfileOverrides {
  clock?: Clock;
  /** Wraps the payment gateway (fault injection around its calls, in tests). */
  gateway?: (gateway: PaymentGateway) => PaymentGateway;
}

/** Which adapter serves each backend, from the configuration alone (logged at start, shown by /readyz). */
export interface ProfileSelection {
  eventStore: 'sqlite' | 'eventstoredb';
  readStore: 'memory' | 'mongodb';
  /** Snapshots, consumer checkpoints and idempotency keys. */
  sideStores: 'sqlite' | 'mongodb';
  bus: 'in-process' | 'rabbitmq';
  /** Rate-limit counters (REDIS_URL). */
  rateLimits: 'memory' | 'redis';
}

/**
 * EVENTSTORE_URL -> EventStoreDB, MONGO_URL -> MongoDB read models, AMQP_URL -> RabbitMQ, REDIS_URL -> Redis.
 * Snapshots, consumer checkpoints and idempotency keys follow MONGO_URL: they are overwritten state that every
 * API process must share (a retried request may land on another process), which MongoDB serves with upserts and
 * a TTL index; EventStoreDB would keep every version of them as history. Without MongoDB they stay in SQLite in
 * DATA_DIR, which is right for one host only.
 */
export function selectProfile(config: AppConfig): ProfileSelection {
  return {
    eventStore: config.eventstoreUrl ? 'eventstoredb' : 'sqlite',
    readStore: config.mongoUrl ? 'mongodb' : 'memory',
    sideStores: config.mongoUrl ? 'mongodb' : 'sqlite',
    bus: config.amqpUrl ? 'rabbitmq' : 'in-process',
    rateLimits: config.redisUrl ? 'redis' : 'memory',
  };
}

/**
 * The stores and the adapters every profile shares. A configured backend is connected (and proven to answer)
 * here, within BACKEND_CONNECT_TIMEOUT_MS, so an unreachable one stops the start with a clear error.
 */
export function storageProfile(
  config: AppConfig,
  overrides: ProfileOverrides = {},
  logger?: Logger,
): ContainerModule {
  return new ContainerModule(async ({ bind }) => {
    const timeout = config.backendConnectTimeoutMs;
    const opened: Array<{ close(): void | Promise<void> }> = [];
    try {
      const eventStore = config.eventstoreUrl
        ? await connectBackend(
            'EventStoreDB',
            config.eventstoreUrl,
            timeout,
            () =>
              new EventStoreDbEventStore(config.eventstoreUrl!, {
                onResubscribe: (err, attempt) =>
                  logger?.warn({ err, attempt }, 'EventStoreDB subscription dropped; resubscribing'),
              }),
            (store) => store.headPosition(),
          )
        : new SqliteEventStore(embeddedLogFile(config.dataDir));
      opened.push(eventStore);
      const mongo = config.mongoUrl
        ? await connectBackend('MongoDB', config.mongoUrl, timeout, () =>
            MongoReadStore.connect(config.mongoUrl!, {
              indexes: readModelIndexes(),
              connectTimeoutMs: timeout,
            }),
          )
        : undefined;
      if (mongo) opened.push(mongo);
      // Rate-limit counters shared by every API process. Like the other backends, one that is configured but
      // unreachable stops the start; once running, a Redis outage lets requests through (rate-limits.ts).
      const redis = config.redisUrl
        ? await connectBackend('Redis', config.redisUrl, timeout, () =>
            RedisRateLimitStores.connect(config.redisUrl!, {
              prefix: config.rateLimitPrefix,
              connectTimeoutMs: timeout,
              logger,
            }),
          )
        : undefined;
      if (redis) opened.push(redis);
      bind(IDS.rateLimitStores).toConstantValue(redis ?? { storeFor: () => undefined });

      if (mongo) {
        const idempotency = new MongoIdempotencyStore(mongo.db);
        await idempotency.ensureIndexes();
        bind(IDS.snapshotStore).toConstantValue(new MongoSnapshotStore(mongo.db));
        bind(IDS.idempotencyStore).toConstantValue(idempotency);
        bind(IDS.checkpointStore).toConstantValue(new MongoCheckpointStore(mongo.db));
      } else {
        // Beside the SQLite log when there is one; in their own file when the log is on EventStoreDB.
        const db =
          eventStore instanceof SqliteEventStore
            ? eventStore.db
            : openSqlite(path.join(config.dataDir, 'side-stores.sqlite'));
        if (!(eventStore instanceof SqliteEventStore)) opened.push(sqliteHandle(db));
        bind(IDS.snapshotStore).toConstantValue(new SqliteSnapshotStore(db));
        bind(IDS.idempotencyStore).toConstantValue(new SqliteIdempotencyStore(db));
        bind(IDS.checkpointStore).toConstantValue(new SqliteCheckpointStore(db));
      }
      bind(IDS.eventStore).toConstantValue(eventStore);
      const readStore = mongo ?? new MemoryReadStore();
      bind(IDS.readStore).toConstantValue(readStore);

      // The test processor keeps its records in its own file: like a real one, it remembers across our crashes.
      const testGateway = new TestPaymentGateway({
        file: path.join(config.dataDir, 'test-payment-gateway.sqlite'),
      });
      bind(IDS.paymentGateway).toConstantValue(
        overrides.gateway ? overrides.gateway(testGateway) : testGateway,
      );
      // The side-store file (EventStoreDB without MongoDB) closes with the profile; the stores close themselves.
      bind(IDS.profileResources).toConstantValue([
        testGateway,
        ...opened.filter((r) => r instanceof SqliteHandle),
        ...(redis ? [redis] : []),
      ]);
      bind(IDS.backendProbes).toConstantValue([
        {
          name: 'event_store',
          kind: config.eventstoreUrl ? 'eventstoredb' : 'sqlite',
          check: async () => void (await eventStore.headPosition()),
        },
        {
          name: 'read_store',
          kind: mongo ? 'mongodb' : 'memory',
          check: async () => mongo?.ping(),
        },
        // Reported, but a down Redis does not make the instance unready: the limiters fail open (rate-limits.ts).
        ...(redis
          ? [{ name: 'redis' as const, kind: 'redis', required: false, check: () => redis.ping() }]
          : []),
      ]);
      const clock = overrides.clock ?? new SystemClock();
      bind(IDS.clock).toConstantValue(clock);
      bind(IDS.ids).toConstantValue(new RandomIds());
      // Waiting-room tokens and challenges expire on the application's clock, like the turns they stand for.
      bind(IDS.accessTokens).toConstantValue(new JwtAccessTokens(config.jwtSecret, undefined, clock));
      bind(IDS.challenges).toConstantValue(
        new AltchaChallenges(config.jwtSecret, clock, config.queueChallengeSeconds),
      );
      bind(IDS.passwordHasher).toConstantValue(new ScryptPasswordHasher());
      bind(IDS.qrRenderer).toConstantValue(new QrCodeRenderer());
    } catch (error) {
      // Whatever did connect must not keep the process alive after a failed start.
      for (const resource of opened.reverse()) await Promise.resolve(resource.close()).catch(() => undefined);
      throw error;
    }
  });
}

/** A SQLite file the profile opened itself (not through a store), so it closes with the profile. */
class SqliteHandle {
  constructor(private readonly db: Database.Database) {}
  close(): void {
    if (this.db.open) this.db.close();
  }
}
const sqliteHandle = (db: Database.Database) => new SqliteHandle(db);

/** The saga bus in this process. Settled, not merely queued, before the forwarder's checkpoint moves. */
export function inProcessBusProfile(): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(IDS.messageBus).toConstantValue(new InProcessBus({ confirmOnSettle: true }));
    bind(IDS.busProbe).toConstantValue({ name: 'bus', kind: 'in-process', check: async () => undefined });
  });
}

/** The saga bus on RabbitMQ (AMQP_URL). */
export function rabbitMqBusProfile(config: AppConfig & { amqpUrl: string }, logger: Logger): ContainerModule {
  return new ContainerModule(async ({ bind }) => {
    const bus = await connectBackend('RabbitMQ', config.amqpUrl, config.backendConnectTimeoutMs, () =>
      RabbitMqBus.connect(config.amqpUrl, {
        exchange: `${config.busNamespace}.events`,
        logger,
        connectionName: `${config.busNamespace}-${process.pid}`,
        connectTimeoutMs: config.backendConnectTimeoutMs,
      }),
    );
    bind(IDS.messageBus).toConstantValue(bus);
    bind(IDS.busProbe).toConstantValue({
      name: 'bus',
      kind: 'rabbitmq',
      check: tcpProbe(config.amqpUrl, 5672),
    });
  });
}
