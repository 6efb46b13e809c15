/**
 * Which live holds are due a `reservation_expiring` notice: a hold is due `leadMs` before it expires, gets at most
 * one notice per connection of its owner (one open at the due time, or one opened later inside the notice period),
 * and none once released or sold. Kept from the log (SeatsHeld adds, HoldExtended moves, HoldReleased/SeatsSold
 * remove); time is
 * whatever the caller passes, so a test clock drives it.
 *
 * A min-heap of (time, hold) entries with lazy deletion: each hold pushes one entry for its due time and one for its
 * expiry (when it is forgotten); removing a hold only drops it from the map, its entries are skipped when popped.
 * Memory is bounded by the holds of the last hold period.
 */

export interface LiveHold {
  holdId: string;
  userId: string;
  expiresAtMs: number;
  dueAtMs: number;
  /**
   * The connections that got its notice (weakly held: a closed connection is not kept for the hold's sake). Made at
   * the first notice: most holds end before theirs, and a WeakSet per hold was a visible cost of every reservation.
   */
  told?: WeakSet<object>;
}

interface Entry {
  at: number;
  holdId: string;
  /** The hold's expiry the entry was made for: an entry of an earlier expiry (see extend) is skipped. */
  expiresAtMs: number;
}

export class HoldExpiryNotices {
  private readonly holds = new Map<string, LiveHold>();
  private readonly byUser = new Map<string, Set<string>>();
  private readonly heap: Entry[] = [];

  constructor(private readonly leadMs: number) {}

  get size(): number {
    return this.holds.size;
  }

  /** A new live hold; a hold already known is left as it is (replays and the start-up load overlap). */
  add(holdId: string, userId: string, expiresAt: Date): void {
    if (this.holds.has(holdId)) return;
    const expiresAtMs = expiresAt.getTime();
    if (!Number.isFinite(expiresAtMs)) return;
    const hold: LiveHold = { holdId, userId, expiresAtMs, dueAtMs: expiresAtMs - this.leadMs };
    this.holds.set(holdId, hold);
    let mine = this.byUser.get(userId);
    if (!mine) this.byUser.set(userId, (mine = new Set()));
    mine.add(holdId);
    this.push({ at: hold.dueAtMs, holdId, expiresAtMs });
    this.push({ at: expiresAtMs, holdId, expiresAtMs });
  }

  /** An order's checkout moved the hold's expiry later (HoldExtended): due again before the new one. */
  extend(holdId: string, expiresAt: Date): void {
    const hold = this.holds.get(holdId);
    const expiresAtMs = expiresAt.getTime();
    if (!hold || !(expiresAtMs > hold.expiresAtMs)) return;
    hold.expiresAtMs = expiresAtMs;
    hold.dueAtMs = expiresAtMs - this.leadMs;
    hold.told = undefined; // a new expiry: each connection is told of it
    this.push({ at: hold.dueAtMs, holdId, expiresAtMs });
    this.push({ at: expiresAtMs, holdId, expiresAtMs });
  }

  /** Released or sold: no notice any more. */
  remove(holdId: string): void {
    const hold = this.holds.get(holdId);
    if (!hold) return;
    this.holds.delete(holdId);
    const mine = this.byUser.get(hold.userId);
    mine?.delete(holdId);
    if (mine?.size === 0) this.byUser.delete(hold.userId);
  }

  /**
   * The holds whose notice time has come at `nowMs` (each listed once, at the first call past that time) and that
   * are not expired; forgets the expired ones on the way. The caller tells each connection of the owner (tell).
   */
  due(nowMs: number): LiveHold[] {
    const due: LiveHold[] = [];
    while (this.heap.length > 0 && this.heap[0].at <= nowMs) {
      const { holdId, expiresAtMs } = this.pop()!;
      const hold = this.holds.get(holdId);
      if (!hold || hold.expiresAtMs !== expiresAtMs) continue;
      // Its expiry entry (at >= its due entry) pops once it has expired: a hold is listed at most once.
      if (nowMs >= hold.expiresAtMs) this.remove(holdId);
      else due.push(hold);
    }
    return due;
  }

  /** A user's holds inside their notice period at `nowMs` (for a connection opened late: it gets them too). */
  pendingFor(userId: string, nowMs: number): LiveHold[] {
    const out: LiveHold[] = [];
    for (const holdId of this.byUser.get(userId) ?? []) {
      const hold = this.holds.get(holdId)!;
      if (hold.dueAtMs <= nowMs && nowMs < hold.expiresAtMs) out.push(hold);
    }
    return out;
  }

  /** Records that `connection` gets the notice of `hold`: false when it already had it (one per connection). */
  tell(hold: LiveHold, connection: object): boolean {
    hold.told ??= new WeakSet<object>();
    if (hold.told.has(connection)) return false;
    hold.told.add(connection);
    return true;
  }

  private push(entry: Entry): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent].at <= heap[i].at) break;
      [heap[parent], heap[i]] = [heap[i], heap[parent]];
      i = parent;
    }
  }

  private pop(): Entry | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && heap[left].at < heap[smallest].at) smallest = left;
        if (right < heap.length && heap[right].at < heap[smallest].at) smallest = right;
        if (smallest === i) break;
        [heap[smallest], heap[i]] = [heap[i], heap[smallest]];
        i = smallest;
      }
    }
    return top;
  }
}
