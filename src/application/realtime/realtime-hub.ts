import { filter, type Observable, Subject, Subscription } from 'rxjs';
import { QUEUE_EVENT_TYPES } from '../../domain/queue/events';
import type { HoldExtended, SeatsHeldData, TicketedEventEvent } from '../../domain/ticketed-event/events';
import type { Clock } from '../ports/clock';
import type { RecordedEvent } from '../ports/event-store';
import { roomOfStream } from '../queue/queue-processor';
import { parseSeatId } from '../read-models/documents';
import { coalescePerKey } from './coalesce';
import { HoldExpiryNotices } from './hold-expiry-notices';
import { isErrorMessage, parseClientMessage, type AvailabilityUpdate } from './messages';
import { QueueUpdates, type QueueFeed } from './queue-updates';
import type { RealtimeReads, SectionCount } from './realtime-reads';
import {
  addTo,
  outbound,
  RealtimeSession,
  removeFrom,
  type Outbound,
  type RealtimePrincipal,
  type SessionHost,
} from './realtime-session';

export type { QueueEntryStatus, QueueFeed } from './queue-updates';
export { RealtimeSession, type Outbound, type RealtimePrincipal } from './realtime-session';

export interface RealtimeHubOptions {
  /** At most one availability_update per section per window (the last count); the first goes out at once. */
  coalesceMs: number;
  /** reservation_expiring goes out this long before a hold expires (at once if the hold is shorter). */
  expiringNoticeSeconds: number;
  maxConnectionsPerUser: number;
  maxSubscriptionsPerConnection: number;
  /** How often the hold-expiry check runs on its own (tests call tick() after moving the clock). */
  tickMs: number;
}

export interface RealtimeHubDeps {
  reads: RealtimeReads;
  clock: Clock;
  /**
   * Seat movements and waiting-room events from the log (see REALTIME_EVENT_TYPES), after the projections applied
   * them: from every process, so a change made anywhere reaches this process's connections.
   */
  events$: Observable<RecordedEvent>;
  queue?: QueueFeed;
  onError?(error: unknown, what: string): void;
  options: RealtimeHubOptions;
}

const SEAT_MOVEMENTS: ReadonlySet<string> = new Set<TicketedEventEvent['type']>([
  'SeatsHeld',
  'HoldReleased',
  'SeatsSold',
  'SeatsReturned',
]);

const QUEUE_EVENTS: ReadonlySet<string> = new Set(QUEUE_EVENT_TYPES);

/** An order's checkout moved a hold's expiry: its reservation_expiring notice moves with it. */
const EXTENSION: TicketedEventEvent['type'] = 'HoldExtended';

/** A cancellation takes every seat of the event off sale: each watched section's count drops to 0 (see sellable). */
const CANCELLATION: TicketedEventEvent['type'] = 'EventCancelled';

/** The event types the hub follows: hand them to events$ after the seat-map projection has applied them. */
export const REALTIME_EVENT_TYPES: readonly string[] = [
  ...SEAT_MOVEMENTS,
  EXTENSION,
  CANCELLATION,
  ...QUEUE_EVENTS,
];

interface SectionKey {
  eventId: string;
  sectionId: string;
}

/** Counts last pushed for one watched event, per section; loaded once when its first subscriber arrives. */
interface EventCounts {
  ready: Promise<void>;
  sections: Map<string, SectionCount>;
}

export class RealtimeRefusal extends Error {
  constructor(
    readonly code: 'TOO_MANY_CONNECTIONS',
    message: string,
    /** The connections a user may have open. */
    readonly limit: number,
  ) {
    super(message);
  }
}

/**
 * Realtime updates, transport-free: connections (sessions) subscribe to events; seat movements from the log
 * (handed in by the projection runner after the seat map applied them) become availability_update frames with
 * the section's count read from the seat-map read model, coalesced per section; live holds become
 * reservation_expiring notices to their owner; queue changes become queue_update frames (queue-updates.ts).
 */
