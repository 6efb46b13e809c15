import type { Snapshotting } from '../shared/decider';
import { drawPreQueueOrder } from './draw';
import type { QueueEvent } from './events';
import { SlotCounter } from './slot-counter';

export type QueueEntryStatus = 'PRE_QUEUE' | 'QUEUED' | 'READY' | 'USED' | 'EXPIRED' | 'LEFT';

export interface QueueEntry {
  entryId: string;
  userId: string;
  deviceFingerprint: string;
  status: QueueEntryStatus;
  /** Index in the line (-1 while in the pre-queue, or for a pre-queue entry that left before the draw). */
  slot: number;
  joinedAt: number;
  /** When the turn ends (ms), once admitted; 0 before. */
  expiresAt: number;
}

/**
 * The waiting room's state, kept cheap at 100,000 entries: O(1) maps per entry, the line as an array of entry
 * ids with a pointer to the next slot to admit, counts maintained on every event, and a Fenwick tree over the
 * line's slots counting entries that left while waiting, so a position costs O(log n):
 *
 *   position = 1 + waiting entries ahead = 1 + (slot - admitPointer) - (left slots in [admitPointer, slot))
 *
 * because every slot before admitPointer was admitted or left, and every slot from it on is waiting or left.
 */
export interface QueueState {
  entries: Map<string, QueueEntry>;
  /** The live (pre-queued, queued or admitted-and-unused) entry of each user: one per user. */
  liveByUser: Map<string, string>;
  /** Live entries per device fingerprint. */
  liveByDevice: Map<string, number>;
  /** Challenge ids already used by a join of this room. */
  challenges: Set<string>;
  /** Pre-queue entry ids in join order, until the draw. */
  preQueue: string[];
  preQueueWaiting: number;
  /** undefined until QueueOpened. */
  openedAt?: number;
  seed?: number;
  /** Entry ids in line order: the drawn pre-queue, then later joins. */
  line: string[];
  leftWhileWaiting: SlotCounter;
  /** Next slot of the line to consider for admission. */
  admitPointer: number;
  /** First slot whose admitted entry may still be live (READY, or USED before its expiry). */
  expiryPointer: number;
  queuedWaiting: number;
  /** READY entries (admitted, not yet used, expired or left). */
  ready: number;
  /**
   * Admission is counted per epoch: the opening starts one, and so does a join into an empty line (turns that
   * accrued while nobody waited are not banked for a later rush). In an epoch, turns given by time t are
   * floor((t - epochStart) * rate / 60000) + turns forfeited in it.
   */
  epochStart: number;
  epochAdmitted: number;
  epochForfeited: number;
  admittedTotal: number;
  forfeitedTotal: number;
  /** The latest time recorded in the stream: decisions never go back before it. */
  lastAt: number;
}

export function initialQueueState(): QueueState {
  return {
    entries: new Map(),
    liveByUser: new Map(),
    liveByDevice: new Map(),
    challenges: new Set(),
    preQueue: [],
    preQueueWaiting: 0,
    line: [],
    leftWhileWaiting: new SlotCounter(),
    admitPointer: 0,
    expiryPointer: 0,
    queuedWaiting: 0,
    ready: 0,
    epochStart: 0,
    epochAdmitted: 0,
    epochForfeited: 0,
    admittedTotal: 0,
    forfeitedTotal: 0,
    lastAt: 0,
  };
}

/**
 * The pre-queue entries the draw covers, in join order: those that joined before the opening and did not leave.
 * The decider draws them when it opens the queue and evolve draws them again from QueueOpened's seed: one
 * function, so both always agree.
 */
export const stillWaitingPreQueue = (state: QueueState): string[] =>
  state.preQueue.filter((entryId) => state.entries.get(entryId)?.status === 'PRE_QUEUE');

/** Entries still waiting for a turn: the pre-queue and the queued part of the line. */
export const waitingCount = (state: QueueState): number => state.preQueueWaiting + state.queuedWaiting;

export const isLive = (status: QueueEntryStatus): boolean =>
  status === 'PRE_QUEUE' || status === 'QUEUED' || status === 'READY';

/**
 * The entry's place: 1 + still-waiting entries ahead of it in line for a QUEUED entry (O(log n)); 0 once its
 * turn came (READY or USED); null before the draw and when it no longer waits (expired, left, unknown).
 */
export function positionOf(state: QueueState, entryId: string): number | null {
  const entry = state.entries.get(entryId);
  if (!entry) return null;
  if (entry.status === 'READY' || entry.status === 'USED') return 0;
  if (entry.status !== 'QUEUED') return null;
  const from = state.admitPointer;
  return 1 + (entry.slot - from) - state.leftWhileWaiting.count(from, entry.slot);
}

