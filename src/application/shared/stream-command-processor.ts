import type { Decider, DomainEvent, Snapshotting } from '../../domain/shared/decider';
import { EventStore, EventToAppend, RecordedEvent, WrongExpectedVersionError } from '../ports/event-store';
import type { Clock } from '../ports/clock';
import type { SnapshotStore } from '../ports/snapshot-store';
import type { CommandMetadata } from './command-metadata';
import { currentSchemaVersion } from '../events/event-schemas';
import { timeOrderedUuid } from './time-ordered-ids';

/** Everything the processor needs to know about one kind of aggregate. */
export interface AggregateDefinition<Command, Event extends DomainEvent, State, Context> {
  streamName(id: string): string;
  decider: Decider<Command, Event, State, Context>;
  snapshots?: Snapshotting<State>;
  /** Payload schema version per event type (default: the registry in events/event-schemas.ts); stored in metadata. */
  schemaVersion?(type: string): number;
  /** Turns a stored event (already upcast to its current schema version by the store) into a domain event. */
  fromRecorded?(event: RecordedEvent): Event;
  /** Facts outside the stream the decider needs (the clock, a venue layout). Resolved once per batch. */
  context(state: State, id: string): Context | Promise<Context>;
}

export interface CommandOutcome<Event> {
  /** Events this command recorded (empty when the command changed nothing). */
  events: Event[];
  /** Global log position at or after this command's events: send it back as X-Log-Position. */
  position: number;
  /** Stream revision after the batch that carried this command. */
  revision: number;
}

/** Another process kept winning the race for the stream; the caller may retry later (HTTP 503). */
export class ConcurrencyConflictError extends Error {
  constructor(
    readonly stream: string,
    readonly attempts: number,
  ) {
    super(`Stream ${stream} kept changing under us after ${attempts} attempts`);
    this.name = 'ConcurrencyConflictError';
  }
}

export interface ProcessorOptions {
  /** Commands decided together and appended in one write. */
  maxBatch?: number;
  /** Retries after a wrong-expected-version before answering ConcurrencyConflictError. */
  maxConflictRetries?: number;
  /** Save a snapshot after at least this many new events (when the aggregate supports snapshots)... */
  snapshotEvery?: number;
  /** ...and at most once per this many milliseconds per stream: a big state costs milliseconds to serialize. */
  snapshotMinIntervalMs?: number;
  /** Streams whose state stays cached (least recently used are dropped). */
  maxCachedStreams?: number;
  /** Page size when folding a stream. */
  loadPageSize?: number;
  /**
   * For streams this processor mostly creates (a ticket, a barcode): a stream not cached is decided as new, without
   * reading it, and the append's `no_stream` expectation checks that (a stream that exists after all conflicts, is
   * read, and the batch is decided again). Only a batch in which every command records events proves it: a refusal,
   * or a command that changes nothing, is decided again on the stream as it is. Default off.
   */
  assumeNewStreams?: boolean;
}

export interface ProcessorStats {
  commands: number;
  batches: number;
  appends: number;
  conflicts: number;
  reloads: number;
  /** Batches refused on a cached state another process had moved past: decided again on the current one. */
  staleRefusals: number;
}

interface Pending<Command, Event> {
  command: Command;
  metadata: CommandMetadata;
  resolve(outcome: CommandOutcome<Event>): void;
  reject(error: unknown): void;
}

interface CachedState<State> {
  state: State;
  revision: number; // -1: no stream yet
  snapshotRevision: number;
  snapshotAt: number;
  /** The store's externalWriteMark when this state was last known current (undefined: never checked). */
  externalMark?: number;
}

interface StreamSlot<Command, Event, State> {
  queue: Pending<Command, Event>[];
  draining: boolean;
  /** Commands of the batch being decided and appended now. */
  inFlight: number;
  cached?: CachedState<State>;
  /**
   * The append under way, if any: written after `revision`, its first event `firstEventId`, `count` events. Once
   * committed, the store shows them before their append is answered: readFresh tells them from another process's.
   */
  appending?: { revision: number; firstEventId: string; count: number };
}

/**
 * The hot-stream command path, written once for every aggregate.
 *
 * Commands for one stream wait in one queue. A drain takes up to maxBatch of them, decides each in order
 * against the cached state (so later commands see earlier ones), and appends all their events in ONE write
 * with the cached revision as the expected revision (group commit). If another process wrote meanwhile the
 * append fails, the state (which already folded the unwritten events) is dropped, reloaded from the latest
 * snapshot plus the stream's tail, and the whole batch is decided again, a bounded number of times.
 * Each command's answer (its events, or its domain error) is released only once the batch is durable.
 */