export class RealtimeHub implements SessionHost {
  private readonly sessions = new Set<RealtimeSession>();
  private readonly byUser = new Map<string, Set<RealtimeSession>>();
  private readonly byEvent = new Map<string, Set<RealtimeSession>>();
  private readonly counts = new Map<string, EventCounts>();
  private readonly dirty$ = new Subject<SectionKey>();
  /** Event ids whose waiting room recorded something (any process). */
  private readonly roomChanged$ = new Subject<string>();
  private readonly notices: HoldExpiryNotices;
  private readonly queue?: QueueUpdates;
  private readonly subscription = new Subscription();
  private readonly stopped$ = new Subject<void>();
  private ticker?: NodeJS.Timeout;

  constructor(private readonly deps: RealtimeHubDeps) {
    const { coalesceMs } = deps.options;
    this.notices = new HoldExpiryNotices(deps.options.expiringNoticeSeconds * 1000);
    this.subscription.add(
      deps.events$.subscribe((event) => {
        try {
          this.apply(event);
        } catch (error) {
          // rxjs would rethrow it asynchronously, out of reach of any handler: a bad event must not stop the process.
          deps.onError?.(error, 'realtime event');
        }
      }),
    );
    this.subscription.add(
      coalescePerKey(
        this.dirty$,
        (key) => `${key.eventId}\u0000${key.sectionId}`,
        coalesceMs,
        this.stopped$,
        (key) => this.refreshSection(key),
      ),
    );
    if (deps.queue) {
      const queue = (this.queue = new QueueUpdates({
        feed: deps.queue,
        clock: deps.clock,
        onClosed: (eventId) => this.roomChanged$.next(eventId),
        onError: deps.onError,
      }));
      this.subscription.add(
        coalescePerKey(
          // Followed entries, and members watching the event who may have joined its queue since.
          this.roomChanged$.pipe(filter((eventId) => queue.isFollowed(eventId) || this.byEvent.has(eventId))),
          (eventId) => eventId,
          coalesceMs,
          this.stopped$,
          (eventId) => queue.refresh(eventId, [...(this.byEvent.get(eventId) ?? [])]),
        ),
      );
    }
  }

  get connectionCount(): number {
    return this.sessions.size;
  }

  /** Live holds known to the expiry notices. */
  get trackedHolds(): number {
    return this.notices.size;
  }

  /**
   * Loads the live holds from the reservations read model (a durable read store starts from its checkpoint, so
   * the log alone would miss older holds) and starts the expiry check timer.
   */
  async start(): Promise<void> {
    for (const hold of await this.deps.reads.liveHolds(this.deps.clock.now()))
      this.notices.add(hold.holdId, hold.userId, hold.expiresAt);
    this.ticker ??= setInterval(() => {
      try {
        this.tick();
      } catch (error) {
        this.deps.onError?.(error, 'realtime expiry notices');
      }
    }, this.deps.options.tickMs);
    this.ticker.unref();
  }

  stop(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    for (const session of [...this.sessions]) session.close();
    this.queue?.stop();
    this.stopped$.next();
    this.stopped$.complete();
    this.subscription.unsubscribe();
  }

  /** Refuses a connection over the per-user limit; otherwise opens its session. */
  connect(principal: RealtimePrincipal): RealtimeSession {
    const mine = this.byUser.get(principal.userId);
    const max = this.deps.options.maxConnectionsPerUser;
    if ((mine?.size ?? 0) >= max)
      throw new RealtimeRefusal('TOO_MANY_CONNECTIONS', `At most ${max} realtime connections per user`, max);
    const session = new RealtimeSession(principal, this);
    this.sessions.add(session);
    addTo(this.byUser, principal.userId, session);
    if (principal.kind === 'queue') this.queue?.follow(session, principal.eventId, principal.entryId);
    return session;
  }

  /** @internal Called by RealtimeSession.start, once the transport listens to its messages. */
  async greet(session: RealtimeSession): Promise<void> {
    const { principal } = session;
    if (principal.kind === 'queue') {
      try {
        await this.queue?.send(principal.eventId, [session]);
      } catch (error) {
        this.deps.onError?.(error, 'realtime queue status'); // the next change of the room sends it
      }
      return;
    }
    // Holds already inside their notice period when the connection opens: every connection gets its own notice.
    const nowMs = this.nowMs();
    for (const hold of this.notices.pendingFor(principal.userId, nowMs))
      if (this.notices.tell(hold, session))
        session.deliver(expiringNotice(hold.holdId, hold.expiresAtMs, nowMs));
  }

