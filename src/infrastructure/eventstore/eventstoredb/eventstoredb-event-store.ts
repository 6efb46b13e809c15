import {
  ANY,
  END,
  EventStoreDBClient,
  MaxAppendSizeExceededError,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  WrongExpectedVersionError as EsdbWrongExpectedVersionError,
  excludeSystemEvents,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type AppendExpectedRevision,
  type JSONEventData,
  type JSONType,
  type Position,
  type ResolvedEvent,
} from '@eventstore/db-client';
import { Observable } from 'rxjs';
import {
  WrongExpectedVersionError,
  type AppendResult,
  type EventMetadata,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeOptions,
} from '../../../application/ports/event-store';

/**
 * The event store port on EventStoreDB (@eventstore/db-client 6.x). Everything that talks to the client is in
 * this one file, so moving to @kurrent/kurrentdb-client (KurrentDB) replaces this file and nothing else.
 *
 * Mapping (see ../shared/DESIGN.md, "EventStoreDB facts"):
 * - expected revisions map one to one; the server's WrongExpectedVersion becomes ours, with the caller's
 *   expectation and the actual revision; event ids are passed through, so the server dedupes retries.
 * - a position is the event's `$all` commit position (a byte offset, so only its order means something). gRPC
 *   appends write one log record per event with commit == prepare, so {commit: p, prepare: p} addresses it again.
 * - system events (types starting with `$`) are filtered out: server-side in the subscription, client-side in
 *   readAll (the 6.x client's readAll takes no filter).
 * - the live subscription resubscribes from the last delivered position after a dropped connection.
 * Needs a server >= 22.6 (stream reads return event positions); the compose file runs a current one.
 */

/** The server's default maximum append size (`MaxAppendSize`, 1 MiB). */
export const DEFAULT_MAX_APPEND_BYTES = 1_048_576;
const READ_PAGE = 1_000;

export interface EventStoreDbOptions {
  /** Refuse, before sending, a batch whose data + metadata exceed this; keep it at or below the server's. */
  maxAppendBytes?: number;
  /** Delay before the n-th resubscription after a dropped subscription (default 250 ms doubling to 5 s). */
  resubscribeDelayMs?: (attempt: number) => number;
  /** Told about each resubscription (a log line in production). */
  onResubscribe?: (error: Error, attempt: number) => void;
}

/** An append that would exceed the server's size limit (refused before sending, or by the server). */
export class AppendTooLargeError extends Error {
  constructor(
    readonly streamName: string,
    readonly bytes: number | undefined,
    readonly limit: number,
  ) {
    super(
      `Append to ${streamName} is ${bytes === undefined ? 'over' : `${bytes} bytes,`} the EventStoreDB limit of ${limit} bytes: ` +
        'append fewer events at once',
    );
    this.name = 'AppendTooLargeError';
  }
}

export class EventStoreDbEventStore implements EventStore {
  readonly client: EventStoreDBClient;
  private readonly maxAppendBytes: number;
  private readonly live = new Set<AllStreamSubscription>();
  private closed = false;

  /** `connectionString`: esdb://host:2113?tls=false (or esdb+discover://... for a cluster). */
  constructor(
    connectionString: string,
    private readonly options: EventStoreDbOptions = {},
  ) {
    this.client = EventStoreDBClient.connectionString(connectionString);
    this.maxAppendBytes = options.maxAppendBytes ?? DEFAULT_MAX_APPEND_BYTES;
  }

