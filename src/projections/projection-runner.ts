import { BehaviorSubject, filter, firstValueFrom, map, race, Subscription, timer } from 'rxjs';
import type { EventStore, RecordedEvent } from '../application/ports/event-store';
import type { ReadStore } from '../application/ports/read-store';
import type { Awaitable, Projection } from './projection';

export interface ProjectionRunnerOptions {
  /** Save the checkpoint at most this often (durable stores only). */
  checkpointEveryMs?: number;
  onError?(error: unknown, event: RecordedEvent): void;
}

/**
 * The read store's checkpoint of every projection (one runner feeds them all): the log position the read models
 * stand at. `npm run replay` compares with live read models only when it is the log's head.
 */
export const PROJECTIONS_CHECKPOINT = 'projections';
const CHECKPOINT = PROJECTIONS_CHECKPOINT;

/**
 * Feeds every projection from the global log, in order, from the stored checkpoint. The current position is
 * observable, so a query can wait until its own writes are visible (read-your-writes).
 */
export class ProjectionRunner {
  readonly position$ = new BehaviorSubject<number>(0);
  private subscription?: Subscription;
  private lastCheckpointSave = 0;
  /** The position last saved as the checkpoint (durable stores). */
  private savedCheckpoint = 0;
  private quietSave?: NodeJS.Timeout;
  private readonly byType = new Map<
    string,
    Array<(event: RecordedEvent, store: ReadStore) => Awaitable<void>>
  >();
  private readonly resolved = new Map<
    string,
    Array<(event: RecordedEvent, store: ReadStore) => Awaitable<void>>
  >();
  eventsProcessed = 0;
  /**
   * Handlers that threw (a read model left without that event's change) since the process started, and the last
   * event one threw on: readiness and the metrics show them, since the runner moves on rather than stall.
   */
  failures = 0;
  lastFailure: { position: number; type: string } | null = null;
  /** Events received and not applied yet, applied one at a time in log order by `drain`. */
  private pending: RecordedEvent[] = [];
  private draining = false;
  private stopped = false;

  constructor(
    private readonly store: EventStore,
    private readonly readStore: ReadStore,
    projections: Projection[],
    private readonly options: ProjectionRunnerOptions = {},
  ) {
    for (const projection of projections) {
      for (const [type, handler] of Object.entries(projection.handlers)) {
        if (!handler) continue;
        const list = this.byType.get(type) ?? [];
        list.push(handler);
        this.byType.set(type, list);
      }
    }
  }

  /** The handlers of a type, then the '*' ones (the audit index sees every event); resolved once per type. */
  private handlersFor(type: string) {
    let handlers = this.resolved.get(type);
    if (!handlers) {
      handlers = [...(this.byType.get(type) ?? []), ...(this.byType.get('*') ?? [])];
      this.resolved.set(type, handlers);
    }
    return handlers;
  }

  get position(): number {
    return this.position$.value;
  }

  async start(): Promise<void> {
    const from = await this.readStore.getCheckpoint(CHECKPOINT);
    this.savedCheckpoint = from;
    this.position$.next(from);
    this.stopped = false;
    // A plain queue rather than concatMap: an inner observable per event cost more than most handlers.
    this.subscription = this.store.subscribeToAll({ fromPosition: from }).subscribe({
      next: (event) => {
        this.pending.push(event);
        if (!this.draining) void this.drain();
      },
      error: (error) => this.options.onError?.(error, undefined as never),
    });
  }

  /** Applies queued events in order, one at a time; a failure (the checkpoint write) stops the runner. */
  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.pending.length > 0 && !this.stopped) {
        const events = this.pending;
        this.pending = [];
        for (let i = 0; i < events.length && !this.stopped; i += 1) await this.apply(events[i]);
      }
      if (!this.stopped) this.saveWhenQuiet();
    } catch (error) {
      this.stopped = true;
      this.pending = [];
      this.subscription?.unsubscribe();
      this.options.onError?.(error, undefined as never);
    } finally {
      this.draining = false;
    }
  }

  /** Resolves when every event in the log at the time of the call has been projected. */
  async catchUp(timeoutMs = 30_000): Promise<boolean> {
    return this.waitFor(await this.store.headPosition(), timeoutMs);
  }

  /** Resolves true once projections reached `position`, false if that takes longer than `timeoutMs`. */
  async waitFor(position: number, timeoutMs: number): Promise<boolean> {
    if (this.position >= position) return true;
    return firstValueFrom(
      race(
        this.position$.pipe(
          filter((p) => p >= position),
          map(() => true),
        ),
        timer(timeoutMs).pipe(map(() => false)),
      ),
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.pending = [];
    this.subscription?.unsubscribe();
    clearTimeout(this.quietSave);
    this.quietSave = undefined;
    await this.saveCheckpoint(this.position);
  }

  /**
   * Caught up: the checkpoint follows within checkpointEveryMs, so that it says where the read models stand and not
   * where the last throttled save of a burst left it. A quiet server's checkpoint is then the log's head, which is
   * what `npm run replay` compares its live read models at. One save per quiet moment, not one per drained batch.
   */
  private saveWhenQuiet(): void {
    if (!this.readStore.durable || this.quietSave || this.position <= this.savedCheckpoint) return;
    const every = this.options.checkpointEveryMs ?? 250;
    const wait = Math.max(0, every - (Date.now() - this.lastCheckpointSave));
    this.quietSave = setTimeout(() => {
      this.quietSave = undefined;
      if (this.stopped) return;
      // A failed save is reported; the next one (the next burst's, or stop's) writes the position anyway.
      this.saveCheckpoint(this.position).catch((error: unknown) =>
        this.options.onError?.(error, undefined as never),
      );
    }, wait);
    this.quietSave.unref();
  }

  private async saveCheckpoint(position: number): Promise<void> {
    if (!this.readStore.durable || position <= this.savedCheckpoint) return;
    this.lastCheckpointSave = Date.now();
    this.savedCheckpoint = position;
    await this.readStore.setCheckpoint(CHECKPOINT, position);
  }

  private async apply(event: RecordedEvent): Promise<void> {
    const handlers = this.handlersFor(event.type);
    if (handlers.length > 0) {
      for (const handler of handlers) {
        try {
          await handler(event, this.readStore);
        } catch (error) {
          // A projection bug must not stall every read model: report it, count it, and move on.
          this.failures += 1;
          this.lastFailure = { position: event.position, type: event.type };
          this.options.onError?.(error, event);
        }
      }
    }
    this.eventsProcessed += 1;
    if (
      this.readStore.durable &&
      Date.now() - this.lastCheckpointSave >= (this.options.checkpointEveryMs ?? 250)
    ) {
      await this.saveCheckpoint(event.position);
    }
    this.position$.next(event.position);
  }
}