  /** @internal Called by RealtimeSession.close. */
  disconnect(session: RealtimeSession): void {
    this.sessions.delete(session);
    removeFrom(this.byUser, session.principal.userId, session);
    for (const eventId of session.subscriptions) this.unwatch(eventId, session);
    this.queue?.forget(session);
  }

  /** @internal Called by RealtimeSession.receive, one frame at a time. */
  async handleFrame(session: RealtimeSession, text: string): Promise<void> {
    if (session.closed) return;
    const message = parseClientMessage(text);
    if (isErrorMessage(message)) return session.deliver(outbound(message));
    try {
      if (message.type === 'subscribe') await this.subscribe(session, message.event_id);
      else this.unsubscribe(session, message.event_id);
    } catch (error) {
      this.deps.onError?.(error, 'realtime frame');
      session.refuse('INTERNAL_ERROR', 'The message could not be handled; try again');
    }
  }

  /**
   * An event after the projections applied it. A seat movement: hold notices follow the hold, and each section it
   * touched on an event somebody watches gets a fresh count. A waiting-room event (`queue-{eventId}`): the room's
   * followed entries are read again from its write side (coalesced per room), so admissions decided in another
   * process reach this process's connections too.
   */
  apply(event: RecordedEvent): void {
    if (QUEUE_EVENTS.has(event.type)) {
      const eventId = roomOfStream(event.streamName);
      if (eventId !== undefined) this.roomChanged$.next(eventId);
      return;
    }
    if (event.type === CANCELLATION) {
      const { eventId } = event.data as { eventId: string };
      for (const sectionId of this.counts.get(eventId)?.sections.keys() ?? [])
        this.dirty$.next({ eventId, sectionId });
      // Its waiting room closes with it: whoever waits there is told (CLOSED), though its stream did not change.
      this.roomChanged$.next(eventId);
      return;
    }
    if (event.type === EXTENSION) {
      // The notice follows the hold: due again before its new expiry. No seat changed hands: no count to push.
      const extended = event.data as HoldExtended['data'];
      this.notices.extend(extended.holdId, new Date(extended.expiresAt));
      return;
    }
    if (!SEAT_MOVEMENTS.has(event.type)) return;
    const data = event.data as { eventId: string; seatIds: string[]; holdId?: string; userId: string };
    if (event.type === 'SeatsHeld') {
      const held = event.data as SeatsHeldData;
      this.notices.add(held.holdId, held.userId, new Date(held.expiresAt));
      // A hold shorter than the notice period is told at once.
      if (Date.parse(held.expiresAt) - this.deps.options.expiringNoticeSeconds * 1000 <= this.nowMs())
        this.tick();
    } else if ((event.type === 'HoldReleased' || event.type === 'SeatsSold') && data.holdId) {
      this.notices.remove(data.holdId);
    }
    if (!this.byEvent.has(data.eventId)) return;
    const sections = new Set<string>();
    for (const seatId of data.seatIds) sections.add(parseSeatId(seatId).sectionId);
    for (const sectionId of sections) this.dirty$.next({ eventId: data.eventId, sectionId });
  }

  /**
   * Sends the reservation_expiring notices due at the clock's now to every member connection of each owner (one
   * opened later gets its own on connecting, while the hold lasts); returns how many connections got one.
   */
  tick(): number {
    const nowMs = this.nowMs();
    let sent = 0;
    for (const hold of this.notices.due(nowMs)) {
      const notice = expiringNotice(hold.holdId, hold.expiresAtMs, nowMs);
      for (const session of this.byUser.get(hold.userId) ?? []) {
        if (session.principal.kind !== 'member' || !this.notices.tell(hold, session)) continue;
        session.deliver(notice);
        sent += 1;
      }
    }
    return sent;
  }

  private nowMs(): number {
    return this.deps.clock.now().getTime();
  }

