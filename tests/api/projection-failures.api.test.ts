import { createEvent } from '../support/fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * A read-model handler that throws does not stall the others: the runner logs it and moves on. What it leaves
 * behind must still be seen: readiness names the failures and the last event one threw on, and the metrics count
 * them. (Here: a SeatsSold written straight into the log without its seat ids, as a damaged import would.)
 */
describe('projection failures: counted, shown by readiness and the metrics, the runner moving on', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp()));
  afterAll(() => t.close());

  it('readiness shows none until a handler throws, then the count and the event; later events still apply', async () => {
    const admin = await t.adminToken();
    const before = await t.call('GET', '/readyz');
    expect(before.status).toBe(200);
    expect(before.body).not.toHaveProperty('projection_failures');

    const { eventId } = await createEvent(t.call, admin);
    const damaged = await t.app.store.append(`event-${eventId}`, [
      {
        id: 'damaged-sale',
        type: 'SeatsSold',
        data: {
          eventId,
          holdId: 'h',
          orderId: 'o',
          userId: 'u',
          seatIds: null,
          soldAt: new Date().toISOString(),
          totalCents: 1,
        },
        metadata: { correlationId: 'import', causationId: 'import', userId: 'import', schemaVersion: 1 },
      },
    ]);
    // A later event of another stream is still projected: the runner did not stop at the damaged one.
    const { eventId: later } = await createEvent(t.call, admin);
    expect((await t.call('GET', `/v1/events/${later}`)).status).toBe(200);

    const after = await t.call('GET', '/readyz');
    expect(after.status).toBe(200); // every instance folds the same log: taking this one out would not help
    expect(after.body.projection_failures).toEqual({
      count: expect.any(Number),
      last: { position: damaged.position, event_type: 'SeatsSold' },
    });
    expect(after.body.projection_failures.count).toBeGreaterThanOrEqual(1);
    const metrics = await t.call('GET', '/metrics', { token: admin });
    const counted = /^projection_failures_total (\d+)$/m.exec(metrics.text);
    expect(Number(counted?.[1])).toBe(after.body.projection_failures.count);
  });
});
