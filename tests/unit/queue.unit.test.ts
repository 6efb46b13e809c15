import { currentSchemaVersion } from '../../src/application/events/event-schemas';
import { catchUpDue, hasAccessAt, queueDecider } from '../../src/domain/queue/decide';
import { drawPreQueueOrder, mulberry32, seedToUint32 } from '../../src/domain/queue/draw';
import { QUEUE_EVENT_TYPES, type QueueEvent } from '../../src/domain/queue/events';
import { QUEUE_DEFAULTS, resolveQueueSettings } from '../../src/domain/queue/settings';
import { SlotCounter } from '../../src/domain/queue/slot-counter';
import { positionOf, queueSnapshots, waitingCount, type QueueState } from '../../src/domain/queue/state';
import { spec } from '../support/given-when-then';
import {
  admitDue,
  admitted,
  BEFORE,
  CLOSES,
  ctx,
  expired,
  join,
  joined,
  leave,
  left,
  markUsed,
  OPENS,
  opened,
  openLine,
  SEED,
  t,
  used,
} from './fixtures/queue';

const queue = spec(queueDecider);
const fold = (events: QueueEvent[]): QueueState => queue.given(events).state();

// ---------------------------------------------------------------------------------------------------------

describe('JoinQueue before the opening: the pre-queue', () => {
  test('records QueueJoined; the entry is PRE_QUEUE, counted as waiting, without a position', () => {
    queue
      .given([], ctx())
      .when(join('a', BEFORE))
      .then([joined('a', BEFORE)]);
    const state = fold([joined('a', BEFORE)]);
    expect(state.entries.get('a')).toMatchObject({ status: 'PRE_QUEUE', slot: -1 });
    expect(positionOf(state, 'a')).toBeNull();
    expect(waitingCount(state)).toBe(1);
  });

  test('nothing opens, expires or is admitted before opensAt', () => {
    queue
      .given([joined('a', BEFORE)], ctx())
      .when(admitDue(t(-1)))
      .thenNothing();
    expect(catchUpDue(fold([joined('a', BEFORE)]), ctx(), Date.parse(t(-1)))).toBe(false);
  });
});

