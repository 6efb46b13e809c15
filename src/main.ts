import 'reflect-metadata';
// A larger young generation (--max-semi-space-size=64): with a thousand requests in flight, each scavenge copies
// what they hold, and the default 16 MB semi-space made GC the largest cost of the reserve path. V8 sizes the heap
// when the process starts (v8.setFlagsFromString here changed nothing), so the flag is given where the process is
// started: `npm start`, `npm run dev`, the Dockerfile, the bench; cluster workers inherit it. Elsewhere:
// NODE_OPTIONS=--max-semi-space-size=64.
import cluster from 'node:cluster';
import fs from 'node:fs';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PaymentGateway } from './application/ports/payment-gateway';
import { createApplication, type Overrides } from './composition';
import { BackendUnavailableError } from './composition/backends';
import { selectProfile } from './composition/profiles';
import { ConfigError, loadConfig } from './infrastructure/config/config';
import { createLogger } from './infrastructure/logging/logger';
import {
  superviseWorkers,
  workerSlot,
  type WorkerReady,
  type WorkerWaitsForBackend,
} from './worker-supervisor';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Configuration error: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const shown = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const listening = (port: number) => `Ticketing backend listening on http://${shown}:${port}`;
  if (config.workers > 1 && cluster.isPrimary) {
    const logger = createLogger(config.logLevel);
    superviseWorkers({
      workers: config.workers,
      exec: __filename,
      logger,
      onAllReady: (port) =>
        logger.info(
          { dataDir: config.dataDir, profile: selectProfile(config), workers: config.workers },
          `${listening(port)} (${config.workers} workers)`,
        ),
    });
    return;
  }
  const slot = workerSlot();
  const logger =
    slot === undefined
      ? createLogger(config.logLevel)
      : createLogger(config.logLevel).child({ worker: slot });
  const app = await createApplication(config, logger, { ...crashOverrides(process.env), workerSlot: slot });
  const server = await app.listen();
  const { port } = server.address() as AddressInfo;
  if (slot === undefined) {
    logger.info({ dataDir: config.dataDir, profile: selectProfile(config) }, listening(port));
  } else {
    // Which process answered, for operators and for the tests that check requests reach every worker.
    server.prependListener('request', (_req, res: ServerResponse) => res.setHeader('X-Worker', String(slot)));
    logger.info({ jobs: app.runsJobs }, `worker ${slot} ready${app.runsJobs ? ' (runs the jobs)' : ''}`);
    process.send?.({ type: 'ready', port } satisfies WorkerReady);
  }

  // A log line is never worth a hung shutdown: whatever the logger throws (a closed stdout), the exit goes on.
  const log = (write: () => void) => {
    try {
      write();
    } catch {
      // stdout is gone; nothing to tell anyone
    }
  };
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    // Armed first, so nothing below (a log line, a stuck close) can keep the process alive past 10 s.
    const force = setTimeout(() => {
      log(() => logger.warn('in-flight requests did not finish in 10s; exiting'));
      process.exit(1);
    }, 10_000);
    force.unref();
    log(() => logger.info({ signal }, 'shutting down: finishing in-flight requests'));
    app.close().then(
      () => {
        log(() => logger.info('stopped cleanly'));
        process.exit(0);
      },
      (err) => {
        log(() => logger.error({ err }, 'error while stopping'));
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  // A worker whose primary is gone serves nobody (the primary held the port): stop rather than linger.
  if (slot !== undefined) process.on('disconnect', () => shutdown('primary gone'));
}

main().catch(async (error) => {
  // An unreachable backend or a port that cannot be had is an operator's problem, not a bug: one line, no stack.
  if (error instanceof BackendUnavailableError) {
    console.error(`Start-up failed: ${error.message}`);
    // A worker's primary starts it again once the backend is back (worker-supervisor.ts), rather than stopping.
    if (cluster.isWorker && process.send)
      await new Promise((resolve) =>
        process.send!(
          { type: 'backend-unavailable', message: error.message } satisfies WorkerWaitsForBackend,
          undefined,
          undefined,
          resolve,
        ),
      );
  } else if (isListenRefusal(error))
    console.error(
      error.syscall === 'getaddrinfo'
        ? `Start-up failed: cannot listen on HOST ${error.hostname}: no address of this machine has that name (${error.code})`
        : `Start-up failed: cannot listen on ${error.address ?? 'the host'}:${error.port ?? '?'}: ${
            error.code === 'EADDRINUSE' ? 'the port is in use (set PORT to another one)' : `${error.code}`
          }`,
    );
  else console.error(error);
  process.exit(1);
});

function isListenRefusal(
  error: unknown,
): error is NodeJS.ErrnoException & { address?: string; port?: number; hostname?: string } {
  const { code, syscall } = (error ?? {}) as NodeJS.ErrnoException;
  // A HOST that does not resolve fails in the lookup listen() makes first.
  if (syscall === 'getaddrinfo') return true;
  return syscall === 'listen' && (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL');
}

/**
 * Deterministic crash points for the fault-injection tests: with ALLOW_FAULT_INJECTION=1, CRASH_AT=step:n
 * (comma-separated for several) makes the process SIGKILL itself the n-th time `step` is reached. Steps: the
 * saga fault points (before-sell, after-sell, after-capture, before-tickets, after-tickets, after-refund) and
 * after-authorize (the gateway authorized, the order is not recorded yet). Ignored without the guard variable, so
 * a stray CRASH_AT in production does nothing.
 */
function crashOverrides(env: NodeJS.ProcessEnv): Overrides {
  if (env.ALLOW_FAULT_INJECTION !== '1' || !env.CRASH_AT) return {};
  const targets = new Map<string, number>();
  for (const spec of env.CRASH_AT.split(',')) {
    const [step, n] = spec.trim().split(':');
    const count = Number(n ?? '1');
    if (!step || !Number.isInteger(count) || count < 1) throw new Error(`Bad CRASH_AT entry "${spec}"`);
    targets.set(step, count);
  }
  const reached = new Map<string, number>();
  const reach = (step: string) => {
    const count = (reached.get(step) ?? 0) + 1;
    reached.set(step, count);
    if (targets.get(step) !== count) return;
    // Synchronous write: the line must be out before the kill (pino may buffer).
    fs.writeSync(2, `fault injection: SIGKILL at ${step} #${count}\n`);
    process.kill(process.pid, 'SIGKILL');
  };
  return {
    sagas: { faults: (step) => reach(step) },
    gateway: (gateway: PaymentGateway): PaymentGateway => ({
      describeToken: (token) => gateway.describeToken(token),
      tokenizeCard: (card) => gateway.tokenizeCard(card),
      authorize: async (request) => {
        const authorization = await gateway.authorize(request);
        reach('after-authorize');
        return authorization;
      },
      capture: (request) => gateway.capture(request),
      voidAuthorization: (request) => gateway.voidAuthorization(request),
      refund: (request) => gateway.refund(request),
    }),
  };
}
