import fc from 'fast-check';
import { Query } from 'mingo';
import { MemoryReadStore } from '../../src/infrastructure/readstore/memory/memory-read-store';

/**
 * Issue 14: the memory read store tests range filters (`{status: 'HELD', expires_at: {$lte: now}}`, the expiry job's
 * every second) directly instead of through mingo. The documents found must be exactly the ones mingo finds.
 */

const plain = fc.oneof(
  fc.constantFrom('HELD', 'EXPIRED', '2026-06-01T19:00:00.000Z', '2026-06-01T19:00:00Z', '', 'é', '😀'),
  fc.string({ maxLength: 4 }),
  fc.string({ unit: 'binary', maxLength: 3 }),
  fc.integer({ min: -3, max: 3 }),
  fc.constantFrom(0, -0, 0.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
  fc.boolean(),
  fc.constant(null),
);
const fieldValue = fc.oneof(
  { weight: 6, arbitrary: plain },
  { weight: 1, arbitrary: fc.array(plain, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.constant(new Date('2026-06-01T19:00:00Z')) },
  { weight: 1, arbitrary: fc.record({ nested: plain }).map((o) => ({ ...o })) },
);
const FIELDS = ['status', 'expires_at', 'count'] as const;
const doc = fc
  .record({ status: fieldValue, expires_at: fieldValue, count: fieldValue }, { requiredKeys: [] })
  .map((d) => ({ ...d }));
const bound = fc.oneof(plain, fc.constant(new Date('2026-06-01T19:00:00Z')));
const range = fc
  .uniqueArray(fc.constantFrom('$lt', '$lte', '$gt', '$gte'), { minLength: 1, maxLength: 2 })
  .chain((ops) => fc.tuple(...ops.map((op) => bound.map((b) => [op, b] as const))))
  .map((pairs) => Object.fromEntries(pairs));
const condition = fc.oneof(
  plain,
  range,
  fc.record({ $ne: plain }).map((o) => ({ ...o })),
  fc.record({ $in: fc.array(plain, { maxLength: 2 }) }).map((o) => ({ ...o })),
);
/**
 * Filters with a range condition on one field (what the direct tests cover; all-equality filters keep their own
 * older shortcut), and any conditions on the others.
 */
const filter = fc
  .tuple(fc.constantFrom(...FIELDS), range, fc.subarray([...FIELDS]))
  .chain(([ranged, rangeCondition, others]) =>
    fc
      .tuple(
        ...others
          .filter((field) => field !== ranged)
          .map((field) => condition.map((c) => [field, c] as const)),
      )
      .map((pairs) => Object.fromEntries([[ranged, rangeCondition], ...pairs])),
  );

describe('memory read store: range filters tested directly', () => {
  it('find returns exactly the documents mingo matches', async () => {
    let found = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(doc, { maxLength: 12 }), filter, async (docs, query) => {
        const store = new MemoryReadStore();
        const collection = store.collection<{ _id: string }>('things');
        docs.forEach((d, i) => void collection.put({ _id: `d${i}`, ...d }));
        const mingo = new Query(query);
        const expected = docs
          .map((d, i) => ({ _id: `d${i}`, ...d }))
          .filter((d) => mingo.test(d))
          .map((d) => d._id);
        const actual = (await collection.find(query)).map((d) => d._id);
        found += actual.length;
        expect(actual).toEqual(expected);
        expect(await collection.count(query)).toBe(expected.length);
      }),
      { numRuns: 1500 },
    );
    // The filters matched documents often enough for the property to mean something.
    expect(found).toBeGreaterThan(100);
  });

  it("finds the expiry job's holds: HELD and due", async () => {
    const store = new MemoryReadStore();
    const holds = store.collection<{ _id: string; status: string; expires_at: string }>('reservations');
    await holds.put({ _id: 'due', status: 'HELD', expires_at: '2026-06-01T19:00:00.000Z' });
    await holds.put({ _id: 'later', status: 'HELD', expires_at: '2026-06-01T19:10:00.000Z' });
    await holds.put({ _id: 'released', status: 'RELEASED', expires_at: '2026-06-01T18:00:00.000Z' });
    const due = await holds.find({ status: 'HELD', expires_at: { $lte: '2026-06-01T19:00:00.000Z' } });
    expect(due.map((d) => d._id)).toEqual(['due']);
  });
});
