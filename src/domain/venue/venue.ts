import type { Decider, DomainEvent } from '../shared/decider';
import { fail } from '../shared/errors';

/** A venue's layout: sections of labelled rows, each row numbered 1..seatCount. Immutable once created. */
export interface VenueLayout {
  venueId: string;
  name: string;
  city: string;
  state: string;
  country: string;
  sections: Array<{ sectionId: string; name: string; rows: Array<{ row: string; seatCount: number }> }>;
}

/** Schema v2 (v1 had no `capacity`; the application's upcaster counts it for old events). */
export type VenueCreated = DomainEvent<'VenueCreated', VenueLayout & { capacity: number }>;
export type VenueEvent = VenueCreated;

export interface CreateVenue {
  type: 'CreateVenue';
  venueId: string;
  name: string;
  city: string;
  state: string;
  country: string;
  sections: Array<{ name: string; rows: Array<{ row: string; seats: number }> }>;
}
export type VenueCommand = CreateVenue;

export type VenueState = { exists: false } | { exists: true; layout: VenueLayout };

export const MAX_SEATS_PER_VENUE = 200_000;

export const venueDecider: Decider<VenueCommand, VenueEvent, VenueState> = {
  initialState: () => ({ exists: false }),

  decide(command, state) {
    if (state.exists)
      fail('VENUE_EXISTS', `Venue ${command.venueId} already exists`, { venue_id: command.venueId });
    const sectionNames = new Set<string>();
    let capacity = 0;
    command.sections.forEach((section) => {
      const key = section.name.trim().toLowerCase();
      if (sectionNames.has(key))
        fail('VALIDATION_ERROR', `Section name "${section.name}" is used twice`, { field: 'sections' });
      sectionNames.add(key);
      const rows = new Set<string>();
      for (const row of section.rows) {
        if (rows.has(row.row))
          fail('VALIDATION_ERROR', `Row "${row.row}" appears twice in section "${section.name}"`, {
            field: 'sections',
          });
        rows.add(row.row);
        if (!Number.isInteger(row.seats) || row.seats < 1) {
          fail(
            'VALIDATION_ERROR',
            `Row "${row.row}" of section "${section.name}" needs a positive whole number of seats`,
            { field: 'sections' },
          );
        }
        capacity += row.seats;
      }
    });
    if (capacity > MAX_SEATS_PER_VENUE) {
      fail('VALIDATION_ERROR', `A venue holds at most ${MAX_SEATS_PER_VENUE} seats`, {
        field: 'sections',
        capacity,
      });
    }
    return [
      {
        type: 'VenueCreated',
        data: {
          venueId: command.venueId,
          name: command.name,
          city: command.city,
          state: command.state,
          country: command.country,
          capacity,
          sections: command.sections.map((section, i) => ({
            // Short, stable ids keep seat ids readable: "s3:B:12" is section 3, row B, seat 12.
            sectionId: `s${i + 1}`,
            name: section.name,
            rows: section.rows.map((row) => ({ row: row.row, seatCount: row.seats })),
          })),
        },
      },
    ];
  },

  evolve(_state, event) {
    switch (event.type) {
      case 'VenueCreated':
        return { exists: true, layout: event.data };
    }
  },
};

export function venueCapacity(layout: VenueLayout): number {
  return layout.sections.reduce((sum, s) => sum + s.rows.reduce((n, r) => n + r.seatCount, 0), 0);
}