/** Folds one event into the state, mutating it (a 100,000-entry room is too big to copy per event). */
export function evolveQueue(state: QueueState, event: QueueEvent): QueueState {
  switch (event.type) {
    case 'QueueJoined': {
      const d = event.data;
      const at = Date.parse(d.joinedAt);
      const entry: QueueEntry = {
        entryId: d.entryId,
        userId: d.userId,
        deviceFingerprint: d.deviceFingerprint,
        status: 'PRE_QUEUE',
        slot: -1,
        joinedAt: at,
        expiresAt: 0,
      };
      state.entries.set(d.entryId, entry);
      state.challenges.add(d.challengeId);
      state.liveByUser.set(d.userId, d.entryId);
      state.liveByDevice.set(d.deviceFingerprint, (state.liveByDevice.get(d.deviceFingerprint) ?? 0) + 1);
      if (state.openedAt === undefined) {
        state.preQueue.push(d.entryId);
        state.preQueueWaiting += 1;
      } else {
        if (waitingCount(state) === 0) startEpoch(state, at);
        enterLine(state, entry);
      }
      return seen(state, at);
    }
    case 'QueueOpened': {
      const { seed, drawn, openedAt, eventId } = event.data;
      const waiting = stillWaitingPreQueue(state);
      // The decider drew exactly these entries; another count means the log does not hold the joins it drew.
      if (waiting.length !== drawn)
        throw new Error(
          `QueueOpened of ${eventId} draws ${drawn} pre-queue entries, but ${waiting.length} are waiting`,
        );
      const at = Date.parse(openedAt);
      state.openedAt = at;
      state.seed = seed;
      startEpoch(state, at);
      for (const entryId of drawPreQueueOrder(waiting, seed)) {
        state.preQueueWaiting -= 1;
        enterLine(state, state.entries.get(entryId)!);
      }
      state.preQueue = [];
      return seen(state, at);
    }
    case 'QueueAdmitted': {
      for (const { entryId, expiresAt } of event.data.entries) {
        const entry = state.entries.get(entryId);
        if (!entry || entry.status !== 'QUEUED') continue;
        entry.status = 'READY';
        entry.expiresAt = Date.parse(expiresAt);
        state.queuedWaiting -= 1;
        state.ready += 1;
        state.epochAdmitted += 1;
        state.admittedTotal += 1;
        if (entry.slot >= state.admitPointer) state.admitPointer = entry.slot + 1;
      }
      return seen(state, Date.parse(event.data.at));
    }
    case 'QueueTurnExpired': {
      for (const entryId of event.data.entryIds) {
        const entry = state.entries.get(entryId);
        if (!entry || entry.status !== 'READY') continue;
        entry.status = 'EXPIRED';
        state.ready -= 1;
        forfeit(state);
        unlive(state, entry);
      }
      return seen(state, Date.parse(event.data.expiredAt));
    }
    case 'QueueAccessUsed': {
      const entry = state.entries.get(event.data.entryId);
      if (entry && entry.status === 'READY') {
        entry.status = 'USED';
        state.ready -= 1;
        unlive(state, entry);
      }
      return seen(state, Date.parse(event.data.usedAt));
    }
    case 'QueueLeft': {
      const entry = state.entries.get(event.data.entryId);
      if (entry) {
        const was = entry.status;
        if (isLive(was)) unlive(state, entry);
        if (was === 'PRE_QUEUE') state.preQueueWaiting -= 1;
        if (was === 'QUEUED') {
          state.queuedWaiting -= 1;
          state.leftWhileWaiting.mark(entry.slot);
        }
        if (was === 'READY') {
          // A turn given and not used goes back to the line: the next in line moves up.
          state.ready -= 1;
          forfeit(state);
        }
        entry.status = 'LEFT';
      }
      return seen(state, Date.parse(event.data.leftAt));
    }
  }
}

function enterLine(state: QueueState, entry: QueueEntry): void {
  entry.status = 'QUEUED';
  entry.slot = state.line.length;
  state.line.push(entry.entryId);
  state.leftWhileWaiting.push();
  state.queuedWaiting += 1;
}

function startEpoch(state: QueueState, at: number): void {
  state.epochStart = at;
  state.epochAdmitted = 0;
  state.epochForfeited = 0;
}

function forfeit(state: QueueState): void {
  state.epochForfeited += 1;
  state.forfeitedTotal += 1;
}

function unlive(state: QueueState, entry: QueueEntry): void {
  if (state.liveByUser.get(entry.userId) === entry.entryId) state.liveByUser.delete(entry.userId);
  const count = (state.liveByDevice.get(entry.deviceFingerprint) ?? 0) - 1;
  if (count > 0) state.liveByDevice.set(entry.deviceFingerprint, count);
  else state.liveByDevice.delete(entry.deviceFingerprint);
}

