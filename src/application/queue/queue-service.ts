import { randomInt } from 'node:crypto';
import {
  assertSaleNotOver,
  catchUpDue,
  hasAccessAt,
  isSaleOver,
  type QueueCommand,
} from '../../domain/queue/decide';
import { positionOf, waitingCount, type QueueState } from '../../domain/queue/state';
import { fail } from '../../domain/shared/errors';
import type { Clock } from '../ports/clock';
import type { IdGenerator } from '../ports/id-generator';
import { systemMetadata, type CommandMetadata } from '../shared/command-metadata';
import { ConcurrencyConflictError } from '../shared/stream-command-processor';
import type { TicketedEventProcessor } from '../ticketed-event/ticketed-event-processor';
import {
  readCachedFresh,
  readQueueFacts,
  sharedReads,
  type QueueFacts,
  type QueueProcessor,
} from './queue-processor';

/** An entry's status as clients see it: the room's, or CLOSED for one still waiting (or READY) once the sale is over. */
export type QueueStatus = 'PRE_QUEUE' | 'QUEUED' | 'READY' | 'USED' | 'EXPIRED' | 'LEFT' | 'CLOSED';

/** What becomes of a waiting entry, or an unused turn, once the event is cancelled or has started. */
const CLOSED_BY_SALE_END: ReadonlySet<string> = new Set(['PRE_QUEUE', 'QUEUED', 'READY']);

export interface QueueSettingsView {
  enabled: boolean;
  admissionPerMinute: number;
  capacity: number;
  accessSeconds: number;
  challengeMaxNumber: number;
  maxEntriesPerDevice: number;
  opensAt: Date;
}

export interface QueueEntryView {
  entryId: string;
  eventId: string;
  userId: string;
  /** The device the entry was made from (its queue tokens carry a hash of it); never shown to clients. */
  deviceFingerprint: string;
  status: QueueStatus;
  position: number | null; // null before the draw and when not waiting; 0 when READY/USED
  queueSize: number; // entries still waiting (pre-queue + queued)
  estimatedWaitMinutes: number; // ceil(position / admissionPerMinute), 0 when READY
  pollIntervalSeconds: number; // grows with distance: clamp(round(position/rate*60/10), 5, 60); 5 at the front
  accessExpiresAt?: Date; // READY/USED
  opensAt: Date;
}

const MIN_POLL_SECONDS = 5;
const MAX_POLL_SECONDS = 60;
const clamp = (n: number, low: number, high: number) => Math.min(high, Math.max(low, n));

/**
 * An entry as a client sees it at `now`. Pure, from the room's write-side state. A READY entry whose turn ran
 * out shows EXPIRED even before QueueTurnExpired is recorded (the room only records it when it next catches up).
 * Before the draw there is no position: the wait is the time to the opening plus, on average, half the
 * pre-queue ahead, and the client polls about ten times before the opening. Once the event is cancelled or has
 * started, an entry still waiting, or holding a turn it has not used, is CLOSED: no position, no wait, no access
 * (the room admits nobody any more, and a reservation would be refused).
 */
export function queueEntryView(
  state: QueueState,
  eventId: string,
  entryId: string,
  facts: QueueFacts,
  now: Date,
): QueueEntryView {
  const entry = state.entries.get(entryId);
  if (!entry) return fail('QUEUE_ENTRY_NOT_FOUND', 'Queue entry not found');
  const nowMs = now.getTime();
  const rate = facts.settings.admissionPerMinute;
  const opensAt = facts.context.opensAt;
  const saleOver = isSaleOver(facts.context, nowMs);
  const status: QueueStatus =
    saleOver && CLOSED_BY_SALE_END.has(entry.status)
      ? 'CLOSED'
      : entry.status === 'READY' && entry.expiresAt <= nowMs
        ? 'EXPIRED'
        : entry.status;
  const queueSize = waitingCount(state);
  const view: QueueEntryView = {
    entryId,
    eventId,
    userId: entry.userId,
    deviceFingerprint: entry.deviceFingerprint,
    status,
    position: status === 'EXPIRED' || status === 'CLOSED' ? null : positionOf(state, entryId),
    queueSize,
    estimatedWaitMinutes: 0,
    pollIntervalSeconds: MAX_POLL_SECONDS,
    opensAt,
  };
  if (status === 'QUEUED') {
    const position = view.position!;
    view.estimatedWaitMinutes = Math.ceil(position / rate);
    view.pollIntervalSeconds = clamp(
      Math.round(((position / rate) * 60) / 10),
      MIN_POLL_SECONDS,
      MAX_POLL_SECONDS,
    );
  } else if (status === 'PRE_QUEUE') {
    const untilOpening = Math.max(0, opensAt.getTime() - nowMs);
    view.estimatedWaitMinutes = Math.ceil(untilOpening / 60_000) + Math.ceil(queueSize / 2 / rate);
    view.pollIntervalSeconds = clamp(
      Math.round(untilOpening / 1000 / 10),
      MIN_POLL_SECONDS,
      MAX_POLL_SECONDS,
    );
  } else if ((status === 'READY' || status === 'USED') && entry.expiresAt > nowMs && !saleOver) {
    // A turn still running (a USED one whose time ran out stays USED, with no access left to give).
    view.pollIntervalSeconds = MIN_POLL_SECONDS;
    view.accessExpiresAt = new Date(entry.expiresAt);
  }
  return view;
}

