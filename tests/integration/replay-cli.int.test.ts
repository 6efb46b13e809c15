import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { oneLine, replaySettings } from '../../src/composition/replay/replay-input';
import { loadConfig } from '../../src/infrastructure/config/config';
import { openSqlite } from '../../src/infrastructure/eventstore/sqlite/sqlite-database';
import { SqliteEventStore } from '../../src/infrastructure/eventstore/sqlite/sqlite-event-store';
import { waitFor } from '../support/wait-for';
import { closedPort } from '../support/closed-port';

/**
 * `npm run replay` (the compiled script, as `npm run replay` runs it) refuses what it cannot audit with exit code 2
 * and one line on stderr, never a stack and never a clean-looking report: an event the log does not know, an empty
 * or repeated --event, a data directory or event store file that is not there (and it creates neither), a file
 * that is not an event log. A typo must not pass for a clean audit.
 */
/** TEST_SERVER_DIST: another build's output (see startChildServer), when dist/ is being rebuilt by someone else. */
const REPLAY = path.join(
  process.env.TEST_SERVER_DIST ?? path.join(__dirname, '../../dist'),
  'scripts',
  'replay.js',
);
const EVENT_ID = 'ev-replay-cli';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function replay(dataDir: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [REPLAY, ...args], {
      env: { ...process.env, EVENTSTORE_URL: '', MONGO_URL: '', DATA_DIR: dataDir, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** The first process whose parent is `pid`, once there is one (read from /proc, as ps does). */
async function childOf(pid: number): Promise<number> {
  for (let tries = 0; tries < 500; tries += 1) {
    for (const entry of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
      try {
        // Fields after the command name (in parentheses): state, then the parent's pid.
        const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
        if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) return Number(entry);
      } catch {
        // gone meanwhile
      }
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`process ${pid} started no child`);
}

/** Running (or stopped): not gone, and not a zombie waiting for its parent to collect it. */
function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Refused: exit code 2, nothing on stdout, one line on stderr holding `message`, no stack. */
function expectRefused(run: Run, message: string | RegExp): void {
  expect({ status: run.status, stdout: run.stdout }).toEqual({ status: 2, stdout: '' });
  expect(run.stderr).toMatch(message);
  expect(run.stderr).not.toContain('    at ');
  expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
}

/** A small log: a hold on EVENT_ID and its release, and a customer. */
async function writeLog(file: string): Promise<void> {
  const store = new SqliteEventStore(file);
  const now = new Date().toISOString();
  const metadata = { correlationId: 'c', causationId: 'c', userId: 'u', schemaVersion: 1 };
  try {
    await store.append(`event-${EVENT_ID}`, [
      {
        id: 'replay-cli-1',
        type: 'SeatsHeld',
        data: {
          eventId: EVENT_ID,
          holdId: 'h1',
          userId: 'u',
          seatIds: ['s1:A:1'],
          heldAt: now,
          expiresAt: new Date(Date.now() + 600_000).toISOString(),
          subtotalCents: 100,
          feesCents: 10,
        },
        metadata,
      },
      {
        id: 'replay-cli-2',
        type: 'HoldReleased',
        data: { eventId: EVENT_ID, holdId: 'h1', seatIds: ['s1:A:1'], reason: 'released', releasedAt: now },
        metadata,
      },
    ]);
    await store.append('customer-u', [
      {
        id: 'replay-cli-3',
        type: 'CustomerRegistered',
        data: { userId: 'u', email: 'u@example.test', passwordHash: 'h', name: 'U' },
        metadata,
      },
    ]);
  } finally {
    await store.close();
  }
}

describe('npm run replay: what it cannot audit is refused (exit 2, one line)', () => {
  let root: string;
  let dataDir: string;
  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketing-replay-cli-'));
    dataDir = path.join(root, 'data');
    fs.mkdirSync(dataDir);
    await writeLog(path.join(dataDir, 'events.sqlite'));
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('an event the log knows replays clean (exit 0); one it does not know is refused, with --json too', async () => {
    const known = await replay(dataDir, ['--json', '--event', EVENT_ID]);
    expect(known.status).toBe(0);
    expect(JSON.parse(known.stdout)).toMatchObject({
      ok: true,
      events: 2,
      scope: { event_id: EVENT_ID },
      log: path.join(dataDir, 'events.sqlite'),
      // Without MONGO_URL no live read models are reachable: nothing compared, nothing skipped.
      comparison: null,
      comparison_skipped: null,
    });

    const runs = await Promise.all(
      [
        ['--event', 'nope'],
        ['--event', 'nope', '--json'],
        ['--event=nope', '--threads', '2'],
      ].map((args) => replay(dataDir, args)),
    );
    for (const run of runs) expectRefused(run, /--event nope: .* has no such event \(no event-nope stream\)/);
    // Another stream's id is not an event either.
    expectRefused(await replay(dataDir, ['--event', 'u']), 'no event-u stream');
  });

  it('in several threads (a run handed to a node with single-threaded GC): the same report and exit codes as in one', async () => {
    const comparable = (run: Run) => {
      const { duration_ms, events_per_s, threads, ...report } = JSON.parse(run.stdout) as Record<
        string,
        unknown
      >;
      return { status: run.status, threads, report, durations: [typeof duration_ms, typeof events_per_s] };
    };
    const [one, two] = await Promise.all(
      [
        ['--json', '--threads', '1'],
        ['--json', '--threads', '2'],
      ].map((args) => replay(dataDir, args)),
    );
    const threaded = comparable(two);
    expect(threaded).toEqual({ ...comparable(one), threads: 2 });
    expect(threaded).toMatchObject({ status: 0, report: { ok: true, events: 3 } });

    // A seat held twice: exit code 1 and the violation on stdout, through the second process as in one.
    const forged = path.join(root, 'forged');
    fs.mkdirSync(forged);
    fs.copyFileSync(path.join(dataDir, 'events.sqlite'), path.join(forged, 'events.sqlite'));
    const store = new SqliteEventStore(path.join(forged, 'events.sqlite'));
    const hold = (id: string, holdId: string) => ({
      id,
      type: 'SeatsHeld',
      data: {
        eventId: EVENT_ID,
        holdId,
        userId: 'u',
        seatIds: ['s1:A:2'],
        heldAt: new Date().toISOString(),
        expiresAt: new Date(Date.now() + 600_000).toISOString(),
        subtotalCents: 100,
        feesCents: 10,
      },
      metadata: { correlationId: 'c', causationId: 'c', userId: 'u', schemaVersion: 1 },
    });
    await store.append(`event-${EVENT_ID}`, [hold('forged-1', 'h2'), hold('forged-2', 'h3')], {
      expectedRevision: 1,
    });
    await store.close();
    const runs = await Promise.all(
      [
        ['--threads', '1'],
        ['--threads', '2'],
        ['--json', '--threads', '2'],
      ].map((args) => replay(forged, args)),
    );
    for (const run of runs) expect(run.status).toBe(1);
    expect(runs[1].stdout).toContain('VIOLATION');
    expect(JSON.parse(runs[2].stdout)).toMatchObject({ ok: false, threads: 2 });
    expect(runs[1].stdout.replace(/in \d+ ms: \d+ events\/s \(\d threads?\)/, '')).toBe(
      runs[0].stdout.replace(/in \d+ ms: \d+ events\/s \(\d threads?\)/, ''),
    );
  });

  it('a signal sent to the replay alone ends the run it handed over to as well', async () => {
    const parent = spawn(process.execPath, [REPLAY, '--threads', '2', '--no-progress'], {
      env: { ...process.env, EVENTSTORE_URL: '', DATA_DIR: dataDir },
      stdio: 'ignore',
    });
    const exited = once(parent, 'exit');
    // The run with single-threaded GC, held stopped so that it is still there when the signal comes.
    const worker = await childOf(parent.pid!);
    process.kill(worker, 'SIGSTOP');
    parent.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    // Linux ends a stopped process at once on a fatal signal; were it still there, it goes on here.
    if (alive(worker)) process.kill(worker, 'SIGCONT');
    const [code, signal] = (await exited) as [number | null, NodeJS.Signals | null];
    expect({ code, signal }).toEqual({ code: 128 + os.constants.signals.SIGTERM, signal: null });
    await waitFor(() => !alive(worker), 10_000);
  });

  it('killed outright (SIGKILL, nothing passed on), the replay leaves no run of its own behind', async () => {
    const parent = spawn(process.execPath, [REPLAY, '--threads', '2', '--no-progress'], {
      env: { ...process.env, EVENTSTORE_URL: '', DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let stdout = '';
    parent.stdout.on('data', (chunk) => (stdout += chunk)); // the run it hands over to writes here too
    const closed = once(parent.stdout, 'close');
    const worker = await childOf(parent.pid!);
    process.kill(worker, 'SIGSTOP');
    parent.kill('SIGKILL');
    await once(parent, 'exit');
    process.kill(worker, 'SIGCONT');
    await closed; // every writer of the pipe is gone
    expect(alive(worker)).toBe(false);
    // It ended at once rather than replaying on and reporting to a pipe no one reads.
    expect(stdout).toBe('');
  });

  it('--help and -h print the options (exit 0) and replay nothing', async () => {
    for (const flag of ['--help', '-h']) {
      const run = await replay(path.join(root, 'no-such-dir'), [flag]);
      expect([run.status, run.stderr]).toEqual([0, '']);
      for (const option of ['--event', '--json', '--threads', '--expiry-period-ms', '--fulfillment-grace-ms'])
        expect(run.stdout).toContain(option);
    }
  });

  it('an empty --event, or --event given twice, is a usage error, not a replay of the whole log', async () => {
    const runs = await Promise.all(
      [['--event', ''], ['--event='], ['--event', '  '], ['--json', '--event', '']].map((args) =>
        replay(dataDir, args),
      ),
    );
    for (const run of runs) expectRefused(run, '--event needs an event id');
    expectRefused(
      await replay(dataDir, ['--event', 'nope', '--event', EVENT_ID]),
      '--event is given more than once',
    );
    expectRefused(
      await replay(dataDir, ['--threads', '1', '--threads=2']),
      '--threads is given more than once',
    );
  });

  it('bad options: one line each (parseArgs hints joined), never a stack', async () => {
    expectRefused(await replay(dataDir, ['--bogus']), "Unknown option '--bogus'");
    expectRefused(await replay(dataDir, ['--event', '--json']), /argument is ambiguous\. Did you forget/);
    for (const threads of ['-1', '1e3', '0x10', ' 2', '2.0'])
      expectRefused(await replay(dataDir, [`--threads=${threads}`]), '--threads needs a whole number');
    expectRefused(await replay(dataDir, ['stray']), "Unexpected argument 'stray'");
    expectRefused(await replay(dataDir, [], { EXPIRY_SWEEP_MS: 'x' }), 'EXPIRY_SWEEP_MS must be an integer');
  });

  it('a DATA_DIR that does not exist: refused, naming the file looked for, and nothing is created', async () => {
    const missing = path.join(root, 'does-not-exist');
    for (const run of await Promise.all([replay(missing), replay(missing, ['--json'])]))
      expectRefused(
        run,
        `no event log at ${path.join(missing, 'events.sqlite')}: the directory ${missing} does not exist`,
      );
    expect(fs.existsSync(missing)).toBe(false);
    // Where the log is kept in EventStoreDB, it is read there (DATA_DIR is not looked at): a server that does not
    // answer is one line naming it, within BACKEND_CONNECT_TIMEOUT_MS; so is MongoDB, with the live read models.
    const nobody = await closedPort();
    const unreachable = { BACKEND_CONNECT_TIMEOUT_MS: '2000' };
    expectRefused(
      await replay(missing, [], { ...unreachable, EVENTSTORE_URL: `esdb://127.0.0.1:${nobody}?tls=false` }),
      `npm run replay: EventStoreDB at esdb://127.0.0.1:${nobody}?tls=false is not reachable`,
    );
    expectRefused(
      await replay(missing, ['--threads', '2'], { EVENTSTORE_URL: `esdb://127.0.0.1:${nobody}?tls=false` }),
      'npm run replay: --threads: a log in EventStoreDB (EVENTSTORE_URL) is replayed in one thread',
    );
    expect(fs.existsSync(missing)).toBe(false);
    expectRefused(
      await replay(dataDir, ['--json'], {
        ...unreachable,
        MONGO_URL: `mongodb://u:secret@127.0.0.1:${nobody}/t`,
      }),
      `npm run replay: MongoDB at mongodb://u:***@127.0.0.1:${nobody}/t is not reachable`,
    );
    expectRefused(await replay(dataDir, [], { MONGO_URL: 'http://mongo' }), 'MONGO_URL must be a mongodb://');

    // A directory without the file: left as it was (no events.sqlite, no jwt-secret).
    const empty = path.join(root, 'empty');
    fs.mkdirSync(empty);
    expectRefused(
      await replay(empty),
      `no event log at ${path.join(empty, 'events.sqlite')}: the file does not exist`,
    );
    expect(fs.readdirSync(empty)).toEqual([]);
  });

  it('a DATA_DIR that is a file, and event store files that are no event log: refused, without a stack', async () => {
    const file = path.join(root, 'a-file');
    fs.writeFileSync(file, 'not a directory');
    expectRefused(await replay(file), `${file} is not a directory`);

    const corrupt = path.join(root, 'corrupt');
    fs.mkdirSync(corrupt);
    fs.writeFileSync(path.join(corrupt, 'events.sqlite'), 'this is a text file, not a database\n');
    const runs = await Promise.all([[], ['--json'], ['--threads', '2']].map((args) => replay(corrupt, args)));
    for (const run of runs) expectRefused(run, 'is not an event log: not an SQLite database');
    expect(fs.readdirSync(corrupt)).toEqual(['events.sqlite']);

    // An SQLite header with garbage behind it: SQLite's own refusal, in one line naming the file.
    const damaged = path.join(root, 'damaged');
    fs.mkdirSync(damaged);
    fs.writeFileSync(path.join(damaged, 'events.sqlite'), `SQLite format 3\0${'garbage'.repeat(20)}`);
    expectRefused(
      await replay(damaged),
      `cannot read the event log ${path.join(damaged, 'events.sqlite')}: file is not a database`,
    );

    const empty = path.join(root, 'empty-file');
    fs.mkdirSync(empty);
    fs.writeFileSync(path.join(empty, 'events.sqlite'), '');
    expectRefused(await replay(empty), 'is not an event log: the file is empty');
  });
});

describe('npm run replay on a log changed behind the code’s back', () => {
  let root: string;
  beforeAll(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketing-replay-tampered-'))));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  /** The small log, plus one row written straight into the file (as a forger or a bad migration would). */
  async function tampered(
    name: string,
    row: { type: string; data: string; metadata?: string },
  ): Promise<string> {
    const dataDir = path.join(root, name);
    fs.mkdirSync(dataDir);
    const file = path.join(dataDir, 'events.sqlite');
    await writeLog(file);
    const db = openSqlite(file);
    try {
      db.prepare(
        'INSERT INTO events (stream_name, revision, event_id, type, data, metadata, recorded_at) VALUES (?, 2, ?, ?, ?, ?, ?)',
      ).run(
        `event-${EVENT_ID}`,
        `forged-${name}`,
        row.type,
        row.data,
        row.metadata ?? '{"correlationId":"f","causationId":"f","userId":"f","schemaVersion":1}',
        Date.now(),
      );
    } finally {
      db.close();
    }
    return dataDir;
  }

  const violationsOf = (run: Run) =>
    (JSON.parse(run.stdout) as { violations: Array<Record<string, unknown>> }).violations;

  it('an event of a type no release writes is a violation naming it (exit 1), in one thread or two', async () => {
    const dataDir = await tampered('unknown-type', { type: 'NoSuchType', data: '{}' });
    for (const threads of ['1', '2']) {
      const run = await replay(dataDir, ['--json', '--threads', threads]);
      expect(run.status).toBe(1);
      expect(violationsOf(run)).toEqual([
        expect.objectContaining({
          invariant: 'unknown_event_type',
          stream: `event-${EVENT_ID}`,
          revision: 2,
          position: 4,
          detail: expect.stringContaining('NoSuchType'),
        }),
      ]);
    }
    const text = await replay(dataDir);
    expect(text.status).toBe(1);
    expect(text.stdout).toMatch(
      /VIOLATION unknown_event_type at event-ev-replay-cli revision 2 \(position 4\)/,
    );
  });

  it('an event whose payload lacks what its type records is a violation naming it (exit 1), not a crash', async () => {
    const dataDir = await tampered('malformed', {
      type: 'SeatsSold',
      data: JSON.stringify({ eventId: EVENT_ID, holdId: 'h1', orderId: 'o1', seatIds: null, totalCents: 1 }),
    });
    const run = await replay(dataDir, ['--json']);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe('');
    expect(violationsOf(run)).toEqual([
      expect.objectContaining({
        invariant: 'malformed_event',
        stream: `event-${EVENT_ID}`,
        revision: 2,
        detail: expect.stringContaining('SeatsSold cannot be checked'),
      }),
    ]);
  });

  it('an event whose data is not JSON: refused (exit 2) in one line naming its position, stream and revision', async () => {
    const dataDir = await tampered('not-json', { type: 'SeatsSold', data: '{not json' });
    for (const args of [[], ['--json'], ['--threads', '2']])
      expectRefused(
        await replay(dataDir, args),
        /^npm run replay: the event at position 4 \(SeatsSold, event-ev-replay-cli revision 2\) is damaged: its data is not JSON/,
      );
  });
});

describe('replay settings and errors', () => {
  it('reads the settings as loadConfig does, without creating anything', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketing-replay-settings-'));
    try {
      const dataDir = path.join(root, 'data');
      const pick = (env: NodeJS.ProcessEnv) => {
        const s = replaySettings(env);
        expect(fs.existsSync(dataDir)).toBe(false);
        return s;
      };
      for (const env of [
        { DATA_DIR: dataDir },
        {
          DATA_DIR: dataDir,
          EXPIRY_SWEEP_MS: '20',
          ORDER_WATCHDOG_AFTER_MS: '200',
          ORDER_WATCHDOG_INTERVAL_MS: '60',
          ORDER_WATCHDOG_MAX_REDRIVES: '7',
          EVENTSTORE_URL: 'esdb://es:2113?tls=false',
          MONGO_URL: 'mongodb://mongo:27017/ticketing',
          BACKEND_CONNECT_TIMEOUT_MS: '1500',
        },
      ]) {
        const settings = pick(env);
        const config = loadConfig(env); // creates the directory and its secret: done last
        expect(settings).toEqual({
          dataDir: config.dataDir,
          file: path.join(config.dataDir, 'events.sqlite'),
          expirySweepMs: config.expirySweepMs,
          orderWatchdogAfterMs: config.orderWatchdogAfterMs,
          orderWatchdogIntervalMs: config.orderWatchdogIntervalMs,
          orderWatchdogMaxRedrives: config.orderWatchdogMaxRedrives,
          eventstoreUrl: config.eventstoreUrl,
          mongoUrl: config.mongoUrl,
          backendConnectTimeoutMs: config.backendConnectTimeoutMs,
        });
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
      for (const [name, value] of [
        ['EXPIRY_SWEEP_MS', '9'],
        ['ORDER_WATCHDOG_AFTER_MS', 'x'],
        ['ORDER_WATCHDOG_INTERVAL_MS', '1.5'],
        ['ORDER_WATCHDOG_MAX_REDRIVES', '0'],
      ]) {
        const env = { DATA_DIR: dataDir, [name]: value };
        expect(() => replaySettings(env)).toThrow(`${name} must be an integer`);
        expect(() => loadConfig(env)).toThrow(`${name} must be an integer`);
      }
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it("oneLine: a thread's failure without its stack; an unexpected error with its class", () => {
    const thread = new Error(
      'a replay thread failed: SqliteError: database disk image is malformed\n    at Statement.all (x.js:1:2)\n    at run (y.js:3:4)',
    );
    expect(oneLine(thread)).toBe(
      'Error: a replay thread failed: SqliteError: database disk image is malformed',
    );
    expect(oneLine(new TypeError('x is undefined'))).toBe('TypeError: x is undefined');
    expect(oneLine(Object.assign(new Error("ENOENT: no such file, open 'f'"), { syscall: 'open' }))).toBe(
      "ENOENT: no such file, open 'f'",
    );
  });
});
