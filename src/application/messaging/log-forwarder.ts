import { bufferTime, filter, Subscription } from 'rxjs';
import type { CheckpointStore } from '../ports/checkpoint-store';
import type { EventStore, RecordedEvent } from '../ports/event-store';
import type { MessageBus } from '../ports/message-bus';

export interface ForwarderOptions {
  /** Event types worth a message; everything else stays in the log only. */
  types: ReadonlySet<string>;
  name?: string;
  onError?(error: unknown): void;
  /** Batches being published at once (default 8); their checkpoints are still written in log order. */
  maxBatchesInFlight?: number;
}

/**
 * Moves events from the log to the bus, in log order, from a stored checkpoint. A batch is published (each
 * message confirmed by the bus) before the checkpoint moves past it, so a crash can only cause a batch to be
 * published again, never skipped: consumers dedupe on the message id (the event id).
 *
 * What "confirmed" means is the bus's business: RabbitMQ confirms once the message is persisted in its queues;
 * the in-process bus (confirmOnSettle) only once the consumers have done the work, since its queues die with the
 * process. A message being retried with backoff therefore holds the checkpoint (and the batches after it) back:
 * slower, but a crash then re-drives it instead of forgetting it.
 *
 * Batches are pipelined: the next one is published while earlier ones still wait for their confirmations (with
 * the in-process bus, for the sagas to finish: a batch of confirmations need not wait for the payments of the batch
 * before), up to maxBatchesInFlight. Publishing starts in log order; a checkpoint is written only once its batch
 * and every batch before it are confirmed.
 */
export class LogForwarder {
  private subscription?: Subscription;
  private stopped = false;
  /** Set when a batch was given up (stopping): no checkpoint may move past it in this run. */
  private abandoned = false;
  /** Batches received and not yet being published (more than maxBatchesInFlight arrived). */
  private readonly backlog: RecordedEvent[][] = [];
  private publishing = 0;
  /** The chain of checkpoint writes, in batch order; close() waits for it before the stores close. */
  private checkpointed: Promise<void> = Promise.resolve();
  private readonly name: string;
  private readonly maxBatchesInFlight: number;
  forwarded = 0;
  position = 0;

  constructor(
    private readonly store: EventStore,
    private readonly bus: MessageBus,
    private readonly checkpoints: CheckpointStore,
    private readonly options: ForwarderOptions,
  ) {
    this.name = options.name ?? 'bus-forwarder';
    this.maxBatchesInFlight = options.maxBatchesInFlight ?? 8;
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.abandoned = false;
    this.position = await this.checkpoints.get(this.name);
    this.subscription = this.store
      .subscribeToAll({ fromPosition: this.position, eventTypes: [...this.options.types] })
      .pipe(
        bufferTime(20, null, 500),
        filter((batch) => batch.length > 0),
      )
      .subscribe({
        next: (batch) => {
          this.backlog.push(batch);
          this.startBatches();
        },
        error: (error) => this.options.onError?.(error),
      });
  }

  /** Starts publishing backlogged batches, oldest first, while fewer than maxBatchesInFlight are in flight. */
  private startBatches(): void {
    while (!this.stopped && this.publishing < this.maxBatchesInFlight && this.backlog.length > 0) {
      const batch = this.backlog.shift()!;
      this.publishing += 1;
      const published = this.publish(batch);
      this.checkpointed = this.checkpointed
        .then(async () => {
          if (!(await published) || this.abandoned) {
            this.abandoned = true;
            return;
          }
          this.forwarded += batch.filter((event) => this.options.types.has(event.type)).length;
          this.position = batch[batch.length - 1].position;
          await this.checkpoints.set(this.name, this.position);
        })
        .catch((error: unknown) => {
          // The checkpoint could not be written: later ones may, a restart re-sends from the older one.
          this.options.onError?.(error);
        })
        .finally(() => {
          this.publishing -= 1;
          this.startBatches();
        });
    }
  }

  /** Publishes a batch until the bus confirmed all of it (true), or gives up because of stop() (false). */
  private async publish(batch: RecordedEvent[]): Promise<boolean> {
    const wanted = batch.filter((event) => this.options.types.has(event.type));
    for (;;) {
      try {
        await Promise.all(
          wanted.map((event) =>
            this.bus.publish({
              id: event.id,
              type: event.type,
              data: event.data,
              metadata: {
                ...event.metadata,
                streamName: event.streamName,
                position: event.position,
                revision: event.revision,
              },
            }),
          ),
        );
        return true;
      } catch (error) {
        // Stopping (the bus closed under a waiting publish): the checkpoint stays, the next start re-sends.
        if (this.stopped) return false;
        // The broker is away: keep the batch and try again; the checkpoint has not moved.
        this.options.onError?.(error);
        await new Promise((resolve) => setTimeout(resolve, 500));
        if (this.stopped) return false;
      }
    }
  }

  /**
   * Stops taking new batches. Resolves without waiting for a batch whose publish is still pending (with the
   * in-process bus that waits on saga work; closing the bus rejects it): await `idle()` after closing the bus.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.backlog.length = 0;
    this.subscription?.unsubscribe();
    this.subscription = undefined;
  }

  /** Resolves once no batch is being forwarded (its checkpoint written, or given up because of stop()). */
  async idle(): Promise<void> {
    for (let seen: Promise<void> | undefined; seen !== this.checkpointed;) {
      seen = this.checkpointed;
      await seen;
    }
  }
}