export class StreamCommandProcessor<Command, Event extends DomainEvent, State, Context> {
  private readonly slots = new Map<string, StreamSlot<Command, Event, State>>();
  private readonly options: Required<ProcessorOptions>;
  readonly stats: ProcessorStats = {
    commands: 0,
    batches: 0,
    appends: 0,
    conflicts: 0,
    reloads: 0,
    staleRefusals: 0,
  };

  constructor(
    private readonly store: EventStore,
    private readonly definition: AggregateDefinition<Command, Event, State, Context>,
    private readonly snapshotStore?: SnapshotStore,
    options: ProcessorOptions = {},
  ) {
    this.options = {
      maxBatch: options.maxBatch ?? 500,
      maxConflictRetries: options.maxConflictRetries ?? 20,
      snapshotEvery: options.snapshotEvery ?? 5000,
      snapshotMinIntervalMs: options.snapshotMinIntervalMs ?? 10_000,
      maxCachedStreams: options.maxCachedStreams ?? 10_000,
      loadPageSize: options.loadPageSize ?? 10_000,
      assumeNewStreams: options.assumeNewStreams ?? false,
    };
  }

  execute(id: string, command: Command, metadata: CommandMetadata): Promise<CommandOutcome<Event>> {
    return new Promise((resolve, reject) => {
      const slot = this.slot(id);
      slot.queue.push({ command, metadata, resolve, reject });
      this.stats.commands += 1;
      if (!slot.draining) {
        slot.draining = true;
        // Let the commands already arriving in this tick of the event loop join the first batch.
        setImmediate(() => void this.drain(id, slot));
      }
    });
  }

  /** The current state of a stream, as the processor sees it (loads and caches it if needed). */
  async read(id: string): Promise<{ state: State; revision: number }> {
    const slot = this.slot(id);
    slot.cached ??= await this.load(id);
    return { state: slot.cached.state, revision: slot.cached.revision };
  }

  /**
   * The state as the store has it now, for queries: another process may have appended since the state was
   * cached (commands need no such check: their append carries the expected revision). Costs one short read
   * when the cache is current, and none while the store's externalWriteMark says no other writer wrote since the
   * cache was last known current (streams written around this processor on the same store must be `forget`-ed).
   * A stream not cached yet is loaded without being cached, so lookups of made-up ids (an unknown email) do not
   * fill the cache; `keep` caches it all the same, for a caller about to send the
   * stream commands (they then decide on the state read here, with no second read).
   */
  async readFresh(id: string, options: { keep?: boolean } = {}): Promise<{ state: State; revision: number }> {
    const slot = options.keep ? this.slot(id) : this.slots.get(id);
    const cached = slot?.cached;
    if (slot && cached) {
      // No other writer since the cache was last known current: nothing can have changed it.
      const mark = this.store.externalWriteMark?.();
      if (mark !== undefined && cached.externalMark === mark)
        return { state: cached.state, revision: cached.revision };
      // Mid-batch the cache also folds events being appended; still, another process may have appended since
      // (WORKERS > 1), and then the store's state is read below (not cached: the batch's append will conflict).
      const { revision } = cached;
      const appending = slot.appending?.revision === revision ? slot.appending : undefined;
      const stream = this.definition.streamName(id);
      const newer = await this.store.readStream(stream, { fromRevision: revision + 1, maxCount: 1 });
      if (newer.length === 0) {
        cached.externalMark = mark;
        return { state: cached.state, revision };
      }
      // The batch under way is committed, not yet answered: the cache folds it, unless more came after it.
      if (appending && newer[0].id === appending.firstEventId) {
        const after = await this.store.readStream(stream, {
          fromRevision: revision + 1 + appending.count,
          maxCount: 1,
        });
        if (after.length === 0) return { state: cached.state, revision: revision + appending.count };
      }
    }
    const loaded = await this.load(id);
    if (
      slot &&
      !slot.draining &&
      this.slots.get(id) === slot &&
      (slot.cached?.revision ?? -2) < loaded.revision
    )
      slot.cached = loaded;
    return { state: loaded.state, revision: loaded.revision };
  }

  /**
   * Commands for the stream not answered yet: waiting in its queue plus the batch being written. Read-only; the
   * partner API turns cart calls into 202 polling when an event's stream is this busy.
   */
  pendingCommands(id: string): number {
    const slot = this.slots.get(id);
    return slot ? slot.queue.length + slot.inFlight : 0;
  }

  /**
   * A stream was written around this processor (several streams in one atomic append): drop its cached state, so
   * the next command or read loads it. A stream in use by a batch keeps it: that batch's append, with the expected
   * revision, finds out, and the next readFresh reads the stream (a write on this store's own connection leaves
   * externalWriteMark as it was).
   */
  forget(id: string): void {
    const slot = this.slots.get(id);
    if (slot && !slot.draining && slot.queue.length === 0) this.slots.delete(id);
    else if (slot?.cached) slot.cached.externalMark = undefined;
  }

