import type { Observable } from 'rxjs';

/**
 * The event store port, modelled on EventStoreDB so its adapter is a thin mapping:
 * - expected revision: 'any', 'no_stream', 'stream_exists', or the revision of the stream's last event
 *   (revisions start at 0);
 * - event ids make appends idempotent: appending the same ids again at the same place is a no-op;
 * - the global log is ordered by position; subscriptions start after (exclusive) a checkpoint.
 * Revisions and positions are JavaScript numbers: safe up to 2^53, far past any stream here.
 */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | number;

export interface EventMetadata {
  /** Ties together everything one user action caused, across streams and sagas. */
  correlationId: string;
  /** The id of the message (request, command or event) that directly caused this event. */
  causationId: string;
  /** The acting user (or 'system' / a saga name). */
  userId: string;
  /** The HTTP request id, when the cause was a request. */
  requestId?: string;
  /** Payload schema version of the event type. */
  schemaVersion: number;
  [key: string]: unknown;
}

export interface EventToAppend {
  /** UUID; appending an id already in the stream at the same place is idempotent. */
  id: string;
  type: string;
  data: unknown;
  metadata: EventMetadata;
}

export interface RecordedEvent<Data = unknown> {
  id: string;
  streamName: string;
  type: string;
  data: Data;
  metadata: EventMetadata;
  revision: number;
  position: number;
  recordedAt: Date;
}

export interface AppendResult {
  /** Revision of the stream's last event after this append. */
  nextExpectedRevision: number;
  /** Global position of the last event written (or found, for an idempotent retry). */
  position: number;
}

export interface ReadStreamOptions {
  direction?: 'forwards' | 'backwards';
  /** Inclusive. Default: the start (forwards) or the end (backwards). */
  fromRevision?: number;
  maxCount?: number;
}

export interface ReadAllOptions {
  /** Exclusive: events strictly after this position. Default 0 (the start). */
  fromPosition?: number;
  maxCount?: number;
}

export interface SubscribeOptions {
  /** Exclusive checkpoint: the subscription delivers events after it. Default 0 (everything). */
  fromPosition?: number;
  /**
   * Only events of these types (default: all). The store skips the others without decoding them, so a
   * subscriber that wants a few types of a busy log (the bus forwarder) does not pay for the rest.
   */
  eventTypes?: readonly string[];
}

export class WrongExpectedVersionError extends Error {
  constructor(
    readonly streamName: string,
    readonly expected: ExpectedRevision,
    /** The stream's actual last revision, or 'no_stream'. */
    readonly actual: number | 'no_stream',
  ) {
    super(`Wrong expected version on ${streamName}: expected ${String(expected)}, actual ${String(actual)}`);
    this.name = 'WrongExpectedVersionError';
  }
}

/** A stored event that cannot be read back as an event (its payload or metadata is not JSON): the log is damaged. */
export class UnreadableEventError extends Error {
  constructor(at: { position: number; streamName: string; revision: number; type: string }, why: string) {
    super(
      `the event at position ${at.position} (${at.type}, ${at.streamName} revision ${at.revision}) is damaged: ${why}`,
    );
    this.name = 'UnreadableEventError';
  }
}

export interface AppendOptions {
  expectedRevision?: ExpectedRevision;
  /**
   * Write at once instead of with the next group commit (stores that group appends, like the SQLite one): for a
   * retry after a conflict, where waiting would widen the window in which another process writes first again.
   */
  immediate?: boolean;
}

/** One stream's part of an `appendMany`. */
export interface StreamAppend {
  stream: string;
  events: EventToAppend[];
  expectedRevision: ExpectedRevision;
}

export interface EventStore {
  append(stream: string, events: EventToAppend[], options?: AppendOptions): Promise<AppendResult>;
  /**
   * Appends to several streams atomically: all of them or none (a wrong expected revision on one fails the whole
   * call with WrongExpectedVersionError). Only stores that can do it have it (SQLite: one transaction); callers
   * fall back to one append per stream without it.
   */
  appendMany?(appends: StreamAppend[]): Promise<AppendResult[]>;
  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Catch-up from the checkpoint, then live, with no gap and no duplicate. Errors end the Observable. */
  subscribeToAll(options?: SubscribeOptions): Observable<RecordedEvent>;
  /** Position of the newest event in the log (0 when empty). */
  headPosition(): Promise<number>;
  /**
   * A number that changes whenever another writer (another process, another connection) may have appended since
   * it was last read, and never for this store's own appends: while it stays the same, a state folded from this
   * store's reads and appends is still current, with no read to prove it. Only stores that can tell cheaply have it
   * (SQLite: `PRAGMA data_version`); without it, callers read.
   */
  externalWriteMark?(): number;
  close(): Promise<void>;
}

export const EVENT_STORE = Symbol.for('EventStore');