describe('the opening and the draw', () => {
  const pre = ['a', 'b', 'c', 'd', 'e'].map((id, i) => joined(id, `2026-06-01T12:0${i}:00.000Z`));

  test('the first command at or after opensAt records QueueOpened with the seed and the count it draws; evolve lines them up in the drawn order', () => {
    const events = queue
      .given(pre, ctx())
      .when(admitDue(OPENS))
      .then([opened(5, OPENS)]);
    const order = drawPreQueueOrder(['a', 'b', 'c', 'd', 'e'], SEED);
    expect(order).not.toEqual(['a', 'b', 'c', 'd', 'e']); // a shuffle, so the test can tell
    const state = fold([...pre, ...events]);
    expect(state.line).toEqual(order);
    order.forEach((id, i) => expect(positionOf(state, id)).toBe(i + 1));
    expect(state.preQueue).toEqual([]);
    expect(waitingCount(state)).toBe(5);
  });

  test('QueueOpened stays small however many wait: the seed and a count, never the entry ids', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => joined(`entry-${i}`, BEFORE));
    const [event] = queueDecider.decide(admitDue(OPENS), fold(many), ctx({ capacity: 10_000 }));
    expect(event).toEqual(opened(10_000, OPENS));
    expect(JSON.stringify(event.data).length).toBeLessThan(200);
  });

  test('a join after opensAt opens first (its seed draws), then joins behind the drawn pre-queue', () => {
    const order = drawPreQueueOrder(['a', 'b', 'c', 'd', 'e'], 7);
    const events = queue
      .given(pre, ctx())
      .when(join('z', t(5), { seed: 7 }))
      .then([opened(5, t(5), 7), joined('z', t(5))]);
    const state = fold([...pre, ...events]);
    order.forEach((id, i) => expect(positionOf(state, id)).toBe(i + 1));
    expect(positionOf(state, 'z')).toBe(6);
    expect(state.line).toEqual([...order, 'z']);
  });

  test('a leave after opensAt opens the queue too, then leaves', () => {
    const events = queue
      .given(pre, ctx())
      .when(leave('c', t(1)))
      .then([opened(5, t(1)), left('c', t(1))]);
    const state = fold([...pre, ...events]);
    expect(state.line).toEqual(drawPreQueueOrder(['a', 'b', 'c', 'd', 'e'], SEED));
    expect(state.entries.get('c')!.status).toBe('LEFT');
  });

  test('pre-queue entries that left before the opening are not drawn', () => {
    const history = [...pre, left('b', '2026-06-01T12:30:00.000Z')];
    const events = queue
      .given(history, ctx())
      .when(admitDue(OPENS))
      .then([opened(4, OPENS)]);
    expect(fold([...history, ...events]).line).toEqual(drawPreQueueOrder(['a', 'c', 'd', 'e'], SEED));
  });

  test('a QueueOpened whose count is not the waiting pre-queue is refused by evolve (the log does not hold its draw)', () => {
    expect(() => fold([...pre, opened(4)])).toThrow(/draws 4 pre-queue entries, but 5 are waiting/);
    expect(() => fold([...pre, left('b', BEFORE), opened(5)])).toThrow(/draws 5 .* but 4/);
  });

  test('a snapshot taken before the opening keeps the join order: the draw after it is the same', () => {
    const history = [...pre, left('c', '2026-06-01T12:30:00.000Z')];
    const restored = queueSnapshots.fromSnapshot(
      JSON.parse(JSON.stringify(queueSnapshots.toSnapshot(fold(history)))),
    );
    const openedEvents = queueDecider.decide(admitDue(OPENS), restored, ctx());
    expect(openedEvents).toEqual([opened(4, OPENS)]);
    const fromSnapshot = openedEvents.reduce(queueDecider.evolve, restored);
    const fromLog = fold([...history, ...openedEvents]);
    expect(fromSnapshot.line).toEqual(fromLog.line);
    expect(fromSnapshot.line).toEqual(drawPreQueueOrder(['a', 'b', 'd', 'e'], SEED));
    for (const id of ['a', 'b', 'c', 'd', 'e'])
      expect(positionOf(fromSnapshot, id)).toBe(positionOf(fromLog, id));
  });

  test('an empty pre-queue opens with nothing drawn; later joins are FIFO', () => {
    queue
      .given([], ctx())
      .when(admitDue(t(0)))
      .then([opened(0, OPENS)]);
    const state = fold([opened(0), joined('x', t(0)), joined('y', t(0)), joined('z', t(0))]);
    expect(['x', 'y', 'z'].map((id) => positionOf(state, id))).toEqual([1, 2, 3]);
  });

  test('the fixture openLine joins in the order whose draw is the line it names', () => {
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    expect(fold(openLine(ids)).line).toEqual(ids);
  });

  test('a command without a seed does not open the queue (the application always sends one)', () => {
    queue
      .given(pre, ctx())
      .when({ type: 'MarkAccessUsed', entryId: 'a', at: new Date(OPENS) })
      .thenNothing();
  });

  test('the room opens only once', () => {
    queue
      .given([...pre, opened(5)], ctx())
      .when(admitDue(OPENS, 99))
      .thenNothing();
  });
});