  /** Forget cached state (tests; or after an operator repaired a stream). */
  evict(id?: string): void {
    if (id === undefined) this.slots.clear();
    else this.slots.delete(id);
  }

  private slot(id: string): StreamSlot<Command, Event, State> {
    let slot = this.slots.get(id);
    if (slot) {
      // Refresh LRU order.
      this.slots.delete(id);
      this.slots.set(id, slot);
      return slot;
    }
    slot = { queue: [], draining: false, inFlight: 0 };
    this.slots.set(id, slot);
    this.evictIdle();
    return slot;
  }

  private evictIdle(): void {
    if (this.slots.size <= this.options.maxCachedStreams) return;
    for (const [key, slot] of this.slots) {
      if (this.slots.size <= this.options.maxCachedStreams) break;
      if (!slot.draining && slot.queue.length === 0) this.slots.delete(key);
    }
  }

  private async drain(id: string, slot: StreamSlot<Command, Event, State>): Promise<void> {
    try {
      while (slot.queue.length > 0) {
        const batch = slot.queue.splice(0, this.options.maxBatch);
        slot.inFlight = batch.length;
        await this.runBatch(id, slot, batch);
        slot.inFlight = 0;
      }
    } finally {
      slot.inFlight = 0;
      slot.draining = false;
      // A command may have arrived between the last splice and now.
      if (slot.queue.length > 0) {
        slot.draining = true;
        setImmediate(() => void this.drain(id, slot));
      }
    }
  }

  private async runBatch(
    id: string,
    slot: StreamSlot<Command, Event, State>,
    batch: Pending<Command, Event>[],
  ): Promise<void> {
    const stream = this.definition.streamName(id);
    this.stats.batches += 1;
    let assumeNew = this.options.assumeNewStreams;
    for (let attempt = 0; ; attempt += 1) {
      let decided: Array<{ events: Event[] } | { error: unknown }>;
      let cached: CachedState<State>;
      const toAppend: EventToAppend[] = [];
      // Assumed new (assumeNewStreams): kept out of the cache until the append proves it.
      const assumed = assumeNew && !slot.cached;
      try {
        cached = slot.cached ?? (assumed ? this.newStream() : await this.load(id));
        if (!assumed) slot.cached = cached;
        const context = await this.definition.context(cached.state, id);
        decided = batch.map((pending) => {
          try {
            const events = this.definition.decider.decide(pending.command, cached.state, context);
            for (const event of events) {
              cached.state = this.definition.decider.evolve(cached.state, event);
              toAppend.push(this.toAppend(event, pending.metadata));
            }
            return { events };
          } catch (error) {
            return { error };
          }
        });
      } catch (error) {
        // Loading or resolving the context failed: nothing was decided.
        slot.cached = undefined;
        for (const pending of batch) pending.reject(error);
        return;
      }

      if (assumed && decided.some((outcome) => 'error' in outcome || outcome.events.length === 0)) {
        // Only an append of every command's events tests the assumption: decide again on the stream as it is.
        assumeNew = false;
        attempt -= 1; // not a conflict
        continue;
      }
      if (toAppend.length === 0) {
        // Nothing to append, so no expected revision can reveal a stale cache: a refusal decided on it is wrong
        // when another process (WORKERS > 1, another instance) appended since. One short read tells; then the
        // batch is decided again on the stream as it is now.
        if (
          attempt < this.options.maxConflictRetries &&
          decided.some((outcome) => 'error' in outcome) &&
          (await this.caughtUp(stream, cached))
        ) {
          this.stats.staleRefusals += 1;
          continue;
        }
        this.settle(batch, decided, await this.store.headPosition(), cached.revision);
        return;
      }
      try {
        const expectedRevision = cached.revision < 0 ? 'no_stream' : cached.revision;
        slot.appending = { revision: cached.revision, firstEventId: toAppend[0].id, count: toAppend.length };
        // A retry after a conflict is written at once: another process is writing to this stream right now.
        const result = await this.store
          .append(stream, toAppend, {
            expectedRevision,
            immediate: attempt > 0,
          })
          .finally(() => (slot.appending = undefined));
        this.stats.appends += 1;
        cached.revision = result.nextExpectedRevision;
        if (assumed) slot.cached = cached; // proven new: newer than anything a read cached meanwhile
        this.settle(batch, decided, result.position, cached.revision);
        this.maybeSnapshot(stream, cached);
        return;
      } catch (error) {
        // The cached state folded events that were not written: it must be rebuilt from the store.
        slot.cached = undefined;
        assumeNew = false;
        if (error instanceof WrongExpectedVersionError) {
          this.stats.conflicts += 1;
          if (attempt < this.options.maxConflictRetries) continue;
          const conflict = new ConcurrencyConflictError(stream, attempt + 1);
          for (const pending of batch) pending.reject(conflict);
          return;
        }
        for (const pending of batch) pending.reject(error);
        return;
      }
    }
  }