/**
 * The waiting room, for the HTTP layer (routes, reserve gate) and the realtime feed. Every decision is the
 * queue decider's on `queue-{eventId}`; the room's facts (opening, settings) come from the ticketed event's
 * stream, never from a read model. Queries read the processor's state of the room.
 *
 * The admission job needs to know which rooms to look at: a set of event ids, in memory, fed by joins and
 * status polls (an event leaves it once nobody waits and no turn is running, or once the event is over).
 * After a restart the set starts empty and fills again with the first poll or join of each room; nothing is
 * lost meanwhile, because turns are a function of time and every command or poll that finds something due
 * records it. Seeds for the draw come from crypto.randomInt, in every command that might open the queue.
 */
export class QueueService {
  private readonly liveRooms = new Set<string>();
  private readonly warmRoom = sharedReads((eventId) => this.queues.read(eventId));

  constructor(
    private readonly queues: QueueProcessor,
    private readonly events: TicketedEventProcessor,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly drawSeed: () => number = () => randomInt(0, 2 ** 32),
  ) {}

  /** undefined when the event does not exist or is not published; enabled=false when not queue-protected. */
  async settings(eventId: string): Promise<QueueSettingsView | undefined> {
    const facts = await readQueueFacts(this.events, eventId);
    if (!facts) return undefined;
    return { ...facts.settings, opensAt: facts.context.opensAt };
  }

  /** SALE_ENDED when the event was cancelled or has started: no challenge is worth solving then. */
  async assertSaleNotOver(eventId: string): Promise<void> {
    const facts = await readQueueFacts(this.events, eventId);
    if (facts) assertSaleNotOver(facts.context, this.clock.now().getTime());
  }

  /**
   * Throws DomainError EVENT_NOT_FOUND (unknown/unpublished), QUEUE_NOT_ENABLED, ALREADY_IN_QUEUE, QUEUE_FULL,
   * DEVICE_LIMIT_REACHED, CHALLENGE_FAILED (reused challenge id), SALE_ENDED (event over).
   */
  async join(
    eventId: string,
    userId: string,
    deviceFingerprint: string,
    challengeId: string,
    metadata: CommandMetadata,
  ): Promise<{ entry: QueueEntryView; position: number /* log position */ }> {
    const facts = await this.facts(eventId);
    if (!facts) fail('EVENT_NOT_FOUND', 'Event not found');
    if (!facts.settings.enabled) fail('QUEUE_NOT_ENABLED', 'This event has no waiting room');
    const entryId = this.ids.uuid();
    const outcome = await this.run(
      eventId,
      { type: 'JoinQueue', entryId, userId, deviceFingerprint, challengeId, ...this.timing() },
      metadata,
    );
    this.liveRooms.add(eventId);
    const { state } = await this.queues.read(eventId);
    return {
      entry: queueEntryView(state, eventId, entryId, facts, this.clock.now()),
      position: outcome.position,
    };
  }

