import { isDeepStrictEqual } from 'node:util';
import type { EventStore, RecordedEvent } from '../ports/event-store';
import type { ReadStore } from '../ports/read-store';
import { LogAuditor, type AuditOptions, type InvariantReport } from './invariants';
import { LOG_PAGE_SIZE } from './seat-ledger';

/**
 * A read model's event handlers (structurally src/projections' Projection; '*' sees every event). A handler
 * returns nothing when it applied the event at once, else a promise.
 */
export interface ReplayProjection {
  name: string;
  /**
   * The other read models whose documents this one's handlers read (by projection name): a replay that spreads
   * the read models over threads keeps them together, in the same order.
   */
  reads?: readonly string[];
  /**
   * What folding a typical on-sale log costs this read model: seconds per 1,000,000 events of the `npm run
   * bench:replay` log, folded alone in one thread, less what reading and parsing take (1 when unsaid). Used only to
   * spread read models evenly over replay threads: a wrong figure costs speed, never correctness.
   */
  replayWeight?: number;
  handlers: Partial<Record<string, (event: RecordedEvent<any>, store: ReadStore) => void | Promise<void>>>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface ReplayOptions extends AuditOptions {
  store: EventStore;
  /** Fresh projections (with fresh caches) and an empty read store to rebuild into. */
  projections: ReplayProjection[];
  fresh: ReadStore;
  /** The live read models, when reachable: every collection is compared with the rebuilt one. */
  live?: ReadStore;
  /**
   * Where the live read models stand in the log (their projections' checkpoint), for live read models of another
   * process: compared only at a quiet moment, when that is the replay's head and the log has not moved on.
   * Absent: the caller has them caught up (in-process).
   */
  livePosition?(): Promise<number>;
  /** Only the events of one ticketed event: its stream, its orders, their tickets (and the venues). */
  eventId?: string;
  pageSize?: number;
  /** The log position to stop at; default: the head when the replay starts (shares of one replay pass the same). */
  upTo?: number;
  /** Check the invariants (default): false for a share of a replay whose invariants another share checks. */
  invariants?: boolean;
  /** Called after every page: log position reached, head position, events folded so far. */
  onProgress?(position: number, head: number, events: number): void;
}

export interface CollectionDiff {
  collection: string;
  rebuilt: number;
  live: number;
  /** Ids only in the rebuilt or only in the live collection, or in both with different contents (first 20). */
  onlyRebuilt: string[];
  onlyLive: string[];
  different: string[];
}

export interface ReplayReport extends InvariantReport {
  scope: { event_id: string | null };
  duration_ms: number;
  events_per_s: number;
  /** The threads that read and folded the log (see replayInThreads). */
  threads: number;
  read_models: Record<string, number>;
  projection_errors: string[];
  /** null when no live read models were reachable, or when they could not be compared (`comparison_skipped`). */
  comparison: Comparison | null;
  /** Why live read models that were reachable were not compared (a scoped replay, a server still writing). */
  comparison_skipped: string | null;
}

export interface Comparison {
  equal: boolean;
  collections: CollectionDiff[];
}

/**
 * The auditor's replay: reads the whole log once, page by page, and for each event (in log order) checks the
 * invariants as they stand at that point (LogAuditor) and applies it to fresh projections. Then compares the
 * rebuilt read models with the live ones when given, and reports.
 */
export async function replayLog(options: ReplayOptions): Promise<ReplayReport> {
  const started = performance.now();
  const { store, fresh } = options;
  const pageSize = options.pageSize ?? LOG_PAGE_SIZE;
  const auditor = new LogAuditor(options);
  const checking = options.invariants ?? true;
  const handlers = dispatcher(options.projections);
  const inScope = options.eventId ? scopeFilter(options.eventId) : () => true;
  const errors: string[] = [];
  const head = options.upTo ?? (await store.headPosition());
  let events = 0;
  let from = 0;
  for (;;) {
    const page = await store.readAll({ fromPosition: from, maxCount: pageSize });
    for (const event of page) {
      if (event.position > head) break; // appended while we replay: the report describes the log up to head
      if (!inScope(event)) continue;
      events += 1;
      if (checking) auditor.apply(event);
      for (const handler of handlers(event.type)) {
        try {
          // Awaited only when the handler had to wait: on the memory store every handler applies at once, and an
          // await per handler per event was most of a rebuild's cost.
          const applying = handler(event, fresh);
          if (applying) await applying;
        } catch (error) {
          if (errors.length < 100)
            errors.push(`${event.type}@${event.position}: ${(error as Error).message}`);
        }
      }
    }
    if (page.length > 0) from = page[page.length - 1].position;
    options.onProgress?.(Math.min(from, head), head, events);
    if (page.length < pageSize || from >= head) break;
  }
  const durationMs = performance.now() - started;

  const readModels: Record<string, number> = {};
  for (const name of await fresh.collectionNames())
    readModels[name] = (await fresh.collection(name).all()).length;
  const { comparison, skipped } = await compareWithLive({
    fresh,
    live: options.live,
    head,
    eventId: options.eventId,
    logHead: () => store.headPosition(),
    livePosition: options.livePosition,
  });
  const invariants = { ...auditor.report(), events };
  const ok = invariants.ok && errors.length === 0 && (comparison?.equal ?? true);
  return {
    ...invariants,
    ok,
    scope: { event_id: options.eventId ?? null },
    duration_ms: Math.round(durationMs),
    events_per_s: eventsPerSecond(events, durationMs),
    threads: 1,
    read_models: readModels,
    projection_errors: errors,
    comparison,
    comparison_skipped: skipped,
  };
}

/** How long a replay waits for live read models of another process to reach its head (its last events, projected). */
export const LIVE_CATCH_UP_MS = 3_000;

/**
 * The rebuilt read models compared with the live ones, when there are live ones and the comparison means something:
 * not for a replay of one event, and for another process's read models (`livePosition`) only when they stand at the
 * replay's head (waiting up to LIVE_CATCH_UP_MS for them to get there) and the log stays there until the comparison
 * is over. Otherwise the reason it was skipped.
 */
export async function compareWithLive(args: {
  fresh: ReadStore;
  live?: ReadStore;
  /** The log position the replay stopped at. */
  head: number;
  eventId?: string;
  logHead(): Promise<number>;
  livePosition?(): Promise<number>;
  waitMs?: number;
}): Promise<{ comparison: Comparison | null; skipped: string | null }> {
  const { live, head } = args;
  if (!live) return { comparison: null, skipped: null };
  if (args.eventId)
    return { comparison: null, skipped: 'a replay of one event is not compared with whole read models' };
  const moved = async (when: string) => {
    const now = await args.logHead();
    return now === head
      ? null
      : `events were appended ${when} (the log's head moved from ${head} to ${now}): run the replay again when the server is quiet`;
  };
  if (args.livePosition) {
    const deadline = Date.now() + (args.waitMs ?? LIVE_CATCH_UP_MS);
    let at = await args.livePosition();
    while (at < head && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      at = await args.livePosition();
    }
    const appended = await moved('while it replayed');
    if (appended) return { comparison: null, skipped: appended };
    if (at !== head)
      return {
        comparison: null,
        skipped: `the live read models stand at log position ${at}, the log at ${head}: the server has not projected its last events (is it running?)`,
      };
  }
  const comparison = await compare(args.fresh, live);
  const appended = args.livePosition ? await moved('while it compared') : null;
  return appended ? { comparison: null, skipped: appended } : { comparison, skipped: null };
}

export const eventsPerSecond = (events: number, durationMs: number): number =>
  Math.round(events / Math.max(durationMs / 1000, 1e-3));

type Handler = (event: RecordedEvent, store: ReadStore) => void | Promise<void>;

/** Handlers per event type in projection order, then the '*' ones; resolved once per type. */
function dispatcher(projections: ReplayProjection[]): (type: string) => Handler[] {
  const byType = new Map<string, Handler[]>();
  for (const projection of projections)
    for (const [type, handler] of Object.entries(projection.handlers))
      if (handler) byType.set(type, [...(byType.get(type) ?? []), handler as Handler]);
  const resolved = new Map<string, Handler[]>();
  return (type) => {
    let list = resolved.get(type);
    if (!list) resolved.set(type, (list = [...(byType.get(type) ?? []), ...(byType.get('*') ?? [])]));
    return list;
  };
}

/**
 * The events of one ticketed event: its own stream, its waiting room (`queue-{id}`), the venues (its seat maps
 * need them), its orders (known from their first payment attempt, or their OrderPlaced in logs written before
 * attempts: whichever comes first in their stream names the event) and its tickets (known from their TicketIssued).
 */
function scopeFilter(eventId: string): (event: RecordedEvent) => boolean {
  const stream = `event-${eventId}`;
  const queue = `queue-${eventId}`; // its waiting room
  const orders = new Set<string>();
  const tickets = new Set<string>();
  return (event) => {
    if (event.streamName === stream || event.streamName === queue) return true;
    if (event.type === 'VenueCreated') return true;
    const d = event.data as { eventId?: string; orderId?: string; ticketId?: string };
    if ((event.type === 'OrderPlaced' || event.type === 'OrderPaymentAuthorizing') && d.eventId === eventId) {
      orders.add(d.orderId!);
      return true;
    }
    if (event.type === 'TicketIssued' && d.eventId === eventId) {
      tickets.add(d.ticketId!);
      return true;
    }
    if (event.streamName.startsWith('order-')) return d.orderId !== undefined && orders.has(d.orderId);
    if (event.streamName.startsWith('ticket-')) return d.ticketId !== undefined && tickets.has(d.ticketId);
    return false;
  };
}

/** Every collection of either store, document by document (the read store hands out plain objects). */
export async function compare(rebuilt: ReadStore, live: ReadStore): Promise<Comparison> {
  const names = [
    ...new Set([...(await rebuilt.collectionNames()), ...(await live.collectionNames())]),
  ].sort();
  const collections: CollectionDiff[] = [];
  for (const name of names) {
    const a = new Map((await rebuilt.collection(name).all()).map((d) => [d._id, d]));
    const b = new Map((await live.collection(name).all()).map((d) => [d._id, d]));
    const diff: CollectionDiff = {
      collection: name,
      rebuilt: a.size,
      live: b.size,
      onlyRebuilt: [],
      onlyLive: [],
      different: [],
    };
    for (const [id, doc] of a) {
      const other = b.get(id);
      if (!other) diff.onlyRebuilt.push(id);
      else if (!isDeepStrictEqual(plain(doc), plain(other))) diff.different.push(id);
    }
    for (const id of b.keys()) if (!a.has(id)) diff.onlyLive.push(id);
    const changed = diff.onlyRebuilt.length + diff.onlyLive.length + diff.different.length;
    diff.onlyRebuilt = diff.onlyRebuilt.slice(0, 20);
    diff.onlyLive = diff.onlyLive.slice(0, 20);
    diff.different = diff.different.slice(0, 20);
    if (changed > 0 || a.size !== b.size) collections.push(diff);
  }
  return { equal: collections.length === 0, collections };
}

/** Documents compared as their JSON (a store may hand out class instances or Dates). */
const plain = (doc: unknown) => JSON.parse(JSON.stringify(doc)) as unknown;
