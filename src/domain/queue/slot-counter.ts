/**
 * A Fenwick (binary indexed) tree over the slots of the line, counting marked slots (entries that left while
 * waiting): marking a slot and counting the marks in a range both cost O(log n), and the line can grow at the
 * end (a join) in O(log n). That keeps a position query O(log n) at 100,000 entries, where scanning the line
 * would cost O(n) per status poll.
 */
export class SlotCounter {
  /** 1-based Fenwick array: tree[i] sums the marks of slots (i - lowbit(i), i]. */
  private tree = new Int32Array(1024);
  private slots = 0;

  get length(): number {
    return this.slots;
  }

  /** Appends an unmarked slot at the end. */
  push(): void {
    const i = this.slots + 1;
    if (i >= this.tree.length) {
      const grown = new Int32Array(this.tree.length * 2);
      grown.set(this.tree);
      this.tree = grown;
    }
    // tree[i] covers (i - lowbit(i), i]; the new slot itself is 0, the rest are already counted.
    const low = i & -i;
    this.tree[i] = this.prefix(i - 1) - this.prefix(i - low);
    this.slots = i;
  }

  /** Marks slot `slot` (0-based) once more. */
  mark(slot: number): void {
    if (slot < 0 || slot >= this.slots) throw new RangeError(`slot ${slot} outside the line`);
    for (let i = slot + 1; i <= this.slots; i += i & -i) this.tree[i] += 1;
  }

  /** Marks in slots [0, end). */
  prefix(end: number): number {
    let sum = 0;
    for (let i = Math.min(end, this.slots); i > 0; i -= i & -i) sum += this.tree[i];
    return sum;
  }

  /** Marks in slots [from, to). */
  count(from: number, to: number): number {
    return to <= from ? 0 : this.prefix(to) - this.prefix(from);
  }
}
