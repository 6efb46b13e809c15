/**
 * npm run bench [-- --seats N --buyers N --cpu-requests N --stream-events N --orders N --saga-placers N
 *   --queue-joins N --json FILE --skip-http
 *   --skip-workers --skip-inprocess
 *   --skip-queue-http --skip-queue-inprocess --ws-connections N --ws-subscribers N --ws-changes N --skip-realtime]
 * Prints the results and writes them to bench/results/<timestamp>.json (or --json FILE).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runHttpOnSale } from './http-onsale';
import { runInProcess } from './inprocess';
import { benchQueueJoins } from './queue';
import { runQueueHttpJoins } from './queue-http';
import { runRealtime } from './realtime';
import { runSagas } from './sagas';
import { rabbitReachable } from './lib/rabbit';

/** What `npm run bench -- --help` prints, and a bad option with its reason (keep it in step with parseArgs). */
const USAGE = `Usage: npm run bench [-- options]
  --seats N               seats of the HTTP and in-process on-sales (50000)
  --buyers N              concurrent buyers of the HTTP on-sale (1000)
  --cpu-requests N        requests in each CPU window of the HTTP bench, 0 skips them (10000)
  --stream-events N       events of the hot-stream bench (1000000)
  --commands N            commands of the in-process bench (50000)
  --naive-commands N      commands of the naive baseline (2000)
  --orders N              orders of the sagas bench (1000)
  --saga-placers N        orders of the sagas bench placed at once (50)
  --saga-warmup N         unmeasured batches of that many orders before the measured ones (3)
  --saga-rounds N         measured batches; the median one is reported (3)
  --queue-joins N         waiting-room joins (20000)
  --ws-connections N      realtime connections (10000)
  --ws-subscribers N      realtime subscribers of one event (1000)
  --ws-changes N          availability changes pushed to them (50)
  --skip-http --skip-workers --skip-inprocess --skip-sagas --skip-queue-http --skip-queue-inprocess
  --skip-realtime         leave that part out
  --json FILE             where the results go (default bench/results/<timestamp>.json)
  --help                  this text`;

/** A bad command line: its message and the usage are printed, no stack trace. */
class UsageError extends Error {}

function parseArgs(argv: string[]) {
  const options = {
    seats: 50_000,
    buyers: 1000,
    /** Requests in each of the HTTP bench's CPU windows (bench/http-cpu.ts); 0 skips them. */
    cpuRequests: 10_000,
    streamEvents: 1_000_000,
    commands: 50_000,
    naiveCommands: 2000,
    orders: 1000,
    sagaPlacers: 50,
    sagaWarmup: 3,
    sagaRounds: 3,
    json: '',
    skipHttp: false,
    /** Skip the on-sale's second run with WORKERS=2. */
    skipWorkers: false,
    skipInprocess: false,
    skipSagas: false,
    queueJoins: 20_000,
    skipQueueHttp: false,
    skipQueueInprocess: false,
    wsConnections: 10_000,
    wsSubscribers: 1000,
    wsChanges: 50,
    skipRealtime: false,
  };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      // `--json --skip-sagas` would write a file named --skip-sagas and run the sagas.
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    // Digits only: Number() also reads `1e3`, `0x10` and ` 7`.
    const digits = (v: string) => (/^\d+$/.test(v) ? Number(v) : NaN);
    const positive = () => {
      const n = digits(value());
      if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`${arg} needs a positive integer`);
      return n;
    };
    const count = () => {
      const n = digits(value());
      if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`${arg} needs an integer >= 0`);
      return n;
    };
    if (arg === '--seats') options.seats = positive();
    else if (arg === '--buyers') options.buyers = positive();
    else if (arg === '--cpu-requests') options.cpuRequests = count();
    else if (arg === '--stream-events') options.streamEvents = positive();
    else if (arg === '--commands') options.commands = positive();
    else if (arg === '--naive-commands') options.naiveCommands = positive();
    else if (arg === '--json') options.json = value();
    else if (arg === '--skip-http') options.skipHttp = true;
    else if (arg === '--skip-workers') options.skipWorkers = true;
    else if (arg === '--skip-inprocess') options.skipInprocess = true;
    else if (arg === '--orders') options.orders = positive();
    else if (arg === '--saga-placers') options.sagaPlacers = positive();
    else if (arg === '--saga-warmup') options.sagaWarmup = count();
    else if (arg === '--saga-rounds') options.sagaRounds = positive();
    else if (arg === '--skip-sagas') options.skipSagas = true;
    else if (arg === '--queue-joins') options.queueJoins = positive();
    else if (arg === '--skip-queue-http') options.skipQueueHttp = true;
    else if (arg === '--skip-queue-inprocess') options.skipQueueInprocess = true;
    else if (arg === '--ws-connections') options.wsConnections = positive();
    else if (arg === '--ws-subscribers') options.wsSubscribers = positive();
    else if (arg === '--ws-changes') options.wsChanges = positive();
    else if (arg === '--skip-realtime') options.skipRealtime = true;
    else throw new UsageError(`unknown option ${arg}`);
  }
  return options;
}

