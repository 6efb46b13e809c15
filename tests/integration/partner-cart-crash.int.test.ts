import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { EventStore } from '../../src/application/ports/event-store';
import { systemMetadata } from '../../src/application/shared/command-metadata';
import { ManualClock } from '../../src/infrastructure/clock/system-clock';
import { createEvent } from '../support/fixtures';
import { createPartnerClient, type PartnerClientFixture } from '../support/partner-client';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * A cart creation cut short between its two steps (issue 11, item 3): the seats held on `event-{id}` for
 * `cart:{id}`, and the process gone before the cart is recorded. Before, that left seats held by a cart with no
 * stream for the whole hold time, and the poll answered 410 "read the cart" with no cart id and no way to read
 * or delete it.
 *
 * The process that dies is `first`: its event store stops every append to a cart stream that would record the
 * cart (CartCreated) until the test lets it go, so the creation stops exactly between the hold and the cart; from
 * the outside it is dead (its answer never comes). A second process on the same data directory (`second`) is
 * what the partner talks to after the "crash". At the end the first one's creation is let go, late, as a slow
 * process would: it must be refused and hold nothing.
 */
const START = '2026-06-01T12:00:00Z';
const at = (start: string, ms: number) => new Date(Date.parse(start) + ms);

async function waitUntil(done: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('a cart creation cut short between the hold and the cart', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketing-cart-crash-'));
  const firstClock = new ManualClock(START);
  const secondClock = new ManualClock(START);
  let first: TestApp;
  let second: TestApp | undefined;
  let partner: PartnerClientFixture;
  let eventId: string;
  /** Lets the first process's stopped CartCreated append go on. */
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let stopped = 0;

  /** Appends of CartCreated wait for `released`: the first process "dies" right after its hold. */
  function stopBeforeCartCreated(store: EventStore): void {
    const append = store.append.bind(store);
    store.append = async (stream, events, options) => {
      if (events.some((e) => e.type === 'CartCreated')) {
        stopped += 1;
        await released;
      }
      return append(stream, events, options);
    };
  }
  /** The cart a crashed creation was for: the one whose stream holds only its request. */
  async function stuckCart(): Promise<string> {
    for (const e of await first.app.store.readAll()) {
      if (e.type !== 'CartRequested') continue;
      const cartId = (e.data as { cartId: string }).cartId;
      if ((await cartEvents(cartId)).length === 1) return cartId;
    }
    throw new Error('no cart stuck in REQUESTED');
  }

  const heldFor = async (cartId: string) => {
    const holds = new Map<string, string[]>();
    for (const e of await first.app.store.readStream(`event-${eventId}`)) {
      const data = e.data as { holdId: string; userId?: string; seatIds?: string[] };
      if (e.type === 'SeatsHeld' && data.userId === `cart:${cartId}`) holds.set(data.holdId, data.seatIds!);
      if (e.type === 'HoldReleased') holds.delete(data.holdId);
    }
    return [...holds.values()].flat();
  };
  const cartEvents = async (cartId: string) =>
    (await first.app.store.readStream(`cart-${cartId}`)).map((e) => e.type);

  beforeAll(async () => {
    first = await startTestApp({ dataDir, clock: firstClock, env: { EXPIRY_SWEEP_MS: '3600000' } });
    partner = await createPartnerClient(first, { name: 'Crash Tickets' });
    ({ eventId } = await createEvent(first.call, await first.adminToken(), { restrictSingleSeat: false }));
    stopBeforeCartCreated(first.app.store);
  });
  afterAll(async () => {
    release();
    await second?.close();
    await first?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('records the intent first; the lost answer names the cart, which deletes and frees its seats', async () => {
    const accepted = await first.call('POST', `/partners/v1/events/${eventId}/cart`, {
      token: partner.token,
      body: { section_id: 's1', quantity: 2 },
      headers: { 'X-Force-Polling': 'true' },
    });
    expect(accepted.status).toBe(202);
    await waitUntil(() => stopped === 1, 'the creation to reach CartCreated');
    // The crash point: the seats are held for a cart whose stream says it was asked for, and nothing more.
    const cartId = await stuckCart();
    expect(await cartEvents(cartId)).toEqual(['CartRequested']);
    expect(await heldFor(cartId)).toHaveLength(2);

    // After the restart (another process on the data directory), once the answer counts as lost.
    secondClock.set(at(START, 6 * 60_000));
    second = await startTestApp({ dataDir, clock: secondClock, env: { EXPIRY_SWEEP_MS: '3600000' } });
    const lost = await second.call('GET', accepted.body.polling_url, { token: partner.token });
    expect([lost.status, lost.body.error.code]).toEqual([410, 'POLLED_RESULT_LOST']);
    expect(lost.body.error.details).toEqual({ cart_id: cartId, event_id: eventId });
    expect(lost.body.error.message).toMatch(/DELETE .*cart\?cart_id=/);

    // What the message says works: the cart deletes, and its seats are free at once.
    const deleted = await second.call('DELETE', `/partners/v1/events/${eventId}/cart?cart_id=${cartId}`, {
      token: partner.token,
    });
    expect(deleted.status).toBe(204);
    expect(await heldFor(cartId)).toEqual([]);
    expect(await cartEvents(cartId)).toEqual(['CartRequested', 'CartDeleted']);
    // Deleting again is 204 again.
    const again = await second.call('DELETE', `/partners/v1/events/${eventId}/cart?cart_id=${cartId}`, {
      token: partner.token,
    });
    expect(again.status).toBe(204);
  });

  it('left alone, the expiry job fails a cart stuck in REQUESTED and releases its seats long before its hold time', async () => {
    const requestedAt = at(START, 10 * 60_000).toISOString();
    firstClock.set(requestedAt);
    const accepted = await first.call('POST', `/partners/v1/events/${eventId}/cart`, {
      token: partner.token,
      body: { section_id: 's2', quantity: 3 },
      headers: { 'X-Force-Polling': 'true' },
    });
    expect(accepted.status).toBe(202);
    await waitUntil(() => stopped === 2, 'the second creation to reach CartCreated');
    const cartId = await stuckCart();
    expect(await heldFor(cartId)).toHaveLength(3);

    // The other process's read model nominates the cart; its stream decides.
    await second!.app.runner.catchUp();
    const sweep = () => second!.app.partnerCarts.expireDue(systemMetadata('expiry', 'sweep'));
    // Within the creation grace nothing happens: a creation may still be on its way.
    secondClock.set(at(requestedAt, 30_000));
    await sweep();
    expect(await cartEvents(cartId)).toEqual(['CartRequested']);
    // Past it (and well within the hold time), the job fails the cart and frees its seats.
    secondClock.set(at(requestedAt, 2 * 60_000));
    expect(await sweep()).toBe(1);
    expect(await cartEvents(cartId)).toEqual(['CartRequested', 'CartCreationFailed']);
    expect(await heldFor(cartId)).toEqual([]);

    // The creation that "died" comes back late: it is refused, and what it held is released again.
    release();
    await first.app.polledCommands.idle();
    const late = await first.call('GET', accepted.body.polling_url, { token: partner.token });
    expect([late.status, late.body.error.code]).toEqual([410, 'CART_CREATION_FAILED']);
    expect(await cartEvents(cartId)).toEqual(['CartRequested', 'CartCreationFailed']);
    expect(await heldFor(cartId)).toEqual([]);
  });
});