describe('one live entry per user, the device limit, the capacity, the challenge', () => {
  test('joining again while PRE_QUEUE, QUEUED or READY -> ALREADY_IN_QUEUE naming the live entry', () => {
    const again = join('a2', t(1), { userId: 'user-a' });
    queue
      .given([joined('a', BEFORE)], ctx())
      .when(join('a2', BEFORE, { userId: 'user-a' }))
      .thenThrows('ALREADY_IN_QUEUE', { entry_id: 'a' });
    queue
      .given(openLine(['a']), ctx())
      .when(again)
      .thenThrows('ALREADY_IN_QUEUE', { entry_id: 'a' });
    queue
      .given([...openLine(['a']), admitted(['a'], t(1))], ctx())
      .when(again)
      .thenThrows('ALREADY_IN_QUEUE', { entry_id: 'a' });
  });

  test('after leaving, after the turn expired or was used, the user joins again at the back', () => {
    const line = openLine(['a', 'b']);
    const rejoin = join('a2', t(10), { userId: 'user-a' });
    const expectJoinedBehind = (history: QueueEvent[]) => {
      const events = queue
        .given(history, ctx({ admissionPerMinute: 0 }))
        .when(rejoin)
        .events();
      const state = fold([...history, ...events]);
      expect(state.entries.get('a2')?.status).toBe('QUEUED');
      expect(positionOf(state, 'a2')).toBe(waitingCount(state));
    };
    expectJoinedBehind([...line, left('a', t(2))]);
    expectJoinedBehind([...line, admitted(['a'], t(1)), used('a', t(2))]);
    expectJoinedBehind([...line, admitted(['a'], t(1)), expired(['a'], t(122))]);
  });

  test('a READY entry whose turn ran out no longer blocks its user: the join records the expiry first', () => {
    const history = [...openLine(['a', 'b']), admitted(['a'], t(1))];
    const events = queue
      .given(history, ctx({ admissionPerMinute: 0 }))
      .when(join('a2', t(121), { userId: 'user-a' }))
      .events();
    expect(events.map((e) => e.type)).toEqual(['QueueTurnExpired', 'QueueJoined']);
  });

  test('more live entries than maxEntriesPerDevice on one device -> DEVICE_LIMIT_REACHED; a leave frees a place', () => {
    const device = { deviceFingerprint: 'phone-1' };
    const history = [joined('a', BEFORE, device), joined('b', BEFORE, device)];
    queue
      .given(history, ctx({ maxEntriesPerDevice: 2 }))
      .when(join('c', BEFORE, device))
      .thenThrows('DEVICE_LIMIT_REACHED', { limit: 2 });
    queue
      .given([...history, left('a', BEFORE)], ctx({ maxEntriesPerDevice: 2 }))
      .when(join('c', BEFORE, device))
      .then([joined('c', BEFORE, device)]);
  });

  test('waiting entries >= capacity -> QUEUE_FULL; admitted entries no longer count', () => {
    const history = openLine(['a', 'b', 'c']);
    queue
      .given(history, ctx({ capacity: 3 }))
      .when(join('d', OPENS))
      .thenThrows('QUEUE_FULL', { capacity: 3 });
    // One second later one turn is due: it is admitted in the same decision, which frees a place.
    queue
      .given(history, ctx({ capacity: 3 }))
      .when(join('d', t(1)))
      .then([admitted(['a'], t(1)), joined('d', t(1))]);
  });

  test('the pre-queue counts towards the capacity', () => {
    queue
      .given([joined('a', BEFORE), joined('b', BEFORE)], ctx({ capacity: 2 }))
      .when(join('c', BEFORE))
      .thenThrows('QUEUE_FULL');
  });

  test('a challenge id seen before in this room -> CHALLENGE_FAILED, whoever sends it and whenever', () => {
    const history = [joined('a', BEFORE), left('a', BEFORE)];
    const error = queue
      .given(history, ctx())
      .when(join('b', BEFORE, { challengeId: 'challenge-a' }))
      .thenThrows('CHALLENGE_FAILED');
    expect(error.message).toBe('challenge already used');
  });

  test('the same join decided twice (a retried command) records nothing the second time', () => {
    queue
      .given([joined('a', BEFORE)], ctx())
      .when(join('a', BEFORE))
      .thenNothing();
  });

  test('an empty device fingerprint or challenge id -> VALIDATION_ERROR', () => {
    queue
      .given([], ctx())
      .when(join('a', BEFORE, { deviceFingerprint: '' }))
      .thenThrows('VALIDATION_ERROR', { field: 'device_fingerprint' });
    queue
      .given([], ctx())
      .when(join('a', BEFORE, { challengeId: '' }))
      .thenThrows('VALIDATION_ERROR', { field: 'challenge_id' });
  });

  test('no waiting room -> QUEUE_NOT_ENABLED; cancelled or started event -> SALE_ENDED', () => {
    queue
      .given([], ctx({ enabled: false }))
      .when(join('a', BEFORE))
      .thenThrows('QUEUE_NOT_ENABLED');
    queue
      .given([], ctx({}, { cancelled: true }))
      .when(join('a', BEFORE))
      .thenThrows('SALE_ENDED');
    queue.given([], ctx()).when(join('a', CLOSES)).thenThrows('SALE_ENDED');
  });
});