  private settle(
    batch: Pending<Command, Event>[],
    decided: Array<{ events: Event[] } | { error: unknown }>,
    position: number,
    revision: number,
  ): void {
    batch.forEach((pending, i) => {
      const outcome = decided[i];
      if ('error' in outcome) pending.reject(outcome.error);
      else pending.resolve({ events: outcome.events, position, revision });
    });
  }

  private toAppend(event: Event, metadata: CommandMetadata): EventToAppend {
    return {
      // Time-ordered ids keep the store's unique index on event ids append-only (random UUIDs cost ~5x on writes).
      id: timeOrderedUuid(),
      type: event.type,
      data: event.data,
      metadata: {
        ...metadata,
        schemaVersion: this.definition.schemaVersion?.(event.type) ?? currentSchemaVersion(event.type),
      },
    };
  }

  private newStream(): CachedState<State> {
    return {
      state: this.definition.decider.initialState(),
      revision: -1,
      snapshotRevision: -1,
      snapshotAt: 0,
    };
  }

  private async load(id: string): Promise<CachedState<State>> {
    this.stats.reloads += 1;
    // Taken before reading: a write by another process during the read changes it, and the next check reads.
    const externalMark = this.store.externalWriteMark?.();
    const stream = this.definition.streamName(id);
    const { decider, snapshots } = this.definition;
    let state = decider.initialState();
    let revision = -1;
    if (snapshots && this.snapshotStore) {
      const snapshot = await this.snapshotStore.load(stream);
      if (snapshot && snapshot.version === snapshots.snapshotVersion) {
        state = snapshots.fromSnapshot(snapshot.state);
        revision = snapshot.revision;
      }
    }
    const snapshotRevision = revision;
    for (;;) {
      const page = await this.store.readStream(stream, {
        fromRevision: revision + 1,
        maxCount: this.options.loadPageSize,
      });
      for (const recorded of page) {
        state = decider.evolve(state, this.fromRecorded(recorded));
        revision = recorded.revision;
      }
      if (page.length < this.options.loadPageSize) break;
    }
    return { state, revision, snapshotRevision, snapshotAt: 0, externalMark };
  }

  /** Folds into `cached` what other processes appended after it; true when there was anything. */
  private async caughtUp(stream: string, cached: CachedState<State>): Promise<boolean> {
    let changed = false;
    for (;;) {
      const page = await this.store.readStream(stream, {
        fromRevision: cached.revision + 1,
        maxCount: this.options.loadPageSize,
      });
      for (const recorded of page) {
        cached.state = this.definition.decider.evolve(cached.state, this.fromRecorded(recorded));
        cached.revision = recorded.revision;
        changed = true;
      }
      if (page.length < this.options.loadPageSize) return changed;
    }
  }

  private fromRecorded(recorded: RecordedEvent): Event {
    return this.definition.fromRecorded
      ? this.definition.fromRecorded(recorded)
      : ({ type: recorded.type, data: recorded.data } as Event);
  }

  private maybeSnapshot(stream: string, cached: CachedState<State>): void {
    const { snapshots } = this.definition;
    if (!snapshots || !this.snapshotStore) return;
    if (cached.revision - cached.snapshotRevision < this.options.snapshotEvery) return;
    if (Date.now() - cached.snapshotAt < this.options.snapshotMinIntervalMs) return;
    cached.snapshotRevision = cached.revision;
    cached.snapshotAt = Date.now();
    // toSnapshot runs now, before later commands mutate the state; the write itself may finish later.
    const snapshot = {
      revision: cached.revision,
      version: snapshots.snapshotVersion,
      state: snapshots.toSnapshot(cached.state),
    };
    this.snapshotStore.save(stream, snapshot).catch(() => {
      cached.snapshotRevision = -1; // try again at the next threshold; a missing snapshot only costs load time
    });
  }
}

/** The processor of an aggregate whose decider needs nothing outside its stream but the time. */
export function clockedProcessor<Command, Event extends DomainEvent, State>(
  store: EventStore,
  clock: Clock,
  streamName: (id: string) => string,
  decider: Decider<Command, Event, State, { now: Date }>,
  options?: ProcessorOptions,
): StreamCommandProcessor<Command, Event, State, { now: Date }> {
  return new StreamCommandProcessor(
    store,
    { streamName, decider, context: () => ({ now: clock.now() }) },
    undefined,
    options,
  );
}
