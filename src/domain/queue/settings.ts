/**
 * A ticketed event's waiting-room settings, as EventCreated records them in `queue`. Only `enabled` and
 * `admissionPerMinute` existed at first: events recorded before the others were added replay with the defaults,
 * so they stay optional in the recorded shape and are resolved here, in one place.
 */
export interface RecordedQueueSettings {
  enabled: boolean;
  admissionPerMinute: number;
  /** Waiting entries (pre-queue and queued) the room holds before a join is refused with QUEUE_FULL. */
  capacity?: number;
  /** How long an admitted entry may reserve before its turn is given to the next in line. */
  accessSeconds?: number;
  /** The proof-of-work difficulty of the join challenge (0: no challenge). */
  challengeMaxNumber?: number;
  /** Live entries one device fingerprint may hold in this event's room. */
  maxEntriesPerDevice?: number;
}

export type QueueSettings = Required<RecordedQueueSettings>;

export const QUEUE_DEFAULTS = {
  admissionPerMinute: 100,
  capacity: 100_000,
  accessSeconds: 600,
  challengeMaxNumber: 100_000,
  maxEntriesPerDevice: 3,
} as const;

/** The settings with every field present: recorded values win, missing ones take today's defaults. */
export function resolveQueueSettings(recorded: Partial<RecordedQueueSettings> | undefined): QueueSettings {
  return {
    enabled: recorded?.enabled ?? false,
    admissionPerMinute: recorded?.admissionPerMinute ?? QUEUE_DEFAULTS.admissionPerMinute,
    capacity: recorded?.capacity ?? QUEUE_DEFAULTS.capacity,
    accessSeconds: recorded?.accessSeconds ?? QUEUE_DEFAULTS.accessSeconds,
    challengeMaxNumber: recorded?.challengeMaxNumber ?? QUEUE_DEFAULTS.challengeMaxNumber,
    maxEntriesPerDevice: recorded?.maxEntriesPerDevice ?? QUEUE_DEFAULTS.maxEntriesPerDevice,
  };
}
