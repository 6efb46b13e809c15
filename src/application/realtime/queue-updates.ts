import type { Clock } from '../ports/clock';
import { addTo, outbound, removeFrom, type RealtimeSession } from './realtime-session';

/** An entry as QueueService.status shows it (the part queue_update carries). */
export interface QueueEntryStatus {
  status: string;
  position: number | null;
  estimatedWaitMinutes: number;
}

/**
 * What realtime needs from the waiting room (see queue-feed.ts). When to ask is the log's business: the hub
 * refreshes a room whenever an event of its stream comes through the projection runner.
 */
export interface QueueFeed {
  /** These entries of the event's queue, read once (unknown ones left out). */
  entries(eventId: string, entryIds: string[]): Promise<Map<string, QueueEntryStatus>>;
  /** The live entry of each of these users in the event's queue (users without one left out). */
  liveEntries(eventId: string, userIds: string[]): Promise<Map<string, string>>;
  /** When the room closes (its event starts), for a queue-protected event. */
  closesAt(eventId: string): Promise<Date | undefined>;
}

/** The longest a timer can wait (setTimeout's limit): a room closing later is looked at again when next followed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** After these a member's entry is not followed any more (a new join is picked up on the next change). */
const FINISHED_ENTRY: ReadonlySet<string> = new Set(['LEFT', 'EXPIRED', 'CLOSED']);

/**
 * queue_update: which sessions follow which queue entry, and what each was last told. A queue token's session
 * follows its own entry from the start; a member's follows their live entry once they subscribe to its event.
 */
export class QueueUpdates {
  private readonly watchers = new Map<string, Set<RealtimeSession>>();
  /** Per followed room, the timer set for its closing (undefined while its time is being read). */
  private readonly closing = new Map<string, NodeJS.Timeout | undefined>();

  constructor(
    private readonly deps: {
      feed: QueueFeed;
      clock: Clock;
      /**
       * A followed room closed with its event's start: nothing is appended to its stream then, so this is the
       * moment to read its entries again (they are CLOSED from then on).
       */
      onClosed?(eventId: string): void;
      onError?(error: unknown, what: string): void;
    },
  ) {}

  stop(): void {
    for (const timer of this.closing.values()) clearTimeout(timer);
    this.closing.clear();
  }

  isFollowed(eventId: string): boolean {
    return this.watchers.has(eventId);
  }

  follow(session: RealtimeSession, eventId: string, entryId: string): void {
    session.queueEntries.set(eventId, { entryId });
    addTo(this.watchers, eventId, session);
    this.watchClosing(eventId).catch((error: unknown) =>
      this.deps.onError?.(error, 'realtime queue closing'),
    );
  }

  /** Once per followed room: onClosed at its closing time, when that is ahead and within a timer's reach. */
  private async watchClosing(eventId: string): Promise<void> {
    if (!this.deps.onClosed || this.closing.has(eventId)) return;
    this.closing.set(eventId, undefined);
    let closesAt: Date | undefined;
    try {
      closesAt = await this.deps.feed.closesAt(eventId);
    } catch (error) {
      this.closing.delete(eventId); // the next follow tries again
      throw error;
    }
    const wait = closesAt ? closesAt.getTime() - this.deps.clock.now().getTime() : -1;
    if (wait < 0 || wait > MAX_TIMER_MS || !this.closing.has(eventId)) {
      this.closing.delete(eventId);
      return;
    }
    const timer = setTimeout(() => {
      this.closing.delete(eventId);
      this.deps.onClosed?.(eventId);
    }, wait + 1); // just past it: the room is shut at closesAt itself
    timer.unref();
    this.closing.set(eventId, timer);
  }

  unfollow(session: RealtimeSession, eventId: string): void {
    if (session.queueEntries.delete(eventId)) removeFrom(this.watchers, eventId, session);
  }

  forget(session: RealtimeSession): void {
    for (const eventId of session.queueEntries.keys()) removeFrom(this.watchers, eventId, session);
  }

  /** A member who subscribed to an event and has a live entry in its queue also gets its queue_update. */
  async followMember(session: RealtimeSession, eventId: string): Promise<void> {
    await this.followMembers(eventId, [session]);
    if (session.queueEntries.has(eventId)) await this.send(eventId, [session]);
  }

  /** The room changed: members watching the event may have joined, and followed entries may have moved. */
  async refresh(eventId: string, subscribers: RealtimeSession[]): Promise<void> {
    try {
      await this.followMembers(eventId, subscribers);
      await this.send(eventId, [...(this.watchers.get(eventId) ?? [])]);
    } catch (error) {
      this.deps.onError?.(error, 'realtime queue update');
    }
  }

  /**
   * Sends each session's queue_update when its entry's position or status differs from the last one sent; the
   * entries are read in one go.
   */
  async send(eventId: string, sessions: RealtimeSession[]): Promise<void> {
    if (sessions.length === 0) return;
    const ids = sessions.flatMap((s) => s.queueEntries.get(eventId)?.entryId ?? []);
    const entries = await this.deps.feed.entries(eventId, [...new Set(ids)]);
    const timestamp = this.deps.clock.now().toISOString();
    for (const session of sessions) {
      const followed = session.queueEntries.get(eventId);
      const entry = followed && entries.get(followed.entryId);
      if (!followed || !entry) continue;
      const key = `${entry.position}|${entry.status}`;
      if (followed.last === key) continue;
      followed.last = key;
      session.deliver(
        outbound({
          type: 'queue_update',
          event_id: eventId,
          queue_position: entry.position,
          estimated_wait: entry.estimatedWaitMinutes,
          status: entry.status,
          timestamp,
        }),
      );
      if (session.principal.kind === 'member' && FINISHED_ENTRY.has(entry.status))
        this.unfollow(session, eventId);
    }
  }

  private async followMembers(eventId: string, sessions: RealtimeSession[]): Promise<void> {
    const members = sessions.filter((s) => s.principal.kind === 'member' && !s.queueEntries.has(eventId));
    if (members.length === 0) return;
    const live = await this.deps.feed.liveEntries(eventId, [
      ...new Set(members.map((s) => s.principal.userId)),
    ]);
    for (const session of members) {
      const entryId = live.get(session.principal.userId);
      if (entryId && session.subscriptions.has(eventId) && !session.queueEntries.has(eventId))
        this.follow(session, eventId, entryId);
    }
  }
}
