import fc from 'fast-check';
import { derivedId, isTimeOrderedId } from '../../src/application/shared/derived-ids';
import { orderIdFor } from '../../src/application/orders/order-service';
import { ticketIdFor } from '../../src/application/tickets/ticket-ids';
import { RandomIds } from '../../src/infrastructure/ids/random-ids';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-([0-9a-f])[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const versionOf = (id: string) => UUID.exec(id)?.[1];
/** The 48-bit millisecond prefix of a v7 or v8 id. */
const msOf = (id: string) => parseInt(id.replace(/-/g, '').slice(0, 12), 16);

// A v4 hold id as holds were made before time-ordered ones, and the ids an earlier release derived from it
// (uuid v5 of the hold id, then of `${orderId}:${seatId}`): logs name them, so they must never change.
const OLD_HOLD = '3f6f2a8e-5b1c-4d7a-9e2f-0a1b2c3d4e5f';
const OLD_ORDER = 'd9010862-a8b0-5b9d-aefd-f79eb197c9ee';
const OLD_TICKET = '8e218f71-40fb-55a5-84ae-669ee8f31b52';

const ids = new RandomIds();
const v7 = fc.tuple(fc.integer({ min: 0, max: 2 ** 48 - 1 }), fc.uuid({ version: 4 })).map(([ms, random]) => {
  const hex = ms.toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8)}-7${random.slice(15)}`;
});

describe('time-ordered ids', () => {
  it('timeOrdered makes distinct UUID v7s stamped with the time they were made', () => {
    const before = Date.now();
    const made = Array.from({ length: 2_000 }, () => ids.timeOrdered());
    const after = Date.now();
    expect(new Set(made).size).toBe(made.length);
    for (const id of made) {
      expect(versionOf(id)).toBe('7');
      expect(msOf(id)).toBeGreaterThanOrEqual(before);
      expect(msOf(id)).toBeLessThanOrEqual(after);
    }
  });

  it('keeps 74 random bits: ids of one millisecond share nothing past their time', () => {
    // The uuid package's v7 counts up within a millisecond; ours must not (hold ids are handed to clients).
    const sameMs = Array.from({ length: 2_000 }, () => ids.timeOrdered()).filter(
      (id, _, all) => msOf(id) === msOf(all[0]),
    );
    const afterTime = new Set(sameMs.map((id) => id.slice(15, 23)));
    expect(afterTime.size).toBe(sameMs.length);
  });

  it('derives the same v8 id from the same source and name, with the source time prefix', () => {
    fc.assert(
      fc.property(v7, fc.string(), (source, name) => {
        const id = derivedId(source, name, 'ns');
        expect(id).toBe(derivedId(source, name, 'ns'));
        expect(versionOf(id)).toBe('8');
        expect(isTimeOrderedId(id)).toBe(true);
        expect(id.slice(0, 13)).toBe(source.slice(0, 13).toLowerCase());
      }),
    );
  });

  it('derives different ids for different names or namespaces', () => {
    fc.assert(
      fc.property(v7, fc.string(), fc.string(), (source, a, b) => {
        fc.pre(a !== b);
        expect(derivedId(source, a, 'ns')).not.toBe(derivedId(source, b, 'ns'));
        expect(derivedId(source, a, 'ns')).not.toBe(derivedId(source, a, 'other ns'));
      }),
    );
  });

  it('derives the v5 id of old from any other source', () => {
    fc.assert(
      fc.property(fc.uuid({ version: 4 }), fc.string(), (source, name) => {
        expect(versionOf(derivedId(source, name, OLD_ORDER))).toBe('5');
      }),
    );
  });

  it('gives an order or ticket of an old (v4) hold the id an earlier release gave it', () => {
    expect(orderIdFor(OLD_HOLD)).toBe(OLD_ORDER);
    expect(ticketIdFor(OLD_ORDER, 's1:R1:1')).toBe(OLD_TICKET);
  });

  it('gives a new hold a time-ordered order, and that order time-ordered tickets', () => {
    const hold = ids.timeOrdered();
    const order = orderIdFor(hold);
    const tickets = ['s1:R1:1', 's1:R1:2'].map((seat) => ticketIdFor(order, seat));
    expect(versionOf(order)).toBe('8');
    expect(tickets.map(versionOf)).toEqual(['8', '8']);
    expect(new Set([order, ...tickets]).size).toBe(3);
    for (const id of [order, ...tickets]) expect(msOf(id)).toBe(msOf(hold));
    expect(orderIdFor(hold)).toBe(order);
    expect(ticketIdFor(order, 's1:R1:2')).toBe(tickets[1]);
  });

  it('sorts ids derived from holds made later after those made earlier', () => {
    fc.assert(
      fc.property(v7, v7, (a, b) => {
        fc.pre(msOf(a) < msOf(b));
        expect(orderIdFor(a) < orderIdFor(b)).toBe(true);
      }),
    );
  });
});
