import type { ReplayProjection } from './replay';

/** What one thread of a replay does: the invariant check or not, and which read models it rebuilds (in order). */
export interface ReplayShare {
  invariants: boolean;
  projections: string[];
}

/** The invariant check's cost, in the read models' `replayWeight` (seconds per 1,000,000 events of the bench log). */
export const INVARIANTS_REPLAY_WEIGHT = 1.7;

/**
 * Spreads a replay's work over `threads` shares, each of which reads the whole log itself: the invariant check
 * and the read models, a read model always with those it reads (`reads`, followed both ways) and in the order
 * given. Heaviest first, each to the share with the least weight so far; deterministic. Fewer shares than threads
 * when there is less to spread.
 */
export function shareOut(projections: readonly ReplayProjection[], threads: number): ReplayShare[] {
  const order = new Map(projections.map((p, i) => [p.name, i]));
  // Union-find over `reads`: each group is replayed by one share.
  const root = projections.map((_, i) => i);
  const find = (i: number): number => (root[i] === i ? i : (root[i] = find(root[i])));
  projections.forEach((projection, i) => {
    for (const name of projection.reads ?? []) {
      const j = order.get(name);
      if (j === undefined)
        throw new Error(`read model ${projection.name} reads ${name}, which is not among the replayed ones`);
      root[find(i)] = find(j);
    }
  });
  const groups = new Map<number, number[]>();
  projections.forEach((_, i) => groups.set(find(i), [...(groups.get(find(i)) ?? []), i]));

  type Unit = { weight: number; first: number; invariants: boolean; members: number[] };
  const weight = (i: number) => projections[i].replayWeight ?? 1;
  const units: Unit[] = [...groups.values()].map((members) => ({
    weight: members.reduce((sum, i) => sum + weight(i), 0),
    first: members[0],
    invariants: false,
    members,
  }));
  units.push({ weight: INVARIANTS_REPLAY_WEIGHT, first: -1, invariants: true, members: [] });
  units.sort((a, b) => b.weight - a.weight || a.first - b.first);

  // More threads than units of work would only idle (and a huge --threads would allocate that many shares).
  const count = Math.min(Math.max(1, Math.floor(threads)), units.length);
  const shares = Array.from({ length: count }, () => ({
    weight: 0,
    invariants: false,
    members: [] as number[],
  }));
  for (const unit of units) {
    const lightest = shares.reduce((best, share) => (share.weight < best.weight ? share : best));
    lightest.weight += unit.weight;
    lightest.invariants ||= unit.invariants;
    lightest.members.push(...unit.members);
  }
  return shares
    .filter((share) => share.invariants || share.members.length > 0)
    .map((share) => ({
      invariants: share.invariants,
      projections: share.members.sort((a, b) => a - b).map((i) => projections[i].name),
    }));
}