async function main() {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) return console.log(USAGE);
  const options = parseArgs(args);
  const result: Record<string, unknown> = {
    started_at: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpu_model: os.cpus()[0]?.model,
      memory_gb: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
    },
    options,
  };
  if (!options.skipHttp) {
    console.error(`HTTP on-sale: ${options.seats} seats, ${options.buyers} buyers...`);
    const http = await runHttpOnSale({
      seats: options.seats,
      buyers: options.buyers,
      ceilingSeconds: 5,
      cpuRequests: options.cpuRequests,
    });
    // The same on-sale served by 1 and by 2 API processes on one data directory (WORKERS): throughput, and the
    // double holds an independent replay of the log finds after each run (must be 0).
    const perProcesses = (run: typeof http) => ({
      processes: run.processes,
      reserve_requests_per_s: run.reserve_requests_per_s,
      double_holds: run.double_holds,
      ratio_to_ceiling: run.ratio_to_ceiling,
      other_error_rate: run.other_error_rate,
    });
    const workers = [perProcesses(http)];
    if (!options.skipWorkers) {
      console.error(`HTTP on-sale with WORKERS=2: ${options.seats} seats, ${options.buyers} buyers...`);
      workers.push(
        perProcesses(
          await runHttpOnSale({
            seats: options.seats,
            buyers: options.buyers,
            ceilingSeconds: 5,
            cpuRequests: 0,
            processes: 2,
          }),
        ),
      );
    }
    result.http = { ...http, workers };
  }
  if (!options.skipInprocess) {
    console.error(`In-process: group commit vs naive, fresh vs ${options.streamEvents}-event stream...`);
    result.inprocess = await runInProcess({
      concurrency: 100,
      commands: options.commands,
      naiveCommands: options.naiveCommands,
      streamEvents: options.streamEvents,
    });
  }
  if (!options.skipSagas) {
    const url = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
    console.error(`Sagas: ${options.orders} orders on the in-process bus and on RabbitMQ...`);
    const inprocess = await runSagas(
      options.orders,
      undefined,
      options.sagaPlacers,
      options.sagaWarmup,
      options.sagaRounds,
    );
    const rabbit = (await rabbitReachable(url))
      ? await runSagas(options.orders, url, options.sagaPlacers, options.sagaWarmup, options.sagaRounds)
      : { skipped: `RabbitMQ not reachable at ${url.replace(/\/\/[^@]*@/, '//')}` };
    result.sagas = { inprocess, rabbitmq: rabbit };
  }
  if (!options.skipQueueInprocess) {
    console.error(`Waiting room in-process: ${options.queueJoins} joins through QueueService...`);
    const joins = await benchQueueJoins(options.queueJoins);
    const queue = (result.queue ?? {}) as Record<string, unknown>;
    result.queue = { ...queue, inprocess_joins_per_s: joins.joins_per_s, inprocess_joins: joins };
  }
  if (!options.skipQueueHttp) {
    console.error(`Waiting room over HTTP: ${options.queueJoins} joins...`);
    const http = await runQueueHttpJoins({ joins: options.queueJoins, connections: 100 });
    const queue = (result.queue ?? {}) as Record<string, unknown>;
    result.queue = { ...queue, http_joins_per_s: http.http_joins_per_s, http_joins: http };
  }
  if (!options.skipRealtime) {
    console.error(
      `Realtime: ${options.wsConnections} idle WebSockets, fan-out of ${options.wsChanges} changes to ${options.wsSubscribers}...`,
    );
    result.realtime = await runRealtime({
      connections: options.wsConnections,
      subscribers: options.wsSubscribers,
      changes: options.wsChanges,
    });
  }
  result.finished_at = new Date().toISOString();
  const file =
    options.json ||
    path.join(
      __dirname,
      '..',
      '..',
      'bench',
      'results',
      `${result.started_at as string}`.replace(/[:.]/g, '-') + '.json',
    );
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(result, null, 2));
  console.log(JSON.stringify(result, null, 2));
  console.error(`written to ${file}`);
}

main().catch((error) => {
  if (error instanceof UsageError) {
    console.error(`${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
});