  async append(
    stream: string,
    events: EventToAppend[],
    options: { expectedRevision?: ExpectedRevision } = {},
  ): Promise<AppendResult> {
    const expected = options.expectedRevision ?? 'any';
    const bytes = appendBytes(events);
    if (bytes > this.maxAppendBytes) throw new AppendTooLargeError(stream, bytes, this.maxAppendBytes);
    try {
      const result = await this.client.appendToStream(stream, events.map(toEventData), {
        expectedRevision: toEsdbExpectedRevision(expected),
      });
      const revision = toSafeNumber(result.nextExpectedRevision, 'revision');
      // An idempotent retry (the ids were written before) may come back without a position: look it up.
      const position = result.position
        ? toSafeNumber(result.position.commit, 'position')
        : (await this.readStream(stream, { fromRevision: revision, maxCount: 1 }))[0]?.position;
      if (position === undefined)
        throw new Error(`EventStoreDB returned no position for ${stream}@${revision}`);
      return { nextExpectedRevision: revision, position };
    } catch (error) {
      throw mapAppendError(error, stream, expected, this.maxAppendBytes);
    }
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    const out: RecordedEvent[] = [];
    try {
      const read = this.client.readStream(stream, {
        direction: backwards ? 'backwards' : 'forwards',
        fromRevision:
          options.fromRevision === undefined ? (backwards ? END : START) : BigInt(options.fromRevision),
        maxCount: options.maxCount ?? Number.MAX_SAFE_INTEGER,
      });
      for await (const resolved of read) {
        const event = fromResolved(resolved);
        if (event) out.push(event);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return out;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const after = options.fromPosition ?? 0;
    const maxCount = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    const out: RecordedEvent[] = [];
    // The server's `fromPosition` is inclusive and ours exclusive; pages also restart at (and so repeat) the last
    // event read. `floor` is the newest position seen: anything at or below it was already handled.
    let floor = after;
    let from: Position | typeof START = after > 0 ? toEsdbPosition(after) : START;
    for (;;) {
      let seen = 0;
      let last: Position | undefined;
      for await (const resolved of this.client.readAll({ fromPosition: from, maxCount: READ_PAGE })) {
        seen += 1;
        const event = fromResolved(resolved);
        if (!event || event.position <= floor) continue;
        last = resolved.event?.position;
        floor = event.position;
        if (isSystemEvent(event)) continue;
        out.push(event);
        if (out.length >= maxCount) return out;
      }
      if (seen < READ_PAGE || !last) return out;
      from = last;
    }
  }

  async headPosition(): Promise<number> {
    // The newest event that is not a system event: what subscribers will eventually have seen.
    let from: Position | typeof END = END;
    for (;;) {
      let seen = 0;
      let last: Position | undefined;
      for await (const resolved of this.client.readAll({
        direction: 'backwards',
        fromPosition: from,
        maxCount: READ_PAGE,
      })) {
        seen += 1;
        last = resolved.event?.position ?? last;
        const event = fromResolved(resolved);
        if (event && !isSystemEvent(event)) return event.position;
      }
      if (seen < READ_PAGE || !last) return 0;
      from = last;
    }
  }

  subscribeToAll(options: SubscribeOptions = {}): Observable<RecordedEvent> {
    const types = options.eventTypes ? new Set(options.eventTypes) : undefined;
    return new Observable<RecordedEvent>((subscriber) => {
      // Exclusive checkpoint: the server's subscription start is exclusive too. undefined = from the start.
      let checkpoint = options.fromPosition ? options.fromPosition : undefined;
      let attempt = 0;
      let current: AllStreamSubscription | undefined;
      let retry: NodeJS.Timeout | undefined;
      let stopped = false;

      const open = () => {
        if (stopped || this.closed) return;
        const subscription = this.client.subscribeToAll({
          fromPosition: checkpoint === undefined ? START : toEsdbPosition(checkpoint),
          filter: excludeSystemEvents(),
        });
        current = subscription;
        this.live.add(subscription);
        subscription.on('data', (resolved: AllStreamResolvedEvent) => {
          attempt = 0;
          const event = fromResolved(resolved);
          // After a resubscription the server may repeat what was delivered: positions only move forward.
          if (!event || isSystemEvent(event) || (checkpoint !== undefined && event.position <= checkpoint))
            return;
          checkpoint = event.position;
          if (types && !types.has(event.type)) return;
          subscriber.next(event);
        });
        const dropped = (error: Error) => {
          this.live.delete(subscription);
          if (stopped || this.closed || current !== subscription) return;
          current = undefined;
          if (!isTransient(error)) {
            subscriber.error(error);
            return;
          }
          attempt += 1;
          this.options.onResubscribe?.(error, attempt);
          retry = setTimeout(open, (this.options.resubscribeDelayMs ?? backoff)(attempt));
        };
        subscription.on('error', dropped);
        subscription.on('end', () => dropped(new Error('EventStoreDB subscription ended')));
      };

      open();
      return () => {
        stopped = true;
        if (retry) clearTimeout(retry);
        if (current) {
          this.live.delete(current);
          void current.unsubscribe().catch(() => undefined);
        }
      };
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.live].map((s) => s.unsubscribe().catch(() => undefined)));
    this.live.clear();
    await this.client.dispose();
  }
}

// ---- mapping, exported for the unit tests -------------------------------------------------------------------

export function toEsdbExpectedRevision(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      if (!Number.isSafeInteger(expected) || expected < 0)
        throw new RangeError(`expected revision must be an integer >= 0, got ${expected}`);
      return BigInt(expected);
  }
}

/** The server's errors in our terms; anything else passes through unchanged. */
export function mapAppendError(
  error: unknown,
  stream: string,
  expected: ExpectedRevision,
  limit: number,
): unknown {
  if (error instanceof EsdbWrongExpectedVersionError) {
    const actual = error.actualVersion;
    return new WrongExpectedVersionError(
      stream,
      expected,
      actual === NO_STREAM ? 'no_stream' : toSafeNumber(actual, 'revision'),
    );
  }
  if (error instanceof MaxAppendSizeExceededError)
    return new AppendTooLargeError(stream, undefined, error.maxAppendSize ?? limit);
  return error;
}

/** What the server counts against its append size limit: each event's data and metadata. */
export function appendBytes(events: EventToAppend[]): number {
  let bytes = 0;
  for (const event of events)
    bytes +=
      Buffer.byteLength(JSON.stringify(event.data) ?? '') +
      Buffer.byteLength(JSON.stringify(event.metadata) ?? '');
  return bytes;
}

export function toEventData(event: EventToAppend): JSONEventData {
  return {
    id: event.id,
    contentType: 'application/json',
    type: event.type,
    data: asJson(event.data, 'data'),
    metadata: asJson(event.metadata, 'metadata'),
  };
}

/** A stored event in our terms; undefined for an unresolved link (links are not used by this application). */
export function fromResolved(resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent | undefined {
  const event = resolved.event;
  if (!event) return undefined;
  const commit = event.position?.commit ?? resolved.commitPosition;
  if (commit === undefined)
    throw new Error('EventStoreDB returned an event without its position: a server >= 22.6 is required');
  return {
    id: event.id,
    streamName: event.streamId,
    type: event.type,
    data: event.isJson ? event.data : decodeJson(event.data),
    metadata: parseMetadata(event.metadata),
    revision: toSafeNumber(event.revision, 'revision'),
    position: toSafeNumber(commit, 'position'),
    recordedAt: event.created,
  };
}

/** The same predicate as the server-side filter (`excludeSystemEvents`: event types starting with `$`). */
export function isSystemEvent(event: Pick<RecordedEvent, 'type' | 'streamName'>): boolean {
  return event.type.startsWith('$') || event.streamName.startsWith('$');
}

export function toEsdbPosition(position: number): Position {
  return { commit: BigInt(position), prepare: BigInt(position) };
}

export function toSafeNumber(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < 0n)
    throw new RangeError(`EventStoreDB ${what} ${value} is outside 0..2^53`);
  return Number(value);
}

/** Transient: the connection dropped or a node changed role; anything else (access denied...) is final. */
export function isTransient(error: Error): boolean {
  const type = (error as { type?: unknown }).type;
  return (
    type === undefined ||
    ['unavailable', 'deadline-exceeded', 'timeout', 'not-leader', 'unknown', 'cancelled'].includes(
      String(type),
    )
  );
}

function backoff(attempt: number): number {
  return Math.min(5_000, 250 * 2 ** (attempt - 1));
}

function asJson(value: unknown, what: string): JSONType {
  if (typeof value === 'string' || (value !== null && typeof value === 'object')) return value as JSONType;
  throw new TypeError(`event ${what} must be a JSON object, array or string, got ${typeof value}`);
}

function decodeJson(bytes: Uint8Array): unknown {
  return JSON.parse(Buffer.from(bytes).toString('utf8'));
}

function parseMetadata(metadata: unknown): EventMetadata {
  const parsed = metadata instanceof Uint8Array ? decodeJson(metadata) : metadata;
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new TypeError('EventStoreDB event metadata is not a JSON object');
  return parsed as EventMetadata;
}
