import fc from 'fast-check';
import { queueDecider, type QueueCommand, type QueueContext } from '../../src/domain/queue/decide';
import { drawPreQueueOrder } from '../../src/domain/queue/draw';
import type { QueueEvent } from '../../src/domain/queue/events';
import { positionOf, queueSnapshots, waitingCount, type QueueState } from '../../src/domain/queue/state';
import { DomainError } from '../../src/domain/shared/errors';

/** Fixed seeds: a failure is reproducible; fast-check prints the shrunk counterexample. */
const RUNS = { seed: 20260601, numRuns: 300 };

describe('drawPreQueueOrder (property)', () => {
  const ids = fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), { maxLength: 300 });
  const seed = fc.integer({ min: 0, max: 0xffffffff });

  test('is a permutation of the entry ids', () => {
    fc.assert(
      fc.property(ids, seed, (entryIds, s) => {
        const order = drawPreQueueOrder(entryIds, s);
        expect(order).toHaveLength(entryIds.length);
        expect([...order].sort()).toEqual([...entryIds].sort());
      }),
      RUNS,
    );
  });

  test('the same ids and seed give the same order (as a number or as hex)', () => {
    fc.assert(
      fc.property(ids, seed, (entryIds, s) => {
        expect(drawPreQueueOrder(entryIds, s)).toEqual(drawPreQueueOrder([...entryIds], s));
        expect(drawPreQueueOrder(entryIds, s.toString(16))).toEqual(drawPreQueueOrder(entryIds, s));
      }),
      RUNS,
    );
  });
});

// ---- the room under random traffic ----------------------------------------------------------------------

type Step =
  | { kind: 'join'; user: number; device: number }
  | { kind: 'leave'; user: number }
  | { kind: 'use'; user: number }
  | { kind: 'admit' }
  | { kind: 'wait'; ms: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant('join' as const), user: fc.nat(24), device: fc.nat(5) }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('leave' as const), user: fc.nat(24) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('use' as const), user: fc.nat(24) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('admit' as const) }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 20_000 }) }),
  },
);

const settings = fc.record({
  enabled: fc.constant(true),
  admissionPerMinute: fc.integer({ min: 1, max: 240 }),
  capacity: fc.integer({ min: 1, max: 30 }),
  accessSeconds: fc.integer({ min: 1, max: 60 }),
  maxEntriesPerDevice: fc.integer({ min: 1, max: 4 }),
});

const OPENS = Date.parse('2026-06-01T13:00:00.000Z');
const REFUSALS = new Set([
  'ALREADY_IN_QUEUE',
  'DEVICE_LIMIT_REACHED',
  'QUEUE_FULL',
  'QUEUE_ENTRY_NOT_FOUND',
  'CHALLENGE_FAILED',
]);

/** Waiting entries ahead of each QUEUED entry, counted the slow way from the line. */
function naivePositions(state: QueueState): Map<string, number> {
  const positions = new Map<string, number>();
  let ahead = 0;
  for (const entryId of state.line) {
    if (state.entries.get(entryId)!.status !== 'QUEUED') continue;
    ahead += 1;
    positions.set(entryId, ahead);
  }
  return positions;
}