describe('admission at admissionPerMinute', () => {
  const line = openLine(['a', 'b', 'c', 'd', 'e', 'f']);

  test('turns accrue from the opening: floor(elapsed * rate / 60000), given in line order, in one event', () => {
    queue
      .given(line, ctx())
      .when(admitDue(t(0.999)))
      .thenNothing();
    queue
      .given(line, ctx())
      .when(admitDue(t(3.5)))
      .then([admitted(['a', 'b', 'c'], t(3.5))]);
    // Admitted turns run for accessSeconds.
    const state = fold([...line, admitted(['a', 'b', 'c'], t(3.5))]);
    expect(state.entries.get('a')).toMatchObject({ status: 'READY', expiresAt: Date.parse(t(123.5)) });
    expect(['a', 'd', 'e', 'f'].map((id) => positionOf(state, id))).toEqual([0, 1, 2, 3]);
  });

  test('an AdmitDue with nothing due records nothing', () => {
    queue
      .given([...line, admitted(['a', 'b', 'c'], t(3.5))], ctx())
      .when(admitDue(t(3.9)))
      .thenNothing();
  });

  test('lazily: any command first records the admissions that fell due', () => {
    queue
      .given(line, ctx())
      .when(leave('f', t(2)))
      .then([admitted(['a', 'b'], t(2)), left('f', t(2))]);
  });

  test('entries that left are skipped; the ones behind them move up', () => {
    const history = [...line, left('b', t(0)), left('c', t(0))];
    const state = fold(history);
    expect(['a', 'd', 'e', 'f'].map((id) => positionOf(state, id))).toEqual([1, 2, 3, 4]);
    queue
      .given(history, ctx())
      .when(admitDue(t(2)))
      .then([admitted(['a', 'd'], t(2))]);
  });

  test('never more than the waiting entries, and credit that accrued while nobody waited is not banked', () => {
    const history = [...openLine(['a']), admitted(['a'], t(1)), used('a', t(2))];
    queue
      .given(history, ctx())
      .when(admitDue(t(600)))
      .thenNothing();
    // Ten minutes with nobody waiting, then a rush: the first join restarts the turn clock.
    const rush = [joined('x', t(600)), joined('y', t(600)), joined('z', t(600))];
    queue
      .given([...history, ...rush], ctx())
      .when(admitDue(t(600.5)))
      .thenNothing();
    queue
      .given([...history, ...rush], ctx())
      .when(admitDue(t(602)))
      .then([admitted(['x', 'y'], t(602))]);
  });

  test('a decision never goes back before the latest recorded time', () => {
    const history = [...line, admitted(['a', 'b', 'c'], t(3.5))];
    queue
      .given(history, ctx())
      .when(leave('e', t(1)))
      .then([left('e', t(3.5))]);
  });

  test('after the event started, or once cancelled, nobody is admitted any more', () => {
    queue.given(line, ctx()).when(admitDue(CLOSES)).thenNothing();
    queue
      .given(line, ctx({}, { cancelled: true }))
      .when(admitDue(t(30)))
      .thenNothing();
  });
});

