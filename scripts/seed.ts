import 'reflect-metadata';
import type { NewVenue } from '../src/application/catalog/catalog-service';
import { systemMetadata } from '../src/application/shared/command-metadata';
import { createApplication } from '../src/composition';
import { DomainError } from '../src/domain/shared/errors';
import { loadConfig, type AppConfig } from '../src/infrastructure/config/config';
import { createLogger } from '../src/infrastructure/logging/logger';

/**
 * Demo data, idempotent: fixed ids, and "already exists" counts as done. Safe to run while the server runs
 * (the server picks the new events up from the shared SQLite file).
 */
const STADIUM_ID = '5eed0000-0000-4000-8000-000000000001';
const ARENA_ID = '5eed0000-0000-4000-8000-000000000002';
const CLUB_ID = '5eed0000-0000-4000-8000-000000000003';

function stadium(): NewVenue {
  // 50 sections x 40 rows x 25 seats = 50,000 seats.
  const rows = Array.from({ length: 40 }, (_, i) => ({ row: rowLabel(i), seats: 25 }));
  return {
    venueId: STADIUM_ID,
    name: 'Riverside Stadium',
    city: 'New York',
    state: 'NY',
    country: 'US',
    sections: Array.from({ length: 50 }, (_, i) => ({ name: `Section ${101 + i}`, rows })),
  };
}

function rowLabel(i: number): string {
  return i < 26 ? String.fromCharCode(65 + i) : `A${String.fromCharCode(65 + i - 26)}`;
}

const arena: NewVenue = {
  venueId: ARENA_ID,
  name: 'Madison Square Garden',
  city: 'New York',
  state: 'NY',
  country: 'US',
  sections: [
    { name: 'Floor', rows: ['A', 'B', 'C', 'D', 'E'].map((row) => ({ row, seats: 20 })) },
    { name: 'Lower Bowl', rows: ['A', 'B', 'C', 'D', 'E', 'F'].map((row) => ({ row, seats: 30 })) },
    { name: 'Upper Bowl', rows: ['A', 'B', 'C', 'D'].map((row) => ({ row, seats: 40 })) },
  ],
};

const club: NewVenue = {
  venueId: CLUB_ID,
  name: 'The Blue Note',
  city: 'Chicago',
  state: 'IL',
  country: 'US',
  sections: [{ name: 'General', rows: ['A', 'B', 'C'].map((row) => ({ row, seats: 12 })) }],
};

async function ignoreExisting<T>(what: string, work: () => Promise<T>): Promise<'created' | 'existed'> {
  try {
    await work();
    return 'created';
  } catch (error) {
    if (error instanceof DomainError && ['VENUE_EXISTS', 'EVENT_EXISTS'].includes(error.code))
      return 'existed';
    throw new Error(`${what}: ${(error as Error).message}`, { cause: error });
  }
}

/** Creates the demo catalog in DATA_DIR's log; returns what was created and what already existed. */
export async function seed(config: AppConfig): Promise<Record<string, string>> {
  const app = await createApplication(config, createLogger('warn'));
  const { catalog } = app;
  const meta = systemMetadata('seed', 'seed');
  const report: Record<string, string> = {};

  for (const venue of [stadium(), arena, club]) {
    report[`venue ${venue.name}`] = await ignoreExisting(venue.name, () => catalog.createVenue(venue, meta));
  }
  const stadiumSections = stadium().sections.map((s) => s.name);
  // Ahead of the day the seed runs (an event must start in the future), at 19:00 UTC: demo data stays on sale.
  const daysFromNow = (days: number) => {
    const date = new Date(Date.now() + days * 86_400_000);
    date.setUTCHours(19, 0, 0, 0);
    return date.toISOString();
  };
  const events = [
    {
      eventId: 'demo-stadium-onsale',
      name: 'Stadium Spectacular',
      artist: 'The Headliners',
      venueId: STADIUM_ID,
      category: 'Concert',
      date: daysFromNow(120),
      tiers: [
        { name: 'Lower', priceCents: 25000, feesCents: 3750, sections: stadiumSections.slice(0, 20) },
        { name: 'Upper', priceCents: 9500, feesCents: 1425, sections: stadiumSections.slice(20) },
      ],
    },
    {
      eventId: '000051048D991EE7',
      name: 'Partner API Test Event',
      artist: 'Test Artist',
      venueId: ARENA_ID,
      category: 'Concert',
      date: daysFromNow(180),
      tiers: [
        { name: 'Floor', priceCents: 50000, feesCents: 7500, sections: ['Floor'] },
        { name: 'Lower Bowl', priceCents: 25000, feesCents: 3750, sections: ['Lower Bowl'] },
        { name: 'Upper Bowl', priceCents: 15000, feesCents: 2250, sections: ['Upper Bowl'] },
      ],
    },
    {
      eventId: 'demo-jazz-night',
      name: 'Late Night Jazz',
      artist: 'The Blue Trio',
      venueId: CLUB_ID,
      category: 'Jazz',
      date: daysFromNow(60),
      tiers: [{ name: 'General', priceCents: 4500, feesCents: 675, sections: ['General'] }],
    },
  ];
  for (const e of events) {
    report[`event ${e.eventId}`] = await ignoreExisting(e.name, () =>
      catalog.createEvent(
        {
          eventId: e.eventId,
          name: e.name,
          artist: e.artist,
          description: `${e.name} (demo data)`,
          category: e.category,
          venueId: e.venueId,
          date: e.date,
          doorsOpen: new Date(Date.parse(e.date) - 3_600_000).toISOString(),
          presaleStart: null,
          generalSaleStart: '2026-01-01T10:00:00.000Z',
          tiers: e.tiers,
          maxTicketsPerOrder: 8,
          restrictSingleSeat: true,
          queue: { enabled: false, admissionPerMinute: 1000 },
        },
        meta,
      ),
    );
    await catalog.publish(e.eventId, meta);
  }
  await app.close();
  return report;
}

if (require.main === module) {
  const config = loadConfig();
  seed(config)
    .then((report) => console.log(JSON.stringify({ data_dir: config.dataDir, ...report }, null, 2)))
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
}
