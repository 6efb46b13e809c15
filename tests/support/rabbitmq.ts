import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import type { ConsumeOptions, MessageBus } from '../../src/application/ports/message-bus';
import { DEFAULT_CONSUME_OPTIONS, retryDelayMs } from '../../src/application/ports/message-bus';
import {
  BusLogger,
  RabbitMqBus,
  RabbitMqBusOptions,
} from '../../src/infrastructure/bus/rabbitmq/rabbitmq-bus';
import { asError, CHECK_TIMEOUT_MS, serviceSuite, type NeededService } from './service-suite';

/** Broker the RabbitMQ suites use. */
export function amqpUrl(): string {
  return process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
}

/** The URL without its password, for test names and log lines. */
export function redactUrl(url: string): string {
  return url.replace(/^(amqps?:\/\/[^:/@]*:)[^@]*@/, '$1***@');
}

/** true if an AMQP connection to `url` can be opened (and is closed again), otherwise the error why not. */
export async function rabbitAvailable(url: string): Promise<true | Error> {
  try {
    const connection = await amqp.connect(url, { timeout: CHECK_TIMEOUT_MS });
    connection.on('error', () => undefined);
    await connection.close();
    return true;
  } catch (error) {
    return asError(error);
  }
}

const rabbitMq = (): NeededService => {
  const url = amqpUrl();
  return {
    name: 'RabbitMQ',
    urlVariable: 'AMQP_URL',
    url,
    shown: redactUrl(url),
    check: rabbitAvailable,
    checkScript: `
      const amqp = require(${JSON.stringify(require.resolve('amqplib'))});
      amqp.connect(process.env.CHECK_URL, { timeout: ${CHECK_TIMEOUT_MS} })
        .then((c) => { c.on('error', () => {}); return c.close(); })
        .then(() => process.exit(0), (e) => { process.stderr.write(String(e && e.message || e)); process.exit(1); });`,
  };
};

/** Registers `register(url)`'s tests if RabbitMQ is reachable (see serviceSuite). */
export function rabbitMqSuite(title: string, register: (url: string) => void): void {
  serviceSuite(rabbitMq(), title, register);
}

/** Logger for tests: keeps entries instead of printing them. */
export function memoryLogger(): BusLogger & { entries: { level: string; msg: string; obj: object }[] } {
  const entries: { level: string; msg: string; obj: object }[] = [];
  const log = (level: string) => (obj: object, msg?: string) => {
    entries.push({ level, msg: msg ?? '', obj });
  };
  return { entries, info: log('info'), warn: log('warn'), error: log('error') };
}

/** Connection name unique to one test bus (find it with `rabbitmqctl list_connections client_properties`). */
export function uniqueConnectionName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/**
 * A RabbitMqBus on its own exchange, so routing assertions cannot see other suites' traffic. `cleanup` deletes the
 * exchange and every queue the test consumed from (with its dlq and retry queues).
 */
export async function rabbitBusFixture(
  url: string,
  options: RabbitMqBusOptions = {},
): Promise<{ bus: MessageBus; rabbit: RabbitMqBus; cleanup(): Promise<void> }> {
  const exchange = options.exchange ?? `test.bus.${randomUUID().slice(0, 8)}`;
  const rabbit = await RabbitMqBus.connect(url, {
    logger: memoryLogger(),
    connectionName: uniqueConnectionName('bus-test'),
    ...options,
    exchange,
  });
  const queues = new Set<string>();
  const record = (queue: string, consumeOptions: ConsumeOptions = {}) => {
    queues.add(queue);
    queues.add(`${queue}.dlq`);
    const base = consumeOptions.retryDelayMs ?? DEFAULT_CONSUME_OPTIONS.retryDelayMs;
    const retries = consumeOptions.maxRetries ?? DEFAULT_CONSUME_OPTIONS.maxRetries;
    for (let attempt = 1; attempt <= retries; attempt++)
      queues.add(`${queue}.retry.${retryDelayMs(base, attempt)}`);
  };
  const bus: MessageBus = {
    publish: (message, routingKey) => rabbit.publish(message, routingKey),
    consume: (queue, patterns, handler, consumeOptions) => {
      record(queue, consumeOptions);
      return rabbit.consume(queue, patterns, handler, consumeOptions);
    },
    deadLetters: (queue) => rabbit.deadLetters(queue),
    close: () => rabbit.close(),
  };
  return {
    bus,
    rabbit,
    cleanup: async () => {
      await rabbit.close();
      await deleteTopology(url, [...queues], [exchange]);
    },
  };
}

/** Deletes queues and exchanges (missing ones are fine). */
export async function deleteTopology(url: string, queues: string[], exchanges: string[] = []): Promise<void> {
  const connection = await amqp.connect(url);
  connection.on('error', () => undefined);
  try {
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    for (const queue of queues) await channel.deleteQueue(queue);
    for (const exchange of exchanges) await channel.deleteExchange(exchange);
    await channel.close();
  } finally {
    await connection.close();
  }
}

/** true if `rabbitmqctl` can talk to the local node (only then can tests force-close connections with it). */
export function rabbitmqctlAvailable(): boolean {
  try {
    execFileSync('rabbitmqctl', ['-q', 'status'], { stdio: 'ignore', timeout: 15_000 });
    return true;
  } catch {
    return false;
  }
}

/** Force-closes (as an operator would) the broker connections whose client-provided name is `connectionName`. */
export function forceCloseConnections(connectionName: string, reason = 'test'): number {
  const listing = execFileSync('rabbitmqctl', ['-q', '-s', 'list_connections', 'pid', 'client_properties'], {
    encoding: 'utf8',
    timeout: 15_000,
  });
  const pids = listing
    .split('\n')
    .filter((line) => line.includes(`{"connection_name","${connectionName}"}`))
    .map((line) => line.split('\t')[0]);
  for (const pid of pids) {
    execFileSync('rabbitmqctl', ['-q', 'close_connection', pid, reason], {
      stdio: 'ignore',
      timeout: 15_000,
    });
  }
  return pids.length;
}