describe('turns: used, expired, given back', () => {
  const line = openLine(['a', 'b', 'c', 'd']);
  const aAndB = [...line, admitted(['a', 'b'], t(2))];

  test('a READY entry past its expiresAt, never used, is recorded QueueTurnExpired and the next moves up', () => {
    // At 122 s: 122 turns accrued, 2 given; only c and d wait.
    queue
      .given(aAndB, ctx())
      .when(admitDue(t(122)))
      .then([expired(['a', 'b'], t(122)), admitted(['c', 'd'], t(122))]);
  });

  test('a forfeited turn is given back: the next in line moves up before the rate would let it', () => {
    const slow = ctx({ admissionPerMinute: 1, accessSeconds: 30 });
    const history = [...line, admitted(['a'], t(60), 30)];
    queue
      .given(history, slow)
      .when(admitDue(t(89)))
      .thenNothing();
    // At 100 s one turn accrued and was given to a; a's turn ran out at 90 s and goes to b.
    queue
      .given(history, slow)
      .when(admitDue(t(100)))
      .then([expired(['a'], t(100)), admitted(['b'], t(100), 30)]);
  });

  test('MarkAccessUsed records QueueAccessUsed once; a used turn does not expire, and stays usable until expiresAt', () => {
    const still = ctx({ admissionPerMinute: 0 });
    queue
      .given(aAndB, still)
      .when(markUsed('a', t(10)))
      .then([used('a', t(10))]);
    queue
      .given([...aAndB, used('a', t(10))], still)
      .when(markUsed('a', t(11)))
      .thenNothing();
    const state = fold([...aAndB, used('a', t(10))]);
    expect(hasAccessAt(state, 'a', 'user-a', Date.parse(t(121.999)))).toBe(true);
    expect(hasAccessAt(state, 'a', 'user-a', Date.parse(t(122)))).toBe(false);
    expect(hasAccessAt(state, 'a', 'user-b', Date.parse(t(10)))).toBe(false);
    expect(positionOf(state, 'a')).toBe(0);
    queue
      .given([...aAndB, used('a', t(10))], ctx({ admissionPerMinute: 0 }))
      .when(admitDue(t(122)))
      .then([expired(['b'], t(122))]);
  });

  test('MarkAccessUsed on an entry that is not READY records nothing; on an unknown one -> QUEUE_ENTRY_NOT_FOUND', () => {
    queue
      .given(line, ctx({ admissionPerMinute: 0 }))
      .when(markUsed('c', t(1)))
      .thenNothing();
    queue
      .given(aAndB, ctx({ admissionPerMinute: 0 }))
      .when(markUsed('a', t(122)))
      .then([expired(['a', 'b'], t(122))]);
    queue
      .given(line, ctx())
      .when(markUsed('nope', t(0)))
      .thenThrows('QUEUE_ENTRY_NOT_FOUND');
  });

  test('leaving while READY gives the turn back; leaving while USED ends the access', () => {
    const still = ctx({ admissionPerMinute: 1 });
    const history = [...line, admitted(['a'], t(60))];
    queue
      .given(history, still)
      .when(leave('a', t(70)))
      .then([left('a', t(70))]);
    queue
      .given([...history, left('a', t(70))], still)
      .when(admitDue(t(71)))
      .then([admitted(['b'], t(71))]);
    const usedThenLeft = fold([...history, used('a', t(61)), left('a', t(62))]);
    expect(hasAccessAt(usedThenLeft, 'a', 'user-a', Date.parse(t(63)))).toBe(false);
    expect(usedThenLeft.forfeitedTotal).toBe(0);
  });
});

describe('LeaveQueue', () => {
  test('records QueueLeft; the entry has no position and the ones behind move up', () => {
    const history = openLine(['a', 'b', 'c']);
    queue
      .given(history, ctx({ admissionPerMinute: 0 }))
      .when(leave('a', t(1)))
      .then([left('a', t(1))]);
    const state = fold([...history, left('a', t(1))]);
    expect([positionOf(state, 'a'), positionOf(state, 'b'), positionOf(state, 'c')]).toEqual([null, 1, 2]);
  });

  test("someone else's entry or an unknown one -> QUEUE_ENTRY_NOT_FOUND; leaving twice records nothing", () => {
    const history = openLine(['a', 'b']);
    queue
      .given(history, ctx())
      .when(leave('a', t(0), 'user-b'))
      .thenThrows('QUEUE_ENTRY_NOT_FOUND');
    queue
      .given(history, ctx())
      .when(leave('zz', t(0)))
      .thenThrows('QUEUE_ENTRY_NOT_FOUND');
    queue
      .given([...history, left('a', t(0))], ctx())
      .when(leave('a', t(0)))
      .thenNothing();
  });
});

