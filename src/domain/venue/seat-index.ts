import type { VenueLayout } from './venue';

export interface SeatPlace {
  seatId: string;
  sectionId: string;
  sectionName: string;
  row: string;
  number: number;
  /** Key of the row this seat sits in, for gap checks. */
  rowKey: string;
}

/** Seat ids are derived from the layout: `${sectionId}:${row}:${number}`, stable and unique per venue (and event). */
export function seatId(sectionId: string, row: string, number: number): string {
  return `${sectionId}:${row}:${number}`;
}

/**
 * Lookup tables over a venue layout, built once per venue and shared (read-only) by every decision:
 * seat id -> place, and row key -> seat ids in seat-number order.
 */
export class SeatIndex {
  readonly seats = new Map<string, SeatPlace>();
  readonly rows = new Map<string, string[]>();

  constructor(readonly layout: VenueLayout) {
    for (const section of layout.sections) {
      for (const row of section.rows) {
        const rowKey = `${section.sectionId}:${row.row}`;
        const ids: string[] = [];
        for (let n = 1; n <= row.seatCount; n += 1) {
          const id = seatId(section.sectionId, row.row, n);
          ids.push(id);
          this.seats.set(id, {
            seatId: id,
            sectionId: section.sectionId,
            sectionName: section.name,
            row: row.row,
            number: n,
            rowKey,
          });
        }
        this.rows.set(rowKey, ids);
      }
    }
  }

  get capacity(): number {
    return this.seats.size;
  }
}
