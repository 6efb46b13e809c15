import { rabbitBusFixture, rabbitMqSuite } from '../support/rabbitmq';
import { busContract } from './bus.contract';

/** Runs against AMQP_URL (default amqp://guest:guest@127.0.0.1:5672); each test gets its own exchange. */
rabbitMqSuite('MessageBus contract (rabbitmq)', (url) =>
  busContract('rabbitmq', () => rabbitBusFixture(url, { drainTimeoutMs: 1_000 })),
);
