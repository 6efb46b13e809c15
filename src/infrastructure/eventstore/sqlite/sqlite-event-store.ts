import type Database from 'better-sqlite3';
import { Observable, Subject } from 'rxjs';
import {
  AppendOptions,
  AppendResult,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamAppend,
  SubscribeOptions,
  WrongExpectedVersionError,
} from '../../../application/ports/event-store';
import { upcast } from '../../../application/events/event-schemas';
import { openSqlite } from './sqlite-database';
import { SqliteGroupCommit } from './sqlite-group-commit';
import { WalCheckpointer } from './wal-checkpointer';

/**
 * A stored event as SQLite hands it over: a tuple (`.raw()`), in EVENT_COLUMNS order. Rows as arrays cost about
 * half as much to build as rows as objects, which is most of what reading the log costs.
 */
type EventRow = [
  position: number,
  streamName: string,
  revision: number,
  eventId: string,
  type: string,
  data: string,
  metadata: string,
  recordedAt: number,
];
const EVENT_COLUMNS = 'position, stream_name, revision, event_id, type, data, metadata, recorded_at';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position    INTEGER PRIMARY KEY AUTOINCREMENT,
  stream_name TEXT    NOT NULL,
  revision    INTEGER NOT NULL,
  event_id    TEXT    NOT NULL UNIQUE,
  type        TEXT    NOT NULL,
  data        TEXT    NOT NULL,
  metadata    TEXT    NOT NULL,
  recorded_at INTEGER NOT NULL,
  UNIQUE (stream_name, revision)
);
`;

/** How often a live subscription looks for events appended by another process sharing the file. */
const CROSS_PROCESS_POLL_MS = 100;
const PAGE_SIZE = 2000;
/** Events this process committed last, kept for its own subscribers (see `tail`). */
const TAIL_MAX = 4096;

/**
 * The embedded event store: one SQLite file. The UNIQUE(stream_name, revision) constraint and BEGIN IMMEDIATE
 * make the expected-revision check atomic across processes too.
 *
 * Group commit across streams: `append` calls made in one turn of the event loop (concurrent commands on
 * different streams, e.g. saga steps of many orders) are written in ONE transaction at the next turn, each in a
 * savepoint of its own, so one append's wrong expected revision fails that append alone. A commit, not an
 * insert, is what costs (the WAL write, and the fsync of every WAL checkpoint): this is what makes many small
 * appends cheap. Each append still resolves only once its transaction committed.
 */
export class SqliteEventStore implements EventStore {
  readonly db: Database.Database;
  private readonly appended$ = new Subject<void>();
  private readonly ownsDb: boolean;
  private closed = false;
  private readonly stmt;
  private readonly appendTx;
  /** Appends made in one turn of the event loop, committed together (see the class comment). */
  readonly groupCommit: SqliteGroupCommit;
  /**
   * The events this process committed last, at consecutive positions from `tailStart`: the log's subscribers
   * (projections, the bus forwarder) take them from here instead of reading back and parsing what was just
   * written. Another process's append (or any gap) starts a new tail; positions outside it are read from the file.
   */
  private tail: RecordedEvent[] = [];
  private tailStart = 0;
  /** Events of the transaction in progress: they join the tail when it commits, and are dropped if it fails. */
  private uncommitted: RecordedEvent[] = [];

  /** Checkpoints the file beside the appends (a file this store opened itself). */
  private readonly checkpointer?: WalCheckpointer;

  constructor(fileOrDb: string | Database.Database) {
    this.ownsDb = typeof fileOrDb === 'string';
    this.db = typeof fileOrDb === 'string' ? openSqlite(fileOrDb) : fileOrDb;
    if (typeof fileOrDb === 'string' && !this.db.memory) this.checkpointer = new WalCheckpointer(fileOrDb);
    this.db.exec(SCHEMA);
    this.stmt = {
      lastRevision: this.db.prepare<[string], { revision: number }>(
        'SELECT revision FROM events WHERE stream_name = ? ORDER BY revision DESC LIMIT 1',
      ),
      insert: this.db.prepare(
        'INSERT INTO events (stream_name, revision, event_id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      byId: this.db.prepare<[string], { stream_name: string; revision: number; position: number }>(
        'SELECT stream_name, revision, position FROM events WHERE event_id = ?',
      ),
      forwards: this.db
        .prepare<[string, number, number], EventRow>(
          `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_name = ? AND revision >= ? ORDER BY revision ASC LIMIT ?`,
        )
        .raw(true),
      backwards: this.db
        .prepare<[string, number, number], EventRow>(
          `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_name = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`,
        )
        .raw(true),
      all: this.db
        .prepare<[number, number], EventRow>(
          `SELECT ${EVENT_COLUMNS} FROM events WHERE position > ? ORDER BY position ASC LIMIT ?`,
        )
        .raw(true),
      head: this.db.prepare<[], { position: number | null }>('SELECT MAX(position) AS position FROM events'),
      // Positions (after, up to] whose type is in the JSON array: rows of other types are skipped in SQLite.
      ofTypes: this.db
        .prepare<[number, number, string], EventRow>(
          `SELECT ${EVENT_COLUMNS} FROM events WHERE position > ? AND position <= ? AND type IN (SELECT value FROM json_each(?)) ORDER BY position ASC`,
        )
        .raw(true),
    };
    this.appendTx = this.db
      .transaction((stream: string, events: EventToAppend[], expected: ExpectedRevision) =>
        this.appendInTx(stream, events, expected),
      )
      .immediate.bind(null);
    this.groupCommit = new SqliteGroupCommit(this.db, {
      onCommit: () => {
        this.commitTail();
        this.appended$.next();
      },
      onAbort: () => {
        this.uncommitted = [];
      },
    });
  }

  async append(stream: string, events: EventToAppend[], options: AppendOptions = {}): Promise<AppendResult> {
    const expected = options.expectedRevision ?? 'any';
    // Nothing to write, or asked not to wait: a transaction of its own, now.
    if (events.length === 0 || options.immediate) return this.appendSync(stream, events, expected);
    this.assertOpen();
    return this.groupCommit.run(() => this.appendInTx(stream, events, expected));
  }

  /** Several streams in one unit of the group commit (one savepoint): all of them are written, or none. */
  async appendMany(appends: StreamAppend[]): Promise<AppendResult[]> {
    this.assertOpen();
    return this.groupCommit.run(() => {
      const mark = this.uncommitted.length;
      try {
        return appends.map((a) => this.appendInTx(a.stream, a.events, a.expectedRevision));
      } catch (error) {
        // The savepoint rolls back the streams already written: so must their events leave the tail's queue.
        this.uncommitted.length = mark;
        throw error;
      }
    });
  }

  /** One append in a transaction of its own, at once: benchmarks measure the store with it, without promises. */
  appendSync(stream: string, events: EventToAppend[], expected: ExpectedRevision): AppendResult {
    this.assertOpen();
    if (events.length === 0) {
      const current = this.stmt.lastRevision.get(stream)?.revision;
      if (!expectationHolds(expected, current))
        throw new WrongExpectedVersionError(stream, expected, current ?? 'no_stream');
      return { nextExpectedRevision: current ?? -1, position: this.headSync() };
    }
    let result: AppendResult;
    try {
      result = this.appendTx(stream, events, expected) as AppendResult;
    } catch (error) {
      this.uncommitted = [];
      throw error;
    }
    this.commitTail();
    this.appended$.next();
    return result;
  }

  /**
   * Writes one append inside the current transaction. The usual append costs no lookup beyond its expected
   * revision's: a retried append (its first event id already stored) is found by the event_id key refusing the
   * first insert, not by a lookup before every append; and 'no_stream' is checked by the (stream_name, revision)
   * key refusing revision 0 (a stream exists exactly when it has a revision 0).
   */
  private appendInTx(stream: string, events: EventToAppend[], expected: ExpectedRevision): AppendResult {
    const current = expected === 'no_stream' ? undefined : this.stmt.lastRevision.get(stream)?.revision;
    if (!expectationHolds(expected, current)) return this.retriedOrConflict(stream, events, expected);
    let revision = current ?? -1;
    let position = 0;
    const now = Date.now();
    const recordedAt = new Date(now);
    const recorded = new Array<RecordedEvent>(events.length);
    for (let i = 0; i < events.length; i += 1) {
      const event = events[i];
      revision += 1;
      const data = JSON.stringify(event.data);
      const metadata = JSON.stringify(event.metadata);
      let info: Database.RunResult;
      try {
        info = this.stmt.insert.run(stream, revision, event.id, event.type, data, metadata, now);
      } catch (error) {
        // Refused before anything of this append was written: a retry, or the stream is not where expected.
        if (i === 0 && isUniqueViolation(error)) return this.retriedOrConflict(stream, events, expected);
        throw error;
      }
      position = Number(info.lastInsertRowid);
      // Parsed back from what was stored, as a read would: subscribers get their own copy of the payload.
      recorded[i] = upcast({
        id: event.id,
        streamName: stream,
        type: event.type,
        data: JSON.parse(data),
        metadata: JSON.parse(metadata),
        revision,
        position,
        recordedAt,
      });
    }
    // Only a complete append joins the transaction's events (one that throws is rolled back by its savepoint).
    for (const event of recorded) this.uncommitted.push(event);
    return { nextExpectedRevision: revision, position };
  }

  /**
   * The append cannot go where it was expected. If its first event's id is already stored in this stream, the
   * whole append was done before (a retry): answered as then. Otherwise it is a conflict.
   */
  private retriedOrConflict(stream: string, events: EventToAppend[], expected: ExpectedRevision): AppendResult {
    const first = this.stmt.byId.get(events[0].id);
    const found = first ? events.map((e) => this.stmt.byId.get(e.id)) : [];
    const complete =
      first !== undefined &&
      found.every((row, i) => row && row.stream_name === stream && row.revision === first.revision + i);
    if (!complete) {
      throw new WrongExpectedVersionError(
        stream,
        expected,
        this.stmt.lastRevision.get(stream)?.revision ?? 'no_stream',
      );
    }
    const last = found[found.length - 1]!;
    return { nextExpectedRevision: last.revision, position: last.position };
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const max = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    const rows =
      options.direction === 'backwards'
        ? this.stmt.backwards.all(stream, options.fromRevision ?? Number.MAX_SAFE_INTEGER, max)
        : this.stmt.forwards.all(stream, options.fromRevision ?? 0, max);
    return toRecordedEvents(rows);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return this.readAllSync(options.fromPosition ?? 0, options.maxCount ?? Number.MAX_SAFE_INTEGER);
  }

  /** The transaction committed: its events join the tail (a gap before them, e.g. another process, starts anew). */
  private commitTail(): void {
    const committed = this.uncommitted;
    if (committed.length === 0) return;
    this.uncommitted = [];
    if (committed[0].position !== this.tailStart + this.tail.length) {
      this.tail = [];
      this.tailStart = committed[0].position;
    }
    for (const event of committed) {
      // Positions must follow on: anything else (a bug) and the tail is given up, subscribers read the file.
      if (event.position !== this.tailStart + this.tail.length) {
        this.tail = [];
        this.tailStart = 0;
        return;
      }
      this.tail.push(event);
    }
    if (this.tail.length > 2 * TAIL_MAX) {
      const drop = this.tail.length - TAIL_MAX;
      this.tail = this.tail.slice(drop);
      this.tailStart += drop;
    }
  }

  /**
   * Up to `max` events after `after` from the tail, or undefined when the tail does not hold the event at
   * `after + 1` (older, or not committed by this process): then the file is read.
   */
  private fromTail(after: number, max: number): { events: RecordedEvent[]; last: number } | undefined {
    const index = after + 1 - this.tailStart;
    if (index < 0 || index >= this.tail.length || this.tail[index].position !== after + 1) return undefined;
    const events = this.tail.slice(index, index + max);
    return { events, last: events[events.length - 1].position };
  }

  readAllSync(fromPosition: number, maxCount: number): RecordedEvent[] {
    this.assertOpen();
    return toRecordedEvents(this.stmt.all.all(fromPosition, maxCount));
  }

  async headPosition(): Promise<number> {
    return this.headSync();
  }

  private headSync(): number {
    return this.stmt.head.get()?.position ?? 0;
  }

  subscribeToAll(options: SubscribeOptions = {}): Observable<RecordedEvent> {
    const types = options.eventTypes ? JSON.stringify([...new Set(options.eventTypes)]) : undefined;
    const wanted = options.eventTypes ? new Set(options.eventTypes) : undefined;
    return new Observable<RecordedEvent>((subscriber) => {
      let checkpoint = options.fromPosition ?? 0;
      let scheduled = false;
      // One page of the log after the checkpoint, and the checkpoint it reaches.
      const nextPage = (): { page: RecordedEvent[]; reached: number; more: boolean } => {
        const cached = this.fromTail(checkpoint, PAGE_SIZE);
        if (cached) {
          // Committed by this process: no read. The next page (usually empty) is read from the file as usual.
          const page = types === undefined ? cached.events : cached.events.filter((e) => wanted!.has(e.type));
          return { page, reached: cached.last, more: true };
        }
        if (types === undefined) {
          const page = this.readAllSync(checkpoint, PAGE_SIZE);
          const reached = page.length > 0 ? page[page.length - 1].position : checkpoint;
          return { page, reached, more: page.length === PAGE_SIZE };
        }
        // Filtered: scan a window of positions up to the head read first (every event at or before it is
        // committed: positions are given in commit order), so skipped events are never scanned again.
        const head = this.headSync();
        const upTo = Math.min(head, checkpoint + PAGE_SIZE);
        if (upTo <= checkpoint) return { page: [], reached: checkpoint, more: false };
        this.assertOpen();
        const page = toRecordedEvents(this.stmt.ofTypes.all(checkpoint, upTo, types));
        return { page, reached: upTo, more: upTo < head };
      };
      // Reads pages until caught up; re-run on every local append and on a timer for other processes.
      const pump = () => {
        scheduled = false;
        try {
          while (!subscriber.closed && !this.closed) {
            const { page, reached, more } = nextPage();
            for (const event of page) {
              checkpoint = event.position;
              subscriber.next(event);
              if (subscriber.closed) return;
            }
            checkpoint = reached;
            if (!more) return;
          }
        } catch (error) {
          subscriber.error(error);
        }
      };
      const schedule = () => {
        if (scheduled) return;
        scheduled = true;
        setImmediate(pump);
      };
      const local = this.appended$.subscribe(schedule);
      const timer = setInterval(schedule, CROSS_PROCESS_POLL_MS);
      timer.unref();
      schedule();
      return () => {
        local.unsubscribe();
        clearInterval(timer);
      };
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Appends made before close are written, as they were when every append committed at once.
    this.groupCommit.close();
    this.closed = true;
    this.appended$.complete();
    // The checkpointer's connection first: the last connection to close folds the WAL into the file.
    await this.checkpointer?.close();
    if (this.ownsDb) this.db.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('Event store is closed');
  }
}

function expectationHolds(expected: ExpectedRevision, current: number | undefined): boolean {
  return (
    expected === 'any' ||
    (expected === 'no_stream' && current === undefined) ||
    (expected === 'stream_exists' && current !== undefined) ||
    (typeof expected === 'number' && current === expected)
  );
}

/** SQLite refused a row for a UNIQUE key (event_id, or stream_name and revision). */
const isUniqueViolation = (error: unknown): boolean =>
  (error as { code?: unknown } | null)?.code === 'SQLITE_CONSTRAINT_UNIQUE';

/** Rows come back in their current schema version (old payloads upcast: see event-schemas.ts). */
function toRecordedEvents(rows: EventRow[]): RecordedEvent[] {
  const events = new Array<RecordedEvent>(rows.length);
  for (let i = 0; i < rows.length; i += 1) {
    const row = rows[i];
    events[i] = upcast({
      id: row[3],
      streamName: row[1],
      type: row[4],
      data: JSON.parse(row[5]),
      metadata: JSON.parse(row[6]),
      revision: row[2],
      position: row[0],
      recordedAt: new Date(row[7]),
    });
  }
  return events;
}
