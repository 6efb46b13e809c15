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
 * message confirmed by the broker) before the checkpoint moves past it, so a crash can only cause a batch to be
 * published again, never skipped: consumers dedupe on the message id (the event id).
 */
export class LogForwarder {
  private subscription?: Subscription;
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
    this.position = await this.checkpoints.get(this.name);
    this.subscription = this.store
      .subscribeToAll({ fromPosition: this.position })
      .pipe(
        bufferTime(20, null, 500),
        filter((batch) => batch.length > 0),
        concatMap((batch) => this.forward(batch)),
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
        // The broker is away: keep the batch and try again; the checkpoint has not moved.
        this.options.onError?.(error);
        await new Promise((resolve) => setTimeout(resolve, 500));
        if (!this.subscription || this.subscription.closed) return;
      }
    }
    this.forwarded += wanted.length;
    this.position = batch[batch.length - 1].position;
    await this.checkpoints.set(this.name, this.position);
  }

  async stop(): Promise<void> {
    this.subscription?.unsubscribe();
    this.subscription = undefined;
  }
}
