import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import type { ReplayReport } from '../src/application/audit/replay';
import { replayReportJson } from '../src/application/audit/replay-report-json';
import { redactUrl } from '../src/composition/backends';
import { readHead, replayInThreads, replayThreadCount } from '../src/composition/replay/replay-in-threads';
import {
  connectLiveReadModels,
  replayEventStoreDb,
  type LiveReadModels,
} from '../src/composition/replay/replay-sources';
import {
  checkEventKnown,
  checkLogFile,
  oneLine,
  ReplayInputError,
  replaySettings,
} from '../src/composition/replay/replay-input';

/**
 * `npm run replay [-- --event <id>] [-- --json] [-- --expiry-period-ms N] [-- --fulfillment-grace-ms N]
 * [-- --threads N]`: reads the whole log where the server writes it (the SQLite file in DATA_DIR, or EventStoreDB
 * when EVENTSTORE_URL is set), rebuilds every read model into fresh stores, checks the invariants at every point of
 * the log, compares the rebuilt read models with the live ones when they are reachable (MongoDB, when MONGO_URL is
 * set), and prints a report. The SQLite log's work is spread over --threads threads (default: the machine's cores
 * for a log of 100,000 events or more), each reading the log itself; EventStoreDB's is replayed in one.
 * Exit code 1 when an invariant is broken (each violation names its stream, revision and events) or the live read
 * models differ, 2 when the replay itself failed, an option is bad, the log is not there or not readable, a server
 * does not answer, or --event names an event the log does not know: one line on stderr (nothing on stdout, --json
 * or not), never a stack. Safe while the server runs (it only reads; events appended meanwhile are left for next
 * time), and it creates nothing: not the data directory, the file, the JWT secret or an index the server would.
 *
 * The embedded profile keeps the live read models in the server's memory, out of this process's reach. MongoDB's
 * are compared at a quiet moment only: when their checkpoint is the log's head and the log stays there (else the
 * report says why they were not compared).
 */
const USAGE = `npm run replay [-- options]: rebuilds every read model from the log (the SQLite file in DATA_DIR,
default ./data, or EventStoreDB when EVENTSTORE_URL is set) and checks the invariants at every point of it; with
MONGO_URL set, compares the rebuilt read models with the live ones. Exit code 0 when all is well, 1 on a
violation or a difference, 2 when it cannot replay.
  --event <id>               only the events of one ticketed event (its stream, orders, tickets, venues)
  --json                     the report as JSON on stdout (use npm run -s: npm's banner goes to stdout too)
  --threads <n>              threads to spread the work over (default: the cores, for 100,000 events or more;
                             a log in EventStoreDB is replayed in one)
  --expiry-period-ms <n>     how late the expiry job may release a hold (default: twice EXPIRY_SWEEP_MS)
  --fulfillment-grace-ms <n> how long a confirmed order may await its tickets at the log's end (default:
                             the order watchdog's re-drives, 140 s with the default settings)
  --no-progress              no progress bar (none either with --json or without a terminal)
  -h, --help                 this text`;

