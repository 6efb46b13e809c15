import fs from 'node:fs';
import type { EventStore } from '../../application/ports/event-store';
import { ConfigError, dataDirOf, jobTimings, storeSettings } from '../../infrastructure/config/config';
import { embeddedLogFile } from '../../infrastructure/eventstore/sqlite/sqlite-database';
import { readingLog } from './replay-in-threads';

/**
 * What `npm run replay` reads before it replays, checked without changing anything: a replay only reads, so it
 * neither creates the data directory, the event store's file nor the JWT secret (loadConfig does all three, for the
 * server), and it refuses, in one line, a log it cannot read or an event the log does not know.
 */

/** A replay that cannot start (a bad option, a log that is not there or not readable): one line, exit code 2. */
export class ReplayInputError extends Error {}

/** The settings a replay needs, read by loadConfig's own readers (same names, defaults and bounds). */
export type ReplaySettings = ReturnType<typeof replaySettings>;

export function replaySettings(env: NodeJS.ProcessEnv = process.env) {
  const dataDir = dataDirOf(env);
  /** `file`: the embedded event store's file in dataDir (the log unless EVENTSTORE_URL is set). */
  return { dataDir, file: embeddedLogFile(dataDir), ...jobTimings(env), ...storeSettings(env) };
}

/** The first bytes of every SQLite database file. */
const SQLITE_HEADER = 'SQLite format 3\0';

/**
 * The event store's file is there, a file, readable and an SQLite database: else a ReplayInputError naming the file
 * (nothing is created or changed). A database damaged further in is found by the replay itself (a SqliteError).
 */
export function checkLogFile(settings: ReplaySettings, env: NodeJS.ProcessEnv = process.env): void {
  const { dataDir, file } = settings;
  const missing = (why: string) => {
    const hint = env.DATA_DIR ? '' : ' (DATA_DIR is not set: ./data is the default)';
    return new ReplayInputError(`no event log at ${file}: ${why}${hint}`);
  };
  const stat = (target: string) => {
    try {
      return fs.statSync(target);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined;
      if (code === 'ENOTDIR') throw missing(`a part of ${target} is not a directory`);
      throw new ReplayInputError(`cannot read ${target} (${code ?? String(error)})`);
    }
  };
  const dir = stat(dataDir);
  if (!dir) throw missing(`the directory ${dataDir} does not exist`);
  if (!dir.isDirectory()) throw missing(`${dataDir} is not a directory`);
  const log = stat(file);
  if (!log) throw missing('the file does not exist');
  if (!log.isFile()) throw new ReplayInputError(`${file} is not an event log: it is not a regular file`);
  let header: Buffer;
  try {
    const fd = fs.openSync(file, 'r');
    try {
      header = Buffer.alloc(SQLITE_HEADER.length);
      header = header.subarray(0, fs.readSync(fd, header, 0, header.length, 0));
    } finally {
      fs.closeSync(fd);
    }
  } catch (error) {
    throw new ReplayInputError(`cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
  // Empty: not a file the server wrote (it creates its tables at once), and opening it would write them.
  if (header.length === 0) throw new ReplayInputError(`${file} is not an event log: the file is empty`);
  if (header.toString('latin1') !== SQLITE_HEADER)
    throw new ReplayInputError(`${file} is not an event log: not an SQLite database`);
}

/** The log holds the event's stream (`event-{id}`): else `--event` names an event it does not know. */
export async function checkEventKnown(file: string, eventId: string): Promise<void> {
  await readingLog(file, (store) => checkEventIn(store, eventId, file));
}

/** The same, for the log in any store (`where` names it). */
export async function checkEventIn(store: EventStore, eventId: string, where: string): Promise<void> {
  const first = await store.readStream(`event-${eventId}`, { maxCount: 1 });
  if (first.length === 0)
    throw new ReplayInputError(
      `--event ${eventId}: the log in ${where} has no such event (no event-${eventId} stream)`,
    );
}

/**
 * An error said in one line, without a stack: its message (a thread's failure carries the thread's stack: its
 * `at` lines are dropped; parseArgs' hints on lines of their own are joined). Errors that are not expected ones (a
 * bug) also give their class.
 */
export function oneLine(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const message = error.message
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('at '))
    .join(' ');
  const code = String((error as { code?: unknown }).code);
  const expected =
    error instanceof ReplayInputError ||
    error.name === 'UnreadableEventError' || // a damaged log (from a replay thread: by name)
    error.name === 'BackendUnavailableError' || // EVENTSTORE_URL or MONGO_URL not answering
    error instanceof ConfigError ||
    code.startsWith('ERR_PARSE_ARGS') ||
    code.startsWith('SQLITE_') ||
    'syscall' in error;
  return expected ? message : `${error.name}: ${message}`;
}
