import type { Decider } from '../shared/decider';
import { fail } from '../shared/errors';
import type { QueueAdmitted, QueueEvent, QueueOpened, QueueTurnExpired } from './events';
import type { QueueSettings } from './settings';
import { evolveQueue, initialQueueState, type QueueState, stillWaitingPreQueue, waitingCount } from './state';

/**
 * The waiting room's rules (stream `queue-{eventId}`). Every command carries its time (`at`) and the randomness
 * it may need (`seed`, for the draw when the command happens to open the queue): the decider stays pure.
 *
 * Before each command the room catches up with time: the first command decided at or after the opening
 * records QueueOpened (the seed that draws the pre-queue's order), and any command then records the turns that
 * expired and the admissions that fell due. So the admission job (AdmitDue) is only a heartbeat: nothing depends
 * on it running on time, since turns are a function of time.
 */
interface Timed {
  at: Date;
  /** An unsigned 32-bit integer (crypto.randomInt): used only if this command opens the queue. */
  seed?: number;
}
export interface JoinQueue extends Timed {
  type: 'JoinQueue';
  entryId: string;
  userId: string;
  deviceFingerprint: string;
  challengeId: string;
}
export interface LeaveQueue extends Timed {
  type: 'LeaveQueue';
  entryId: string;
  userId: string;
}
/** The admission job: open the queue, expire unused turns and admit whoever is due (records nothing if none). */
export interface AdmitDue extends Timed {
  type: 'AdmitDue';
  seed: number;
}
/** After a successful reserve with the entry's access. */
export interface MarkAccessUsed extends Timed {
  type: 'MarkAccessUsed';
  entryId: string;
}
export type QueueCommand = JoinQueue | LeaveQueue | AdmitDue | MarkAccessUsed;

/**
 * Facts from outside the stream, resolved by the application from the ticketed event's write side. The time is
 * the command's `at` (one clock for a decision); `opensAt` is when reserving becomes possible (the presale if
 * any, else the general sale: the moment SALE_NOT_OPEN stops), `closesAt` when the event starts.
 */
export interface QueueContext {
  eventId: string;
  opensAt: Date;
  closesAt: Date;
  cancelled: boolean;
  settings: Pick<
    QueueSettings,
    'enabled' | 'admissionPerMinute' | 'capacity' | 'accessSeconds' | 'maxEntriesPerDevice'
  >;
}

export const queueDecider: Decider<QueueCommand, QueueEvent, QueueState, QueueContext> = {
  initialState: initialQueueState,
  evolve: evolveQueue,
  decide(command, state, context) {
    // Never decide before a time the stream already recorded (another process's clock may lag a little).
    const at = Math.max(command.at.getTime(), state.lastAt);
    switch (command.type) {
      case 'JoinQueue':
        return join(command, state, context, at);
      case 'LeaveQueue':
        return leave(command, state, context, at);
      case 'AdmitDue':
        return catchUp(state, context, at, command.seed).events;
      case 'MarkAccessUsed':
        return markUsed(command, state, context, at);
    }
  },
};

const notFound = (): never => fail('QUEUE_ENTRY_NOT_FOUND', 'Queue entry not found');

