import type { ReplayProjection } from '../../src/application/audit/replay';
import { shareOut } from '../../src/application/audit/replay-shares';
import { allProjections } from '../../src/projections';

const projection = (name: string, over: Partial<ReplayProjection> = {}): ReplayProjection => ({
  name,
  handlers: {},
  ...over,
});

describe('shareOut: a replay spread over threads', () => {
  const every = allProjections();

  it('one thread: everything in one share, in the given order, with the invariants', () => {
    expect(shareOut(every, 1)).toEqual([{ invariants: true, projections: every.map((p) => p.name) }]);
  });

  it.each([2, 3, 4, 16])(
    '%i threads: every read model exactly once, the invariants once, and each share in the given order',
    (threads) => {
      const shares = shareOut(every, threads);
      expect(shares.length).toBeLessThanOrEqual(threads);
      expect(shares.length).toBeGreaterThan(1);
      expect(shares.filter((s) => s.invariants)).toHaveLength(1);
      const names = shares.flatMap((s) => s.projections);
      expect([...names].sort()).toEqual(every.map((p) => p.name).sort());
      const rank = new Map(every.map((p, i) => [p.name, i]));
      for (const share of shares) {
        const ranks = share.projections.map((n) => rank.get(n)!);
        expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
      }
      // A read model never goes without those it reads.
      for (const p of every)
        for (const read of p.reads ?? [])
          expect(shares.find((s) => s.projections.includes(p.name))!.projections).toContain(read);
    },
  );

  it('keeps what reads what together, both ways and transitively', () => {
    const shares = shareOut(
      [
        projection('a'),
        projection('b', { reads: ['a'] }),
        projection('c'),
        projection('d', { reads: ['c'] }),
        projection('e', { reads: ['d'] }),
      ],
      5,
    );
    const shareOf = (name: string) => shares.findIndex((s) => s.projections.includes(name));
    expect(shareOf('a')).toBe(shareOf('b'));
    expect(new Set([shareOf('c'), shareOf('d'), shareOf('e')]).size).toBe(1);
    expect(shareOf('a')).not.toBe(shareOf('c'));
  });

  it('balances by weight: the heaviest first, each to the lightest share', () => {
    const shares = shareOut(
      [
        projection('heavy', { replayWeight: 5 }),
        projection('m1', { replayWeight: 2 }),
        projection('m2', { replayWeight: 2 }),
        projection('light', { replayWeight: 0.1 }),
      ],
      2,
    );
    // heavy (5) | the invariants (2), m1 (2), m2 (2): 6 against 5, so the light one goes beside heavy.
    expect(shares).toEqual([
      { invariants: false, projections: ['heavy', 'light'] },
      { invariants: true, projections: ['m1', 'm2'] },
    ]);
  });

  it('fewer shares than threads when there is less to spread, never an empty one', () => {
    expect(shareOut([projection('only')], 8)).toEqual([
      { invariants: true, projections: [] },
      { invariants: false, projections: ['only'] },
    ]);
    expect(shareOut([], 4)).toEqual([{ invariants: true, projections: [] }]);
    // A huge count costs no more than the work there is (it used to allocate that many shares first).
    expect(shareOut([projection('only')], 1e9)).toHaveLength(2);
  });

  it('refuses a read model that reads one not replayed', () => {
    expect(() => shareOut([projection('b', { reads: ['missing'] })], 2)).toThrow(
      'read model b reads missing, which is not among the replayed ones',
    );
  });
});
