import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import client from 'prom-client';
import type { MetricsAnswer, MetricsRequest } from './api/http/metrics';

/**
 * WORKERS=N (N > 1): this primary process forks N API processes (node:cluster) that serve one port and share the
 * data directory. It holds no store and serves nothing itself: it starts the workers, restarts one that dies, and
 * stops them all on SIGTERM/SIGINT.
 *
 * Each worker gets a slot, 1..N, kept across restarts (TICKETING_WORKER_SLOT): what must run once per data
 * directory runs in slot 1 (see Overrides.workerSlot in src/composition.ts), so a restarted slot 1 takes its jobs
 * back. While it is down, holds still expire lazily and other workers keep serving.
 *
 * Writes are safe across processes without any coordination here: every append carries its expected revision
 * (SQLite in WAL mode with a busy timeout serializes the writes), so two workers deciding on one stream cannot both
 * win; the loser reloads and decides again.
 */
export const WORKER_SLOT_ENV = 'TICKETING_WORKER_SLOT';

/** What a worker tells the primary once it serves. */
export interface WorkerReady {
  type: 'ready';
  port: number;
}

/** What a worker tells the primary when it cannot start because a configured backend does not answer. */
export interface WorkerWaitsForBackend {
  type: 'backend-unavailable';
  message: string;
}

type WorkerMessage = WorkerReady | WorkerWaitsForBackend | MetricsRequest;

export interface SupervisorOptions {
  workers: number;
  /** The worker's entry module (the compiled main.js: `npm start` runs scripts/start.js, which must not be forked). */
  exec: string;
  logger: Logger;
  /** Logged once every worker serves (the one "listening on" line, as with one process). */
  onAllReady(port: number): void;
  /** A slot that dies this many times within `crashWindowMs` is not restarted again: everything stops (exit 1). */
  maxCrashes?: number;
  crashWindowMs?: number;
  /** How long the workers get to finish in-flight requests on SIGTERM before they are killed. */
  stopTimeoutMs?: number;
  /** The first and the longest wait before starting again a worker a backend outage kept from starting. */
  backendRetryMs?: { first: number; max: number };
}

export function superviseWorkers(options: SupervisorOptions): void {
  const { workers, logger } = options;
  const maxCrashes = options.maxCrashes ?? 5;
  const crashWindowMs = options.crashWindowMs ?? 60_000;
  cluster.setupPrimary({ exec: options.exec });

  const backendRetry = options.backendRetryMs ?? { first: 1_000, max: 30_000 };

  // A scrape of /metrics lands on one worker, which asks here for every worker's figures, added up.
  const metrics = new client.AggregatorRegistry();
  const ready = new Set<number>();
  const crashes = new Map<number, number[]>();
  /** Per slot: how many starts in a row a backend outage has failed (the next wait doubles with each). */
  const waitingForBackend = new Map<number, number>();
  const retryTimers = new Set<NodeJS.Timeout>();
  let announced = false;
  let stopping = false;
  let failed = false;

  const fork = (slot: number): Worker => {
    const worker = cluster.fork({ [WORKER_SLOT_ENV]: String(slot) });
    let served = false;
    let backendDown: string | undefined;
    worker.on('message', (message: WorkerMessage) => {
      if (message?.type === 'ticketing:metrics-request') {
        const answer = (reply: Omit<MetricsAnswer, 'type' | 'id'>) => {
          if (worker.isConnected()) worker.send({ type: 'ticketing:metrics', id: message.id, ...reply });
        };
        metrics.clusterMetrics().then(
          (text) => answer({ text }),
          (error: Error) => answer({ error: error.message }),
        );
        return;
      }
      if (message?.type === 'backend-unavailable') backendDown = String(message.message);
      if (message?.type !== 'ready') return;
      served = true;
      ready.add(slot);
      if (waitingForBackend.delete(slot)) logger.info({ slot }, `worker ${slot} started again`);
      if (!announced && ready.size === workers) {
        announced = true;
        options.onAllReady(message.port);
      }
    });
    worker.on('exit', (code, signal) => {
      ready.delete(slot);
      if (stopping) return;
      // A start-up failure (a backend down, a locked file) is not fixed by starting again: stop, say why.
      if (!served && !announced) {
        logger.error({ slot, code, signal }, `worker ${slot} exited while starting; stopping`);
        return stopAll(true);
      }
      // The service has served: a backend that went down since (Redis, RabbitMQ) keeps a replacement from starting
      // while the other workers serve on (rate limits fail open, the bus reconnects). Not a crash: tried again, less
      // and less often, until the backend is back; stopping everything would turn the outage into a full one.
      if (!served && backendDown !== undefined) {
        const attempts = (waitingForBackend.get(slot) ?? 0) + 1;
        waitingForBackend.set(slot, attempts);
        const waitMs = Math.min(backendRetry.max, backendRetry.first * 2 ** (attempts - 1));
        logger.warn(
          { slot, attempts, retryInMs: waitMs },
          `worker ${slot} cannot start: ${backendDown}; trying again in ${Math.round(waitMs / 1000)}s`,
        );
        const timer = setTimeout(() => {
          retryTimers.delete(timer);
          if (!stopping) fork(slot);
        }, waitMs);
        retryTimers.add(timer);
        return;
      }
      const now = Date.now();
      const recent = [...(crashes.get(slot) ?? []), now].filter((at) => now - at < crashWindowMs);
      crashes.set(slot, recent);
      if (recent.length >= maxCrashes) {
        logger.error(
          { slot, code, signal, crashes: recent.length },
          `worker ${slot} died ${recent.length} times within ${crashWindowMs / 1000}s; stopping`,
        );
        return stopAll(true);
      }
      logger.error({ slot, code, signal }, `worker ${slot} died; starting a new one`);
      fork(slot);
    });
    return worker;
  };

  const stopAll = (failure: boolean) => {
    failed ||= failure;
    if (stopping) return;
    stopping = true;
    for (const timer of retryTimers) clearTimeout(timer);
    const running = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    logger.info({ workers: running.length }, 'stopping the workers');
    const force = setTimeout(() => {
      logger.warn('workers did not stop in time; killing them');
      for (const worker of running) worker.process.kill('SIGKILL');
      process.exit(1);
    }, options.stopTimeoutMs ?? 15_000);
    force.unref();
    let unclean = false;
    void Promise.all(
      running.map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.process.exitCode !== null || worker.process.signalCode !== null) {
              unclean ||= worker.process.exitCode !== 0;
              return resolve();
            }
            worker.once('exit', (code) => {
              unclean ||= code !== 0;
              resolve();
            });
            // Each worker finishes its in-flight requests and closes its stores (src/main.ts).
            worker.process.kill('SIGTERM');
          }),
      ),
    ).then(() => {
      if (!failed && !unclean) logger.info('all workers stopped cleanly');
      process.exit(failed || unclean ? 1 : 0);
    });
  };

  process.on('SIGTERM', () => stopAll(false));
  process.on('SIGINT', () => stopAll(false));
  for (let slot = 1; slot <= workers; slot += 1) fork(slot);
}

/** The worker's slot when this process is a cluster worker started by superviseWorkers, else undefined. */
export function workerSlot(env: NodeJS.ProcessEnv = process.env): number | undefined {
  if (!cluster.isWorker) return undefined;
  const slot = Number(env[WORKER_SLOT_ENV]);
  return Number.isInteger(slot) && slot >= 1 ? slot : undefined;
}