  /**
   * The entry from the write side, after letting due admissions happen: AdmitDue runs only when the room has
   * something due (the opening, an expiry, an admission), so a poll appends nothing when nothing changed.
   * Throws QUEUE_ENTRY_NOT_FOUND.
   */
  async status(eventId: string, entryId: string): Promise<QueueEntryView> {
    const facts = await this.facts(eventId);
    if (!facts) fail('QUEUE_ENTRY_NOT_FOUND', 'Queue entry not found');
    let state = await this.roomState(eventId);
    if (!state.entries.has(entryId)) fail('QUEUE_ENTRY_NOT_FOUND', 'Queue entry not found');
    if (waitingCount(state) > 0 || state.ready > 0) this.liveRooms.add(eventId);
    if (catchUpDue(state, facts.context, this.clock.now().getTime())) {
      try {
        await this.run(eventId, { type: 'AdmitDue', ...this.timing() }, this.jobMetadata('queue-status'));
      } catch (error) {
        // A poll still answers when another process kept winning the stream: the next poll or the job records it.
        if (!(error instanceof ConcurrencyConflictError)) throw error;
      }
      state = await this.roomState(eventId);
    }
    return queueEntryView(state, eventId, entryId, facts, this.clock.now());
  }

  async leave(eventId: string, entryId: string, userId: string, metadata: CommandMetadata): Promise<void> {
    if (!(await this.facts(eventId))) fail('QUEUE_ENTRY_NOT_FOUND', 'Queue entry not found');
    await this.run(eventId, { type: 'LeaveQueue', entryId, userId, ...this.timing() }, metadata);
  }

  /**
   * The admission job: opens and admits due entries (and expires unused turns) on every queue-protected event
   * with waiting entries or running turns that this process knows of. Returns how many were admitted. A room
   * that fails is skipped; the first failure is thrown once every room was tried.
   */
  async admitDue(metadata: CommandMetadata): Promise<number> {
    let admitted = 0;
    let firstError: unknown;
    for (const eventId of [...this.liveRooms]) {
      try {
        const facts = await this.facts(eventId);
        const now = this.clock.now();
        if (
          !facts ||
          !facts.settings.enabled ||
          facts.context.cancelled ||
          now.getTime() >= facts.context.closesAt.getTime()
        ) {
          this.liveRooms.delete(eventId);
          continue;
        }
        const state = await this.roomState(eventId);
        if (waitingCount(state) === 0 && state.ready === 0) {
          this.liveRooms.delete(eventId); // a join or a poll brings it back
          continue;
        }
        if (!catchUpDue(state, facts.context, now.getTime())) continue;
        const outcome = await this.run(eventId, { type: 'AdmitDue', ...this.timing() }, metadata);
        for (const event of outcome.events)
          if (event.type === 'QueueAdmitted') admitted += event.data.entries.length;
      } catch (error) {
        firstError ??= error;
      }
    }
    if (firstError !== undefined) throw firstError;
    return admitted;
  }

  /** For the reserve gate: true when this entry belongs to userId and is READY/USED and not past expiresAt at now. */
  async hasAccess(eventId: string, entryId: string, userId: string): Promise<boolean> {
    const state = await this.roomState(eventId);
    return hasAccessAt(state, entryId, userId, this.clock.now().getTime());
  }

  /** After a successful reserve with the entry's access: recorded once; used, expired or left entries record nothing. */
  async markAccessUsed(eventId: string, entryId: string, metadata: CommandMetadata): Promise<void> {
    await this.run(eventId, { type: 'MarkAccessUsed', entryId, ...this.timing() }, metadata);
  }

  private run(eventId: string, command: QueueCommand, metadata: CommandMetadata) {
    return this.queues.execute(eventId, command, metadata);
  }

  private timing(): { at: Date; seed: number } {
    return { at: this.clock.now(), seed: this.drawSeed() };
  }

  private facts(eventId: string): Promise<QueueFacts | undefined> {
    return readQueueFacts(this.events, eventId);
  }

  /** The room as its stream has it now: cached by the processor, checked against the store in one short read. */
  private roomState(eventId: string): Promise<QueueState> {
    return readCachedFresh(this.queues, this.warmRoom, eventId);
  }

  private jobMetadata(actor: string): CommandMetadata {
    const id = `${actor}-${this.ids.uuid()}`;
    return systemMetadata(actor, id);
  }
}
