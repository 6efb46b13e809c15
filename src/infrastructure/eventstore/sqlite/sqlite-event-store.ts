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
  UnreadableEventError,
  WrongExpectedVersionError,
} from '../../../application/ports/event-store';
import { upcast } from '../../../application/events/event-schemas';
import {
  expectationHolds,
  serializeAppend,
  SqliteAppender,
  type AppendOutcome,
  type SerializedAppend,
} from './sqlite-appender';
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
 *
 * The commits stay on this thread's connection, with the reads: committed from a writer thread, every read here
 * then began on a page cache SQLite had to drop (another connection had written), 57 us against 15 for a short
 * stream read, and the sagas confirmed fewer orders per second, not more.
 */
export class SqliteEventStore implements EventStore {
  readonly db: Database.Database;
  private readonly appended$ = new Subject<void>();
  private readonly ownsDb: boolean;
  private closed = false;
  private readonly stmt;
  private readonly appender: SqliteAppender;
  private readonly appendTx: (append: SerializedAppend) => AppendOutcome;
  /** Appends made in one turn of the event loop, committed together (see the class comment). */
  private readonly groupCommit: SqliteGroupCommit;
  /**
   * The events this process committed last, at consecutive positions from `tailStart`: the log's subscribers
   * (projections, the bus forwarder) take them from here instead of reading back and parsing what was just
   * written. Another process's append (or any gap) starts a new tail; positions outside it are read from the file.
   */
  private tail: RecordedEvent[] = [];
  private tailStart = 0;
  /** Events of the transaction in progress: they join the tail when it commits, and are dropped if it fails. */
  private uncommitted: RecordedEvent[] = [];

  /** externalWriteMark's reading for the current turn of the event loop. */
  private markThisTurn?: number;

  /** Checkpoints the file beside the appends (a file this store opened itself). */
  private readonly checkpointer?: WalCheckpointer;

  constructor(fileOrDb: string | Database.Database) {
    this.ownsDb = typeof fileOrDb === 'string';
    this.db = typeof fileOrDb === 'string' ? openSqlite(fileOrDb) : fileOrDb;
    if (typeof fileOrDb === 'string' && !this.db.memory) this.checkpointer = new WalCheckpointer(fileOrDb);
    this.db.exec(SCHEMA);
    this.appender = new SqliteAppender(this.db);
    this.stmt = {
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
      dataVersion: this.db.prepare('PRAGMA data_version').pluck(),
      // Positions (after, up to] whose type is in the JSON array: rows of other types are skipped in SQLite.
      ofTypes: this.db
        .prepare<[number, number, string], EventRow>(
          `SELECT ${EVENT_COLUMNS} FROM events WHERE position > ? AND position <= ? AND type IN (SELECT value FROM json_each(?)) ORDER BY position ASC`,
        )
        .raw(true),
    };
    this.appendTx = this.db.transaction((append: SerializedAppend) => this.appender.append(append)).immediate;
    this.groupCommit = new SqliteGroupCommit(this.db, {
      onCommit: () => {
        const committed = this.uncommitted;
        this.uncommitted = [];
        this.commitTail(committed);
        this.appended$.next();
      },
      onAbort: () => {
        this.uncommitted = [];
      },
    });
  }

  /**
   * `PRAGMA data_version`: SQLite changes it when another connection commits, not for this connection's commits. Read
   * once per turn of the event loop (a few microseconds, about a third of the shortest stream read), so the many
   * freshness checks of one turn share it.
   */
  externalWriteMark(): number {
    if (this.markThisTurn === undefined) {
      this.assertOpen();
      this.markThisTurn = this.stmt.dataVersion.get() as number;
      setImmediate(() => (this.markThisTurn = undefined));
    }
    return this.markThisTurn;
  }

  /** Commits so far and the units (appends, or appendMany calls) they carried: benchmarks report units per commit. */
  get commitStats(): { commits: number; units: number } {
    return { ...this.groupCommit.stats };
  }