describe('the waiting room under random joins, leaves, uses, admissions and waits (property)', () => {
  test('positions match the line, only go down, and the rules hold after every decision', () => {
    fc.assert(
      fc.property(
        settings,
        fc.integer({ min: -60_000, max: 10_000 }),
        fc.array(step, { minLength: 1, maxLength: 120 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        (rules, startOffset, steps, seed) => {
          const context: QueueContext = {
            eventId: 'e',
            opensAt: new Date(OPENS),
            closesAt: new Date(OPENS + 86_400_000),
            cancelled: false,
            settings: rules,
          };
          let state = queueDecider.initialState();
          const history: QueueEvent[] = [];
          let now = OPENS + startOffset;
          let n = 0;
          const liveOf = new Map<number, string>(); // user -> last entry id
          let previous = new Map<string, number>();

          for (const s of steps) {
            if (s.kind === 'wait') {
              now += s.ms;
              continue;
            }
            const at = new Date(now);
            let command: QueueCommand;
            if (s.kind === 'join') {
              n += 1;
              command = {
                type: 'JoinQueue',
                entryId: `q${n}`,
                userId: `u${s.user}`,
                deviceFingerprint: `d${s.device}`,
                challengeId: `c${n}`,
                seed,
                at,
              };
            } else if (s.kind === 'leave') {
              command = {
                type: 'LeaveQueue',
                entryId: liveOf.get(s.user) ?? 'none',
                userId: `u${s.user}`,
                seed,
                at,
              };
            } else if (s.kind === 'use') {
              command = { type: 'MarkAccessUsed', entryId: liveOf.get(s.user) ?? 'none', seed, at };
            } else command = { type: 'AdmitDue', seed, at };

            let events: QueueEvent[] = [];
            try {
              events = queueDecider.decide(command, state, context);
            } catch (error) {
              expect(error).toBeInstanceOf(DomainError);
              expect(REFUSALS).toContain((error as DomainError).code);
            }
            for (const event of events) {
              state = queueDecider.evolve(state, event);
              history.push(event);
            }
            if (s.kind === 'join' && events.some((e) => e.type === 'QueueJoined'))
              liveOf.set(s.user, `q${n}`);

            // Positions: O(log n) answer = the slow count; waiting entries never move back.
            const naive = naivePositions(state);
            for (const [entryId, position] of naive) {
              expect(positionOf(state, entryId)).toBe(position);
              const before = previous.get(entryId);
              if (before !== undefined) expect(position).toBeLessThanOrEqual(before);
            }
            previous = naive;

            // Counts kept incrementally equal the counts of the entries.
            const entries = [...state.entries.values()];
            const count = (status: string) => entries.filter((e) => e.status === status).length;
            expect(waitingCount(state)).toBe(count('PRE_QUEUE') + count('QUEUED'));
            expect(state.ready).toBe(count('READY'));
            expect(waitingCount(state)).toBeLessThanOrEqual(rules.capacity);

            // One live entry per user; no device over its limit.
            const live = entries.filter((e) => ['PRE_QUEUE', 'QUEUED', 'READY'].includes(e.status));
            expect(new Set(live.map((e) => e.userId)).size).toBe(live.length);
            const perDevice = new Map<string, number>();
            for (const e of live)
              perDevice.set(e.deviceFingerprint, (perDevice.get(e.deviceFingerprint) ?? 0) + 1);
            for (const c of perDevice.values()) expect(c).toBeLessThanOrEqual(rules.maxEntriesPerDevice);

            // Never more turns than the rate allows (plus turns given back).
            if (state.openedAt !== undefined) {
              const accrued = Math.floor(
                ((state.lastAt - state.openedAt) * rules.admissionPerMinute) / 60_000,
              );
              expect(state.admittedTotal).toBeLessThanOrEqual(accrued + state.forfeitedTotal);
            } else expect(state.admittedTotal).toBe(0);
          }

          // The line starts with the draw recomputed from the log: the pre-queue joins (minus those that left first).
          const openedAt = history.findIndex((e) => e.type === 'QueueOpened');
          if (openedAt >= 0) {
            const opened = history[openedAt] as Extract<QueueEvent, { type: 'QueueOpened' }>;
            const before = history.slice(0, openedAt);
            const leftEarly = new Set(
              before.filter((e) => e.type === 'QueueLeft').map((e) => e.data.entryId),
            );
            const preQueue = before
              .filter((e) => e.type === 'QueueJoined')
              .map((e) => e.data.entryId)
              .filter((id) => !leftEarly.has(id));
            expect(opened.data.drawn).toBe(preQueue.length);
            expect(state.line.slice(0, preQueue.length)).toEqual(
              drawPreQueueOrder(preQueue, opened.data.seed),
            );
          }

          // A snapshot of the final state answers like the fold.
          const restored = queueSnapshots.fromSnapshot(
            JSON.parse(JSON.stringify(queueSnapshots.toSnapshot(state))),
          );
          for (const entryId of state.entries.keys())
            expect(positionOf(restored, entryId)).toBe(positionOf(state, entryId));
          expect(waitingCount(restored)).toBe(waitingCount(state));
          expect(restored.ready).toBe(state.ready);
        },
      ),
      { ...RUNS, numRuns: 200 },
    );
  });
});
