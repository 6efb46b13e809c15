import { bufferTime, concatMap, filter, Subscription } from 'rxjs';
import type { CheckpointStore } from '../ports/checkpoint-store';
import type { EventStore, RecordedEvent } from '../ports/event-store';
import type { MessageBus } from '../ports/message-bus';

export interface ForwarderOptions {
  /** Event types worth a message; everything else stays in the log only. */
  types: ReadonlySet<string>;
  name?: string;
  onError?(error: unknown): void;
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
 */
export class LogForwarder {
  private subscription?: Subscription;
  private stopped = false;
  /** The batch being forwarded, so close() can wait for it before the stores close. */
  private inFlight: Promise<void> = Promise.resolve();
  private readonly name: string;
  forwarded = 0;
  position = 0;

  constructor(
    private readonly store: EventStore,
    private readonly bus: MessageBus,
    private readonly checkpoints: CheckpointStore,
    private readonly options: ForwarderOptions,
  ) {
    this.name = options.name ?? 'bus-forwarder';
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.position = await this.checkpoints.get(this.name);
    this.subscription = this.store
      .subscribeToAll({ fromPosition: this.position })
      .pipe(
        bufferTime(20, null, 500),
        filter((batch) => batch.length > 0),
        concatMap((batch) => (this.inFlight = this.forward(batch))),
      )
      .subscribe({ error: (error) => this.options.onError?.(error) });
  }

  private async forward(batch: RecordedEvent[]): Promise<void> {
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
        break;
      } catch (error) {
        // Stopping (the bus closed under a waiting publish): the checkpoint stays, the next start re-sends.
        if (this.stopped) return;
        // The broker is away: keep the batch and try again; the checkpoint has not moved.
        this.options.onError?.(error);
        await new Promise((resolve) => setTimeout(resolve, 500));
        if (this.stopped) return;
      }
    }
    this.forwarded += wanted.length;
    this.position = batch[batch.length - 1].position;
    await this.checkpoints.set(this.name, this.position);
  }

  /**
   * Stops taking new batches. Resolves without waiting for a batch whose publish is still pending (with the
   * in-process bus that waits on saga work; closing the bus rejects it): await `idle()` after closing the bus.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.subscription?.unsubscribe();
    this.subscription = undefined;
  }

  /** Resolves once no batch is being forwarded (its checkpoint written, or given up because of stop()). */
  async idle(): Promise<void> {
    await this.inFlight.catch(() => undefined);
  }
}
