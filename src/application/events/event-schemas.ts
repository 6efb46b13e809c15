import type { RecordedEvent } from '../ports/event-store';

/**
 * Event schema versions and upcasters: the one registry that says which payload version of each event type the
 * code writes, and how an older payload becomes the current one. Every event store adapter applies `upcast` on
 * read, so deciders, projections, sagas, the audit API and the replay only ever see current shapes, and a log
 * written by older code still replays. Deciders stay unaware of versions (the domain is pure and current-only).
 *
 * To change an event's shape: bump its version here and add an upcaster from the previous version. Upcasters are
 * pure functions of the stored event (payload and envelope), chained one version at a time; never edit one
 * that has shipped, since logs written with it exist.
 */

type Upcaster = (data: Record<string, unknown>, event: RecordedEvent) => Record<string, unknown>;

interface EventSchema {
  /** The version the code writes now. */
  version: number;
  /** `upcasters[v]` turns version v into v + 1. */
  upcasters: Record<number, Upcaster>;
}

/** Every event type not listed is at version 1 (its first shape). */
const SCHEMAS: Record<string, EventSchema> = {
  /**
   * v2 records the venue's capacity (seats in all rows), as decided when the venue was created (the decider
   * checks it against MAX_SEATS_PER_VENUE): readers of the log no longer recount every row. v1 lacked it; its
   * upcaster counts the rows, which is exactly what the v2 decider writes.
   */
  VenueCreated: {
    version: 2,
    upcasters: {
      1: (data) => ({
        ...data,
        capacity: (data.sections as Array<{ rows: Array<{ seatCount: number }> }>).reduce(
          (sum, section) => sum + section.rows.reduce((n, row) => n + row.seatCount, 0),
          0,
        ),
      }),
    },
  },
  /**
   * v2 records the draw's seed and how many pre-queue entries it covers (`drawn`) instead of the drawn `order`
   * (~3.9 MB at 100,000 entries, over EventStoreDB's 1 MiB append limit); evolve recomputes the order with
   * drawPreQueueOrder(the still-waiting pre-queue in join order, seed). Dropping a v1 `order` loses nothing: the
   * v1 decider computed it with that same function from that same state (the entries joined before the event and
   * not left), so the recomputation is the recorded order by construction (queue-opened-v1.int.test.ts replays
   * a v1 log and checks it entry by entry).
   */
  QueueOpened: {
    version: 2,
    upcasters: {
      1: ({ order, ...data }) => ({ ...data, drawn: (order as string[]).length }),
    },
  },
};

/** The payload version the code writes for `type`; stored in each event's metadata as `schemaVersion`. */
export function currentSchemaVersion(type: string): number {
  return SCHEMAS[type]?.version ?? 1;
}

/** Event types whose current version is above 1, with that version (documentation and tests). */
export function versionedEventTypes(): Record<string, number> {
  return Object.fromEntries(Object.entries(SCHEMAS).map(([type, schema]) => [type, schema.version]));
}

/**
 * The stored event in its current shape. Events already current (all but a few after a change) are returned
 * as they are, without a copy: this runs on every read. A version newer than the code knows (a log written by
 * a newer release) is refused rather than misread.
 */
export function upcast<E extends RecordedEvent>(event: E): E {
  const schema = SCHEMAS[event.type];
  if (!schema) return event;
  const stored = Number(event.metadata?.schemaVersion ?? 1);
  if (stored === schema.version) return event;
  if (!Number.isInteger(stored) || stored < 1 || stored > schema.version) {
    throw new Error(
      `${event.type} at position ${event.position} has schema version ${String(event.metadata?.schemaVersion)}; ` +
        `this code reads up to ${schema.version}`,
    );
  }
  let data = event.data as Record<string, unknown>;
  for (let version = stored; version < schema.version; version += 1) {
    const step = schema.upcasters[version];
    if (!step) throw new Error(`No upcaster for ${event.type} from version ${version}`);
    data = step(data, event);
  }
  return { ...event, data, metadata: { ...event.metadata, schemaVersion: schema.version } };
}