/** Records the time and moves the expiry pointer past admitted entries that are done for good. */
function seen(state: QueueState, at: number): QueueState {
  if (at > state.lastAt) state.lastAt = at;
  while (state.expiryPointer < state.admitPointer) {
    const entry = state.entries.get(state.line[state.expiryPointer])!;
    const done =
      entry.status === 'LEFT' ||
      entry.status === 'EXPIRED' ||
      (entry.status === 'USED' && entry.expiresAt <= state.lastAt);
    if (!done) break;
    state.expiryPointer += 1;
  }
  return state;
}

// ---- snapshots -------------------------------------------------------------------------------------------

const STATUS_CODES: QueueEntryStatus[] = ['PRE_QUEUE', 'QUEUED', 'READY', 'USED', 'EXPIRED', 'LEFT'];

type EntryRow = [
  entryId: string,
  userId: string,
  deviceFingerprint: string,
  status: number,
  slot: number,
  joinedAt: number,
  expiresAt: number,
];

interface QueueSnapshot {
  /** Every entry, as a compact row; the line is rebuilt from the slots. */
  entries: EntryRow[];
  challenges: string[];
  preQueue: string[];
  openedAt: number | null;
  seed: number | null;
  admitPointer: number;
  expiryPointer: number;
  epoch: [start: number, admitted: number, forfeited: number];
  totals: [admitted: number, forfeited: number];
  lastAt: number;
}

/**
 * Snapshots store the entries and the counters that events alone set (pointers, epoch); the per-user and
 * per-device indexes, the line and the left-slot tree are rebuilt from the entries. Marking every left slot
 * (also those that left after their turn) changes no position: only slots from admitPointer on are counted.
 */
export const queueSnapshots: Snapshotting<QueueState> = {
  snapshotVersion: 1,
  toSnapshot(state): QueueSnapshot {
    const entries: EntryRow[] = [];
    for (const e of state.entries.values()) {
      entries.push([
        e.entryId,
        e.userId,
        e.deviceFingerprint,
        STATUS_CODES.indexOf(e.status),
        e.slot,
        e.joinedAt,
        e.expiresAt,
      ]);
    }
    return {
      entries,
      challenges: [...state.challenges],
      preQueue: [...state.preQueue],
      openedAt: state.openedAt ?? null,
      seed: state.seed ?? null,
      admitPointer: state.admitPointer,
      expiryPointer: state.expiryPointer,
      epoch: [state.epochStart, state.epochAdmitted, state.epochForfeited],
      totals: [state.admittedTotal, state.forfeitedTotal],
      lastAt: state.lastAt,
    };
  },
  fromSnapshot(raw) {
    const snapshot = raw as QueueSnapshot;
    const state = initialQueueState();
    const line: string[] = [];
    const left: number[] = [];
    for (const [entryId, userId, deviceFingerprint, code, slot, joinedAt, expiresAt] of snapshot.entries) {
      const entry: QueueEntry = {
        entryId,
        userId,
        deviceFingerprint,
        status: STATUS_CODES[code],
        slot,
        joinedAt,
        expiresAt,
      };
      state.entries.set(entryId, entry);
      if (slot >= 0) line[slot] = entryId;
      if (slot >= 0 && entry.status === 'LEFT') left.push(slot);
      if (entry.status === 'PRE_QUEUE') state.preQueueWaiting += 1;
      if (entry.status === 'QUEUED') state.queuedWaiting += 1;
      if (entry.status === 'READY') state.ready += 1;
      if (isLive(entry.status)) {
        state.liveByUser.set(userId, entryId);
        state.liveByDevice.set(deviceFingerprint, (state.liveByDevice.get(deviceFingerprint) ?? 0) + 1);
      }
    }
    state.line = line;
    for (let i = 0; i < line.length; i += 1) state.leftWhileWaiting.push();
    for (const slot of left) state.leftWhileWaiting.mark(slot);
    for (const id of snapshot.challenges) state.challenges.add(id);
    state.preQueue = [...snapshot.preQueue];
    if (snapshot.openedAt !== null) state.openedAt = snapshot.openedAt;
    if (snapshot.seed !== null) state.seed = snapshot.seed;
    state.admitPointer = snapshot.admitPointer;
    state.expiryPointer = snapshot.expiryPointer;
    [state.epochStart, state.epochAdmitted, state.epochForfeited] = snapshot.epoch;
    [state.admittedTotal, state.forfeitedTotal] = snapshot.totals;
    state.lastAt = snapshot.lastAt;
    return state;
  },
};