  async append(stream: string, events: EventToAppend[], options: AppendOptions = {}): Promise<AppendResult> {
    const expected = options.expectedRevision ?? 'any';
    // Nothing to write, or asked not to wait: a transaction of its own, now.
    if (events.length === 0 || options.immediate) return this.appendSync(stream, events, expected);
    this.assertOpen();
    const [outcome] = await this.commitUnit([serializeAppend(stream, events, expected)]);
    return { nextExpectedRevision: outcome.nextExpectedRevision, position: outcome.position };
  }

  /** Several streams in one unit of the group commit (one savepoint): all of them are written, or none. */
  async appendMany(appends: StreamAppend[]): Promise<AppendResult[]> {
    this.assertOpen();
    const outcomes = await this.commitUnit(
      appends.map((a) => serializeAppend(a.stream, a.events, a.expectedRevision)),
    );
    return outcomes.map((o) => ({ nextExpectedRevision: o.nextExpectedRevision, position: o.position }));
  }

  /** One unit of the next group commit. */
  private commitUnit(unit: SerializedAppend[]): Promise<AppendOutcome[]> {
    return this.groupCommit.run(() => {
      // Should one append throw, its savepoint rolls back the unit, and none of its events may join the tail.
      const outcomes = unit.map((append) => this.appender.append(append));
      for (const event of recordedEvents(unit, outcomes)) this.uncommitted.push(event);
      return outcomes;
    });
  }

  /** One append in a transaction of its own, at once: benchmarks measure the store with it, without promises. */
  appendSync(stream: string, events: EventToAppend[], expected: ExpectedRevision): AppendResult {
    this.assertOpen();
    if (events.length === 0) {
      const current = this.appender.currentRevision(stream);
      if (!expectationHolds(expected, current))
        throw new WrongExpectedVersionError(stream, expected, current ?? 'no_stream');
      return { nextExpectedRevision: current ?? -1, position: this.headSync() };
    }
    const append = serializeAppend(stream, events, expected);
    const outcome = this.appendTx(append);
    this.commitTail(recordedEvents([append], [outcome]));
    this.appended$.next();
    return { nextExpectedRevision: outcome.nextExpectedRevision, position: outcome.position };
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

  /** A transaction committed: its events join the tail (a gap before them, e.g. another process, starts anew). */
  private commitTail(committed: RecordedEvent[]): void {
    if (committed.length === 0) return;
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

/**
 * The events of written appends as a read would hand them over (payloads parsed from what was stored, so
 * subscribers get their own copy). An append's events take the positions and revisions up to its last one's.
 */
function recordedEvents(appends: SerializedAppend[], outcomes: AppendOutcome[]): RecordedEvent[] {
  const events: RecordedEvent[] = [];
  appends.forEach((append, i) => {
    const outcome = outcomes[i];
    if (!outcome.written) return; // a retry answered as before: its events are old
    const last = append.events.length - 1;
    const recordedAt = new Date(outcome.recordedAt);
    append.events.forEach((event, j) => {
      events.push(
        upcast({
          id: event.id,
          streamName: append.stream,
          type: event.type,
          data: JSON.parse(event.data),
          metadata: JSON.parse(event.metadata),
          revision: outcome.nextExpectedRevision - (last - j),
          position: outcome.position - (last - j),
          recordedAt,
        }),
      );
    });
  });
  return events;
}

/** A row's JSON column; a damaged one named by its event (the log was changed by something other than this code). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function parsed(row: EventRow, column: 5 | 6): any {
  try {
    return JSON.parse(row[column]);
  } catch (error) {
    const at = { position: row[0], streamName: row[1], revision: row[2], type: row[4] };
    throw new UnreadableEventError(
      at,
      `its ${column === 5 ? 'data' : 'metadata'} is not JSON (${(error as Error).message})`,
    );
  }
}

/** Rows come back in their current schema version (old payloads upcast: see event-schemas.ts). */
function toRecordedEvents(rows: EventRow[]): RecordedEvent[] {
  const events = new Array<RecordedEvent>(rows.length);
  for (let i = 0; i < rows.length; i += 1) {
    const row = rows[i];
    events[i] = upcast({
      id: row[3],
      streamName: row[1],
      type: row[4],
      data: parsed(row, 5),
      metadata: parsed(row, 6),
      revision: row[2],
      position: row[0],
      recordedAt: new Date(row[7]),
    });
  }
  return events;
}