describe('state and snapshots', () => {
  const history: QueueEvent[] = [
    ...openLine(['a', 'b', 'c', 'd', 'e', 'f']),
    joined('g', t(1), { deviceFingerprint: 'shared' }),
    joined('h', t(1), { deviceFingerprint: 'shared' }),
    left('c', t(1)),
    admitted(['a', 'b'], t(2)),
    used('a', t(3)),
    left('e', t(3)),
    expired(['b'], t(122)),
    admitted(['d', 'f'], t(122)),
  ];

  test('a snapshot restores a state that answers and decides exactly like the fold', () => {
    const folded = fold(history);
    const restored = queueSnapshots.fromSnapshot(
      JSON.parse(JSON.stringify(queueSnapshots.toSnapshot(folded))),
    );
    for (const id of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'x'])
      expect(positionOf(restored, id)).toBe(positionOf(folded, id));
    expect(waitingCount(restored)).toBe(waitingCount(folded));
    expect(restored.liveByDevice).toEqual(folded.liveByDevice);
    expect(restored.liveByUser).toEqual(folded.liveByUser);
    const context = ctx();
    for (const command of [
      admitDue(t(300)),
      join('i', t(125)),
      join('j', t(125), { userId: 'user-g' }),
      join('k', t(125), { challengeId: 'challenge-a' }),
      join('l', t(125), { deviceFingerprint: 'shared' }),
    ]) {
      const decide = (state: QueueState) => {
        try {
          return queueDecider.decide(command, state, context);
        } catch (error) {
          return (error as { code: string }).code;
        }
      };
      expect(decide(restored)).toEqual(decide(fold(history)));
    }
  });

  test('QUEUE_EVENT_TYPES lists every queue event type once, all at schema version 1 but QueueOpened (2)', () => {
    const types = history.map((e) => e.type);
    expect([...QUEUE_EVENT_TYPES].sort()).toEqual([...new Set([...types, 'QueueOpened'])].sort());
    for (const type of QUEUE_EVENT_TYPES)
      expect([type, currentSchemaVersion(type)]).toEqual([type, type === 'QueueOpened' ? 2 : 1]);
  });

  test('catchUpDue says whether a poll must let the room catch up', () => {
    const state = fold(openLine(['a', 'b']));
    expect(catchUpDue(state, ctx(), Date.parse(t(0.5)))).toBe(false);
    expect(catchUpDue(state, ctx(), Date.parse(t(1)))).toBe(true);
    const ready = fold([...openLine(['a']), admitted(['a'], t(1))]);
    expect(catchUpDue(ready, ctx(), Date.parse(t(120)))).toBe(false);
    expect(catchUpDue(ready, ctx(), Date.parse(t(121)))).toBe(true);
    expect(catchUpDue(fold([joined('a', BEFORE)]), ctx(), Date.parse(OPENS))).toBe(true);
  });
});

describe('the draw (drawPreQueueOrder, mulberry32)', () => {
  test('mulberry32 gives the published reference values', () => {
    expect(mulberry32(1)()).toBe(0.6270739405881613);
    const r = mulberry32(42);
    expect([r(), r(), r()]).toEqual([0.6011037519201636, 0.44829055899754167, 0.8524657934904099]);
  });

  test('a pinned draw: changing the algorithm would make recorded draws unverifiable', () => {
    const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    expect(drawPreQueueOrder(ids, 42)).toEqual(['c', 'h', 'b', 'a', 'g', 'f', 'd', 'e']);
    expect(drawPreQueueOrder(ids, 'deadbeef')).toEqual(['d', 'a', 'c', 'f', 'g', 'e', 'b', 'h']);
    expect(drawPreQueueOrder(ids, '0xDEADBEEF')).toEqual(drawPreQueueOrder(ids, 0xdeadbeef));
    expect(ids).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']); // the input is not shuffled in place
  });

  test('seeds outside 32 bits or not hex are refused', () => {
    expect(seedToUint32('ff')).toBe(255);
    expect(() => seedToUint32(-1)).toThrow(RangeError);
    expect(() => seedToUint32(2 ** 32)).toThrow(RangeError);
    expect(() => seedToUint32(1.5)).toThrow(RangeError);
    expect(() => seedToUint32('xyz')).toThrow(RangeError);
    expect(() => seedToUint32('123456789')).toThrow(RangeError);
  });
});

describe('SlotCounter (the Fenwick tree behind positions)', () => {
  test('counts marks in ranges while the line grows past its initial capacity', () => {
    const counter = new SlotCounter();
    const marks = new Set<number>();
    for (let i = 0; i < 3000; i += 1) {
      counter.push();
      if (i % 7 === 3) {
        counter.mark(i);
        marks.add(i);
      }
    }
    const naive = (from: number, to: number) => [...marks].filter((s) => s >= from && s < to).length;
    for (const [from, to] of [
      [0, 3000],
      [5, 1024],
      [1023, 1025],
      [2047, 2999],
      [100, 100],
      [200, 100],
    ])
      expect(counter.count(from, to)).toBe(naive(from, to));
    expect(counter.length).toBe(3000);
    expect(() => counter.mark(3000)).toThrow(RangeError);
  });
});

describe('settings', () => {
  test('events recorded before the newer settings existed get the defaults', () => {
    expect(resolveQueueSettings({ enabled: true, admissionPerMinute: 500 })).toEqual({
      enabled: true,
      admissionPerMinute: 500,
      capacity: 100_000,
      accessSeconds: 600,
      challengeMaxNumber: 100_000,
      maxEntriesPerDevice: 3,
    });
    expect(resolveQueueSettings(undefined)).toEqual({ enabled: false, ...QUEUE_DEFAULTS });
    expect(QUEUE_DEFAULTS.admissionPerMinute).toBe(100);
  });
});
