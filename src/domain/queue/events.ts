import type { DomainEvent } from '../shared/decider';

/**
 * The waiting room of one ticketed event: stream `queue-{eventId}`. Times are ISO 8601 strings, as in every
 * other event of the log.
 */

/** A user joined: into the pre-queue before the opening, at the back of the line after it. */
export type QueueJoined = DomainEvent<
  'QueueJoined',
  {
    eventId: string;
    entryId: string;
    userId: string;
    deviceFingerprint: string;
    /** The solved challenge's id (its salt/signature hash): a challenge admits one join, once. */
    challengeId: string;
    joinedAt: string;
  }
>;

/**
 * The queue opened (the first command decided at or after the sale's opening). The pre-queue's line order is
 * drawPreQueueOrder(entry ids of the still-waiting pre-queue in join order, seed): the log already holds those
 * ids in that order (their QueueJoined, minus the QueueLeft before this event), so only the seed is recorded, and
 * `drawn` says how many entries the draw covers (a check for whoever recomputes it). Recording the order itself
 * (schema v1) made one event of ~3.9 MB at 100,000 entries, over EventStoreDB's 1 MiB append limit.
 * Admission turns are counted from `openedAt`.
 */
export type QueueOpened = DomainEvent<
  'QueueOpened',
  { eventId: string; seed: number; openedAt: string; drawn: number }
>;

/** Entries whose turn came, in line order: each may reserve until its expiresAt. */
export type QueueAdmitted = DomainEvent<
  'QueueAdmitted',
  { eventId: string; entries: Array<{ entryId: string; expiresAt: string }>; at: string }
>;

/** Admitted entries that did not reserve in time: their turns are given back to the line. */
export type QueueTurnExpired = DomainEvent<
  'QueueTurnExpired',
  { eventId: string; entryIds: string[]; expiredAt: string }
>;

/** An admitted entry reserved with its access (recorded once; the access lasts until its expiresAt). */
export type QueueAccessUsed = DomainEvent<
  'QueueAccessUsed',
  { eventId: string; entryId: string; usedAt: string }
>;

/** The user left: the entry has no position any more (a turn given but not used goes back to the line). */
export type QueueLeft = DomainEvent<'QueueLeft', { eventId: string; entryId: string; leftAt: string }>;

export type QueueEvent =
  QueueJoined | QueueOpened | QueueAdmitted | QueueTurnExpired | QueueAccessUsed | QueueLeft;

export const QUEUE_EVENT_TYPES: ReadonlyArray<QueueEvent['type']> = [
  'QueueJoined',
  'QueueOpened',
  'QueueAdmitted',
  'QueueTurnExpired',
  'QueueAccessUsed',
  'QueueLeft',
];