function join(command: JoinQueue, state: QueueState, context: QueueContext, at: number): QueueEvent[] {
  const { settings } = context;
  if (!settings.enabled) fail('QUEUE_NOT_ENABLED', 'This event has no waiting room');
  assertSaleNotOver(context, at);
  if (state.entries.has(command.entryId)) return []; // the same join decided twice (a retried command)
  for (const [field, value] of [
    ['device_fingerprint', command.deviceFingerprint],
    ['challenge_id', command.challengeId],
    ['user_id', command.userId],
  ])
    if (!value) fail('VALIDATION_ERROR', `${field} must not be empty`, { field });
  if (state.challenges.has(command.challengeId)) fail('CHALLENGE_FAILED', 'challenge already used');

  const caught = catchUp(state, context, at, command.seed);
  const live = state.liveByUser.get(command.userId);
  if (live !== undefined && !caught.expired.has(live))
    fail('ALREADY_IN_QUEUE', 'You are already in the queue for this event', { entry_id: live });
  let onDevice = state.liveByDevice.get(command.deviceFingerprint) ?? 0;
  for (const entryId of caught.expired)
    if (state.entries.get(entryId)!.deviceFingerprint === command.deviceFingerprint) onDevice -= 1;
  if (onDevice >= settings.maxEntriesPerDevice)
    fail('DEVICE_LIMIT_REACHED', 'Too many queue entries from this device', {
      limit: settings.maxEntriesPerDevice,
    });
  if (waitingCount(state) - caught.admitted >= settings.capacity)
    fail('QUEUE_FULL', 'The queue is full; try again later', { capacity: settings.capacity });

  return [
    ...caught.events,
    {
      type: 'QueueJoined',
      data: {
        eventId: context.eventId,
        entryId: command.entryId,
        userId: command.userId,
        deviceFingerprint: command.deviceFingerprint,
        challengeId: command.challengeId,
        joinedAt: new Date(at).toISOString(),
      },
    },
  ];
}

function leave(command: LeaveQueue, state: QueueState, context: QueueContext, at: number): QueueEvent[] {
  const entry = state.entries.get(command.entryId);
  // Someone else's entry is answered exactly like a missing one: ids are not an oracle.
  if (!entry || entry.userId !== command.userId) return notFound();
  const caught = catchUp(state, context, at, command.seed);
  const over =
    entry.status === 'LEFT' ||
    entry.status === 'EXPIRED' ||
    caught.expired.has(entry.entryId) ||
    (entry.status === 'USED' && entry.expiresAt <= at);
  if (over) return caught.events; // nothing left to leave
  return [
    ...caught.events,
    {
      type: 'QueueLeft',
      data: { eventId: context.eventId, entryId: entry.entryId, leftAt: new Date(at).toISOString() },
    },
  ];
}

function markUsed(
  command: MarkAccessUsed,
  state: QueueState,
  context: QueueContext,
  at: number,
): QueueEvent[] {
  const entry = state.entries.get(command.entryId);
  if (!entry) return notFound();
  const caught = catchUp(state, context, at, command.seed);
  // Only a turn still running becomes USED; used, expired or left entries record nothing more.
  if (entry.status !== 'READY' || caught.expired.has(entry.entryId) || entry.expiresAt <= at)
    return caught.events;
  return [
    ...caught.events,
    {
      type: 'QueueAccessUsed',
      data: { eventId: context.eventId, entryId: entry.entryId, usedAt: new Date(at).toISOString() },
    },
  ];
}

// ---- catching up with time --------------------------------------------------------------------------------

interface CaughtUp {
  events: QueueEvent[];
  /** Entries whose turn the catch-up expires (still READY in `state`). */
  expired: Set<string>;
  /** How many waiting entries the catch-up admits. */
  admitted: number;
}

/** The sale is over once the event is cancelled or has started: nobody joins, and nobody waiting gets a turn. */
export const isSaleOver = (context: Pick<QueueContext, 'cancelled' | 'closesAt'>, at: number): boolean =>
  context.cancelled || at >= context.closesAt.getTime();

/** SALE_ENDED, saying why, once the sale is over (a join, or a challenge to join with). */
export function assertSaleNotOver(context: Pick<QueueContext, 'cancelled' | 'closesAt'>, at: number): void {
  if (context.cancelled) fail('SALE_ENDED', 'The event was cancelled');
  if (at >= context.closesAt.getTime()) fail('SALE_ENDED', 'The event has started; the sale is over');
}

/** The room is shut once the sale is over (or the room is off): no draw, no admissions. */
const shut = (context: QueueContext, at: number) => !context.settings.enabled || isSaleOver(context, at);

/**
 * What time alone makes happen by `at`, as events (not applied): the opening with its draw, then turns that
 * ran out unused, then admissions. Nothing is due at the opening instant (no turn has accrued yet).
 */