  private async subscribe(session: RealtimeSession, eventId: string): Promise<void> {
    const { principal } = session;
    if (principal.kind !== 'member')
      return session.refuse('FORBIDDEN', 'A queue token receives queue_update for its own entry only');
    if (session.subscriptions.has(eventId)) {
      // Subscribing again is answered as the first time: the current counts follow (a client that lost track).
      session.deliver(outbound({ type: 'subscribed', event_id: eventId }));
      await this.sendCounts(session, eventId);
      return;
    }
    const max = this.deps.options.maxSubscriptionsPerConnection;
    if (session.subscriptions.size >= max)
      return session.refuse('TOO_MANY_SUBSCRIPTIONS', `At most ${max} subscriptions per connection`);
    if (!(await this.deps.reads.eventVisible(eventId, principal.admin)))
      return session.refuse('EVENT_NOT_FOUND', 'No such event, or not published');
    if (session.closed) return;
    session.subscriptions.add(eventId);
    addTo(this.byEvent, eventId, session);
    session.deliver(outbound({ type: 'subscribed', event_id: eventId }));
    if (await this.sendCounts(session, eventId)) await this.queue?.followMember(session, eventId);
  }

  /**
   * The event's current counts, one availability_update per section, from the same cache the updates compare
   * against (one read per watched event). False when the session unsubscribed meanwhile (nothing sent).
   */
  private async sendCounts(session: RealtimeSession, eventId: string): Promise<boolean> {
    const counts = this.countsFor(eventId);
    await counts.ready;
    if (!session.subscriptions.has(eventId) || this.counts.get(eventId) !== counts) return false;
    const timestamp = this.deps.clock.now().toISOString();
    for (const section of counts.sections.values())
      session.deliver(outbound(availabilityUpdate(eventId, section, timestamp)));
    return true;
  }

  private unsubscribe(session: RealtimeSession, eventId: string): void {
    if (session.subscriptions.delete(eventId)) this.unwatch(eventId, session);
    if (session.principal.kind === 'member') this.queue?.unfollow(session, eventId);
    session.deliver(outbound({ type: 'unsubscribed', event_id: eventId }));
  }

  private unwatch(eventId: string, session: RealtimeSession): void {
    removeFrom(this.byEvent, eventId, session);
    // Nobody watches: stop tracking its counts (they would go stale without subscribers).
    if (!this.byEvent.has(eventId)) this.counts.delete(eventId);
  }

  private countsFor(eventId: string): EventCounts {
    let counts = this.counts.get(eventId);
    if (!counts) {
      const sections = new Map<string, SectionCount>();
      const ready = this.deps.reads.sections(eventId).then(
        (list) => list.forEach((s) => sections.set(s.sectionId, s)),
        (error) => {
          this.deps.onError?.(error, 'realtime counts');
          if (this.counts.get(eventId) === counts) this.counts.delete(eventId);
        },
      );
      counts = { ready, sections };
      this.counts.set(eventId, counts);
    }
    return counts;
  }

  private async refreshSection({ eventId, sectionId }: SectionKey): Promise<void> {
    try {
      const counts = this.counts.get(eventId);
      if (!counts) return;
      await counts.ready;
      const now = await this.deps.reads.section(eventId, sectionId);
      if (!now || this.counts.get(eventId) !== counts) return;
      if (counts.sections.get(sectionId)?.availableSeats === now.availableSeats) return;
      counts.sections.set(sectionId, now);
      const update = outbound(availabilityUpdate(eventId, now, this.deps.clock.now().toISOString()));
      for (const session of this.byEvent.get(eventId) ?? []) session.deliver(update);
    } catch (error) {
      this.deps.onError?.(error, 'realtime availability');
    }
  }
}

function availabilityUpdate(eventId: string, section: SectionCount, timestamp: string): AvailabilityUpdate {
  return {
    type: 'availability_update',
    event_id: eventId,
    section: section.name,
    section_id: section.sectionId,
    available_seats: section.availableSeats,
    timestamp,
  };
}

function expiringNotice(holdId: string, expiresAtMs: number, nowMs: number): Outbound {
  return outbound({
    type: 'reservation_expiring',
    reservation_id: holdId,
    expires_in_seconds: Math.max(0, Math.round((expiresAtMs - nowMs) / 1000)),
  });
}