async function main(): Promise<number> {
  const { values, tokens } = parseArgs({
    options: {
      event: { type: 'string' },
      json: { type: 'boolean', default: false },
      'expiry-period-ms': { type: 'string' },
      'fulfillment-grace-ms': { type: 'string' },
      'no-progress': { type: 'boolean', default: false },
      threads: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    tokens: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  // parseArgs keeps the last of an option given twice: `--event a --event b` would replay b alone, silently.
  const withValues = tokens.filter((t) => t.kind === 'option' && t.value !== undefined).map((t) => t.rawName);
  const twice = withValues.find((name, i) => withValues.indexOf(name) !== i);
  if (twice) throw new ReplayInputError(`${twice} is given more than once`);
  if (values.event !== undefined && values.event.trim() === '')
    throw new ReplayInputError('--event needs an event id (got an empty one)');
  const config = replaySettings();
  // The expiry job runs every EXPIRY_SWEEP_MS; a sweep itself may take up to one more period.
  const milliseconds = (name: 'expiry-period-ms' | 'fulfillment-grace-ms', fallback: number): number => {
    const given = values[name];
    if (given === undefined) return fallback;
    const ms = Number(given);
    if (given.trim() === '' || !Number.isInteger(ms) || ms < 0)
      throw new ReplayInputError(
        `--${name} needs a whole number of milliseconds, 0 or more (got "${given}")`,
      );
    return ms;
  };
  const threads = values.threads === undefined ? undefined : Number(values.threads);
  if (threads !== undefined && (!/^\d+$/.test(values.threads!) || threads < 1))
    throw new ReplayInputError(`--threads needs a whole number, 1 or more (got "${values.threads}")`);
  const holdExpiryPeriodMs = milliseconds('expiry-period-ms', 2 * config.expirySweepMs);
  // Tickets follow a confirmation within the fulfillment saga's time, or the order watchdog's re-drives after a crash
  // (each after ORDER_WATCHDOG_AFTER_MS, looked for every ORDER_WATCHDOG_INTERVAL_MS).
  const fulfillmentGraceMs = milliseconds(
    'fulfillment-grace-ms',
    (config.orderWatchdogMaxRedrives + 1) * (config.orderWatchdogAfterMs + config.orderWatchdogIntervalMs),
  );
  const { file } = config;
  const fromEventStoreDb = config.eventstoreUrl !== undefined;
  let replayThreads = 1;
  if (fromEventStoreDb) {
    if (threads !== undefined && threads > 1)
      throw new ReplayInputError(
        '--threads: a log in EventStoreDB (EVENTSTORE_URL) is replayed in one thread',
      );
  } else {
    checkLogFile(config);
    // Threads folding side by side on every core: V8's parallel and concurrent GC helpers then only take turns with
    // them (measured on 2 cores: 7.1-7.4 s against 7.6-8.2 s for a 1M-event log). The flag is the process's, set at
    // its start: this run hands over to one started with it. One thread keeps the helpers (7% faster with them).
    const head = await readHead(file).catch((error: unknown) => Promise.reject(unreadable(file, error)));
    replayThreads = replayThreadCount(head, threads);
    if (replayThreads > 1 && !process.execArgv.includes(SINGLE_THREADED_GC))
      return rerunWith(SINGLE_THREADED_GC);
  }
  endWithTheRunThatStartedThis();
  const bar =
    values.json || values['no-progress'] || !process.stderr.isTTY
      ? undefined
      : new SingleBar(
          {
            format: 'replay [{bar}] {percentage}% | {events} events | {rate} events/s | {eta_formatted} left',
            stream: process.stderr,
          },
          Presets.shades_classic,
        );
  const started = performance.now();
  let report: ReplayReport;
  let barShown = false;
  let live: LiveReadModels | undefined;
  try {
    live = config.mongoUrl
      ? await connectLiveReadModels(config.mongoUrl, config.backendConnectTimeoutMs)
      : undefined;
    const options = {
      eventId: values.event,
      holdExpiryPeriodMs,
      fulfillmentGraceMs,
      live: live?.store,
      livePosition: live?.position,
      onProgress: (position: number, head: number, events: number) => {
        if (!barShown) bar?.start(Math.max(head, 1), 0, { events: 0, rate: 0 });
        barShown = true;
        bar?.update(position, { events, rate: Math.round(events / ((performance.now() - started) / 1000)) });
      },
    };
    if (fromEventStoreDb)
      report = await replayEventStoreDb(config.eventstoreUrl!, config.backendConnectTimeoutMs, options);
    else {
      if (values.event !== undefined) await checkEventKnown(file, values.event);
      report = await replayInThreads({ ...options, file, threads: replayThreads });
    }
  } catch (error) {
    throw unreadable(file, error);
  } finally {
    bar?.stop();
    await live?.close();
  }
  // Where the log was read: the SQLite file in DATA_DIR, or EventStoreDB (its URL without a password).
  const log = fromEventStoreDb ? `EventStoreDB at ${redactUrl(config.eventstoreUrl!)}` : file;
  if (values.json)
    console.log(JSON.stringify(replayReportJson({ data_dir: config.dataDir, log, ...report }), null, 2));
  else console.log(summary(fromEventStoreDb ? log : config.dataDir, report));
  return report.ok ? 0 : 1;
}

function summary(source: string, r: ReplayReport): string {
  const lines = [
    `Replayed ${r.events} events of ${source}${r.scope.event_id ? ` (event ${r.scope.event_id})` : ''} in ${r.duration_ms} ms: ${r.events_per_s} events/s (${r.threads} thread${r.threads === 1 ? '' : 's'})`,
    `Read models rebuilt: ${
      Object.entries(r.read_models)
        .map(([n, c]) => `${n} ${c}`)
        .join(', ') || 'none'
    }`,
    `Seats: ${r.seats.holds} holds placed, ${r.seats.sales} sales (each of one or more seats). Orders: ${r.orders.total} (${r.orders.confirmed} confirmed, ${r.orders.cancelled} cancelled, ${r.orders.failed} failed, ${r.orders.pending} in flight; ${r.orders.authorizing} payment attempts open)`,
    ...(r.orders.ticketsPending.length > 0
      ? [
          `Tickets in flight: ${r.orders.ticketsPending.length} confirmed orders await their tickets, confirmed within the fulfillment grace of the log's end (${r.orders.ticketsPending.slice(0, 5).join(', ')}${r.orders.ticketsPending.length > 5 ? ', ...' : ''})`,
        ]
      : []),
    `Money: captured ${cents(r.money.capturedCents)}, refunded ${cents(r.money.refundedCents)}, confirmed orders ${cents(r.money.confirmedOrderCents)}`,
    r.comparison !== null
      ? `Live read models: ${r.comparison.equal ? 'equal to the rebuilt ones' : `DIFFERENT in ${r.comparison.collections.map((c) => c.collection).join(', ')}`}`
      : r.comparison_skipped !== null
        ? `Live read models: not compared: ${r.comparison_skipped}`
        : 'Live read models: not reachable from here (without MONGO_URL they live in the server process)',
  ];
  for (const e of r.projection_errors) lines.push(`Projection error: ${e}`);
  if (r.violations.length === 0 && r.ok) lines.push('Invariants: all hold. OK');
  for (const v of r.violations) {
    lines.push(
      `VIOLATION ${v.invariant} at ${v.stream} revision ${v.revision} (position ${v.position}): ${v.detail}`,
    );
    for (const e of v.events)
      lines.push(`    ${e.type} ${e.stream}@${e.revision} position ${e.position} id ${e.id}`);
  }
  for (const p of r.money.problems.filter((p) => !r.violations.some((v) => p.includes(v.detail))))
    lines.push(`PROBLEM ${p}`);
  return lines.join('\n');
}

const cents = (n: number) => (n / 100).toFixed(2);

/** An SQLite error (the file was a database, but is damaged further in, or locked) as one line naming the file. */
function unreadable(file: string, error: unknown): unknown {
  if (!String((error as { code?: unknown })?.code).startsWith('SQLITE_')) return error;
  return new ReplayInputError(`cannot read the event log ${file}: ${(error as Error).message}`);
}

const SINGLE_THREADED_GC = '--single-threaded-gc';

/** The signals a replay is stopped with: passed on, so the run that does the work never outlives this one. */
const PASSED_ON: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * This same run (arguments, environment, terminal) in a node started with `flag`; its exit code is ours. A signal
 * sent to this process alone (`timeout`, a supervisor, `kill`) is passed on to it; Ctrl-C reaches both anyway.
 */
async function rerunWith(flag: string): Promise<number> {
  // Listening before the run starts: until a listener is there, a signal ends this process at once, alone. Caught,
  // it is handled once this turn of the event loop is over, when the run has started.
  let child: ChildProcess | undefined;
  const passOn = (signal: NodeJS.Signals) => child?.kill(signal);
  for (const signal of PASSED_ON) process.on(signal, passOn);
  try {
    // The IPC channel tells the run when this process is gone, even by SIGKILL (see endWithTheRunThatStartedThis).
    child = spawn(process.execPath, [...process.execArgv, flag, ...process.argv.slice(1)], {
      stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    });
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    // Ended by a signal: the shell's convention, 128 + its number.
    return code ?? 128 + (signal ? (os.constants.signals[signal] ?? 0) : 0);
  } finally {
    for (const signal of PASSED_ON) process.off(signal, passOn);
  }
}

/**
 * In a run handed over by rerunWith: ends when the process that started it is gone (its IPC channel closes), be it
 * by a signal it could not pass on (SIGKILL, the OOM killer): an auditor's `timeout -s KILL` leaves nothing running.
 */
function endWithTheRunThatStartedThis(): void {
  if (!process.send) return;
  process.channel?.unref(); // the channel alone must not keep this run alive
  // The shell's convention for a run whose controlling process went away: 128 + SIGHUP.
  process.once('disconnect', () => process.exit(128 + os.constants.signals.SIGHUP));
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    // One line, never a stack: a bad option, a missing or unreadable log, an unknown event, a failed thread.
    console.error(`npm run replay: ${oneLine(error)}`);
    process.exit(2);
  },
);