export function catchUp(state: QueueState, context: QueueContext, at: number, seed?: number): CaughtUp {
  const result: CaughtUp = { events: [], expired: new Set(), admitted: 0 };
  if (shut(context, at)) return result;
  if (state.openedAt === undefined) {
    if (at < context.opensAt.getTime() || seed === undefined) return result;
    // Only the seed and the count: the drawn order is a function of them and the joins already in the log.
    const opened: QueueOpened = {
      type: 'QueueOpened',
      data: {
        eventId: context.eventId,
        seed,
        openedAt: new Date(at).toISOString(),
        drawn: stillWaitingPreQueue(state).length,
      },
    };
    result.events.push(opened);
    return result;
  }

  const expired = dueExpiries(state, at);
  for (const entryId of expired) result.expired.add(entryId);
  const due = turnsDue(state, context.settings.admissionPerMinute, at) + expired.length;
  const admitted = due > 0 ? nextInLine(state, Math.min(due, state.queuedWaiting)) : [];
  result.admitted = admitted.length;
  if (expired.length > 0) {
    const event: QueueTurnExpired = {
      type: 'QueueTurnExpired',
      data: { eventId: context.eventId, entryIds: expired, expiredAt: new Date(at).toISOString() },
    };
    result.events.push(event);
  }
  if (admitted.length > 0) {
    const expiresAt = new Date(at + context.settings.accessSeconds * 1000).toISOString();
    const event: QueueAdmitted = {
      type: 'QueueAdmitted',
      data: {
        eventId: context.eventId,
        entries: admitted.map((entryId) => ({ entryId, expiresAt })),
        at: new Date(at).toISOString(),
      },
    };
    result.events.push(event);
  }
  return result;
}

/**
 * Turns of the current epoch not yet given at `at`: floor((at - epochStart) * rate / 60000) plus the turns
 * forfeited in it, minus those already given. Integer arithmetic stays exact while elapsed ms * rate < 2^53
 * (over 100 days at a million admissions per minute).
 */
export function turnsDue(state: QueueState, admissionPerMinute: number, at: number): number {
  if (state.openedAt === undefined) return 0;
  const elapsed = Math.max(0, at - state.epochStart);
  const accrued = Math.floor((elapsed * admissionPerMinute) / 60_000);
  return accrued + state.epochForfeited - state.epochAdmitted;
}

/**
 * READY entries whose turn ran out by `at`, scanning admitted slots from the expiry pointer. Admission goes in
 * line order at non-decreasing times with one access duration, so expiry times rise along the line: the scan
 * stops at the first turn still running.
 */
function dueExpiries(state: QueueState, at: number): string[] {
  const expired: string[] = [];
  for (let slot = state.expiryPointer; slot < state.admitPointer; slot += 1) {
    const entry = state.entries.get(state.line[slot])!;
    if (entry.status === 'READY') {
      if (entry.expiresAt > at) break;
      expired.push(entry.entryId);
    } else if (entry.status === 'USED' && entry.expiresAt > at) break;
  }
  return expired;
}

/** The next `count` waiting entries in line order (entries that left are skipped). */
function nextInLine(state: QueueState, count: number): string[] {
  const next: string[] = [];
  for (let slot = state.admitPointer; slot < state.line.length && next.length < count; slot += 1) {
    const entryId = state.line[slot];
    if (state.entries.get(entryId)!.status === 'QUEUED') next.push(entryId);
  }
  return next;
}

/**
 * Whether a command decided at `at` would record something by catching up (the opening, an expiry, an
 * admission): lets a status poll leave the stream alone when nothing changed.
 */
export function catchUpDue(state: QueueState, context: QueueContext, at: number): boolean {
  const time = Math.max(at, state.lastAt);
  if (shut(context, time)) return false;
  if (state.openedAt === undefined) return time >= context.opensAt.getTime();
  if (dueExpiries(state, time).length > 0) return true;
  return state.queuedWaiting > 0 && turnsDue(state, context.settings.admissionPerMinute, time) > 0;
}

/** Whether this entry's holder may reserve at `at`: admitted (READY or USED) and its turn not over. */
export function hasAccessAt(state: QueueState, entryId: string, userId: string, at: number): boolean {
  const entry = state.entries.get(entryId);
  if (!entry || entry.userId !== userId) return false;
  return (entry.status === 'READY' || entry.status === 'USED') && entry.expiresAt > at;
}
