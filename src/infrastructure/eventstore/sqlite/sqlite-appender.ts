import type Database from 'better-sqlite3';
import {
  WrongExpectedVersionError,
  type EventToAppend,
  type ExpectedRevision,
} from '../../../application/ports/event-store';

/** An event to append with its payload already serialized (JSON), as the `events` table stores it. */
export interface SerializedEvent {
  id: string;
  type: string;
  data: string;
  metadata: string;
}

/** One stream's append, serialized: what the group commit writes. */
export interface SerializedAppend {
  stream: string;
  events: SerializedEvent[];
  expected: ExpectedRevision;
}

export interface AppendOutcome {
  nextExpectedRevision: number;
  /** The last event's position (the append's events hold the positions just before it, in order). */
  position: number;
  /** False for a retried append answered as before: nothing was written this time. */
  written: boolean;
  /** recorded_at as stored (ms since the epoch). */
  recordedAt: number;
}

/** Serializes an append's payloads; throws (e.g. a circular payload) before anything is written. */
export function serializeAppend(
  stream: string,
  events: EventToAppend[],
  expected: ExpectedRevision,
): SerializedAppend {
  return {
    stream,
    expected,
    events: events.map((e) => ({
      id: e.id,
      type: e.type,
      data: JSON.stringify(e.data),
      metadata: JSON.stringify(e.metadata),
    })),
  };
}

/**
 * Writes appends into the `events` table, inside a transaction its caller opened (BEGIN IMMEDIATE, so the
 * expected-revision check and the inserts see no other writer). The usual append costs no lookup beyond its
 * expected revision's: a retried append (its first event id already stored) is found by the event_id key refusing
 * the first insert, not by a lookup before every append; and 'no_stream' is checked by the (stream_name, revision)
 * key refusing revision 0 (a stream exists exactly when it has a revision 0).
 */
export class SqliteAppender {
  private readonly lastRevision;
  private readonly insert;
  private readonly byId;

  constructor(db: Database.Database) {
    this.lastRevision = db.prepare<[string], { revision: number }>(
      'SELECT revision FROM events WHERE stream_name = ? ORDER BY revision DESC LIMIT 1',
    );
    this.insert = db.prepare(
      'INSERT INTO events (stream_name, revision, event_id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.byId = db.prepare<[string], { stream_name: string; revision: number; position: number }>(
      'SELECT stream_name, revision, position FROM events WHERE event_id = ?',
    );
  }

  /** The stream's last revision, or undefined when it has none. */
  currentRevision(stream: string): number | undefined {
    return this.lastRevision.get(stream)?.revision;
  }

  /** Throws WrongExpectedVersionError, or the insert's error (a duplicate id stored elsewhere, a full disk). */
  append({ stream, events, expected }: SerializedAppend): AppendOutcome {
    const current = expected === 'no_stream' ? undefined : this.currentRevision(stream);
    if (!expectationHolds(expected, current)) return this.retriedOrConflict(stream, events, expected);
    const recordedAt = Date.now();
    let revision = current ?? -1;
    let position = 0;
    for (let i = 0; i < events.length; i += 1) {
      const event = events[i];
      revision += 1;
      let info: Database.RunResult;
      try {
        info = this.insert.run(
          stream,
          revision,
          event.id,
          event.type,
          event.data,
          event.metadata,
          recordedAt,
        );
      } catch (error) {
        // Refused before anything of this append was written: a retry, or the stream is not where expected.
        if (i === 0 && isUniqueViolation(error)) return this.retriedOrConflict(stream, events, expected);
        throw error;
      }
      position = Number(info.lastInsertRowid);
    }
    return { nextExpectedRevision: revision, position, written: true, recordedAt };
  }

  /**
   * The append cannot go where it was expected. If its first event's id is already stored in this stream, the
   * whole append was done before (a retry): answered as then. Otherwise it is a conflict.
   */
  private retriedOrConflict(
    stream: string,
    events: SerializedEvent[],
    expected: ExpectedRevision,
  ): AppendOutcome {
    const first = this.byId.get(events[0].id);
    const found = first ? events.map((e) => this.byId.get(e.id)) : [];
    const complete =
      first !== undefined &&
      found.every((row, i) => row && row.stream_name === stream && row.revision === first.revision + i);
    if (!complete)
      throw new WrongExpectedVersionError(stream, expected, this.currentRevision(stream) ?? 'no_stream');
    const last = found[found.length - 1]!;
    return { nextExpectedRevision: last.revision, position: last.position, written: false, recordedAt: 0 };
  }
}

export function expectationHolds(expected: ExpectedRevision, current: number | undefined): boolean {
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
