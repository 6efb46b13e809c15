import fc from 'fast-check';
import { HoldExpiryNotices } from '../../src/application/realtime/hold-expiry-notices';
import { parseClientMessage } from '../../src/application/realtime/messages';

describe('realtime client messages', () => {
  it.each([
    ['{"type":"subscribe","event_id":"e-1"}', { type: 'subscribe', event_id: 'e-1' }],
    ['{"event_id":"E2","type":"unsubscribe"}', { type: 'unsubscribe', event_id: 'E2' }],
    ['not json', 'INVALID_MESSAGE'],
    ['"subscribe"', 'INVALID_MESSAGE'],
    ['[]', 'INVALID_MESSAGE'],
    ['null', 'INVALID_MESSAGE'],
    ['{"event_id":"e"}', 'INVALID_MESSAGE'],
    ['{"type":7,"event_id":"e"}', 'INVALID_MESSAGE'],
    ['{"type":"ping"}', 'UNKNOWN_MESSAGE_TYPE'],
    ['{"type":"subscribe"}', 'INVALID_MESSAGE'],
    ['{"type":"subscribe","event_id":""}', 'INVALID_MESSAGE'],
    ['{"type":"subscribe","event_id":"a b"}', 'INVALID_MESSAGE'],
    [`{"type":"subscribe","event_id":"${'x'.repeat(65)}"}`, 'INVALID_MESSAGE'],
    ['{"type":"subscribe","event_id":"e","also":1}', 'INVALID_MESSAGE'],
  ])('%s', (text, expected) => {
    const parsed = parseClientMessage(text);
    if (typeof expected === 'string') expect(parsed).toMatchObject({ type: 'error', code: expected });
    else expect(parsed).toEqual(expected);
  });
});

describe('hold expiry notices', () => {
  const LEAD = 60_000;

  it('a hold is due once per expiry, from LEAD before it until it expires, and never after a removal', () => {
    const command = fc.oneof(
      fc.record({
        kind: fc.constant('add' as const),
        hold: fc.integer({ min: 0, max: 9 }),
        lifetime: fc.integer({ min: 1, max: 200_000 }),
      }),
      fc.record({ kind: fc.constant('remove' as const), hold: fc.integer({ min: 0, max: 9 }) }),
      // An order's checkout extended the hold (HoldExtended).
      fc.record({
        kind: fc.constant('extend' as const),
        hold: fc.integer({ min: 0, max: 9 }),
        lifetime: fc.integer({ min: 1, max: 200_000 }),
      }),
      fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 90_000 }) }),
    );
    fc.assert(
      fc.property(fc.array(command, { maxLength: 60 }), (commands) => {
        const notices = new HoldExpiryNotices(LEAD);
        // The model: what each hold is, and whether it was removed or told.
        const model = new Map<string, { expiresAt: number; removed: boolean; told: boolean }>();
        let now = 1_000_000;
        const check = () => {
          for (const hold of notices.due(now)) {
            const known = model.get(hold.holdId)!;
            expect(known.removed).toBe(false);
            expect(known.told).toBe(false);
            expect(now).toBeGreaterThanOrEqual(known.expiresAt - LEAD);
            expect(now).toBeLessThan(known.expiresAt);
            known.told = true;
          }
          // Every live hold inside its notice period has been told by now.
          for (const known of model.values())
            if (!known.removed && now >= known.expiresAt - LEAD && now < known.expiresAt)
              expect(known.told).toBe(true);
        };
        for (const c of commands) {
          const id = `h${'hold' in c ? c.hold : ''}`;
          if (c.kind === 'add' && !model.has(id)) {
            model.set(id, { expiresAt: now + c.lifetime, removed: false, told: false });
            notices.add(id, 'user', new Date(now + c.lifetime));
          } else if (c.kind === 'remove' && model.has(id)) {
            model.get(id)!.removed = true;
            notices.remove(id);
          } else if (c.kind === 'extend' && model.has(id) && !model.get(id)!.removed) {
            const known = model.get(id)!;
            // Only a live hold is extended, and only later (else nothing changes).
            if (now < known.expiresAt && now + c.lifetime > known.expiresAt) {
              known.expiresAt = now + c.lifetime;
              known.told = false; // a new expiry: a new notice
            }
            notices.extend(id, new Date(now + c.lifetime));
          } else if (c.kind === 'advance') now += c.ms;
          check();
        }
      }),
      { seed: 20261201, numRuns: 300 },
    );
  });

  it('pendingFor lists a hold whose notice time passed while nobody was told, until it expires', () => {
    const notices = new HoldExpiryNotices(LEAD);
    notices.add('h', 'u', new Date(200_000));
    expect(notices.pendingFor('u', 139_999)).toEqual([]);
    expect(notices.pendingFor('u', 140_000).map((h) => h.holdId)).toEqual(['h']);
    expect(notices.pendingFor('u', 200_000)).toEqual([]);
    expect(notices.pendingFor('someone-else', 150_000)).toEqual([]);
  });

  it('each connection is told once: one opened after the notice went out still gets it (red team, issue 10)', () => {
    const notices = new HoldExpiryNotices(LEAD);
    notices.add('h', 'u', new Date(200_000));
    const [first, second] = [{}, {}];
    const [due] = notices.due(140_000);
    expect(notices.tell(due, first)).toBe(true);
    expect(notices.tell(due, first)).toBe(false);
    // A second connection of the owner, opened inside the notice period.
    expect(notices.pendingFor('u', 150_000).map((h) => h.holdId)).toEqual(['h']);
    expect(notices.tell(notices.pendingFor('u', 150_000)[0], second)).toBe(true);
    expect(notices.tell(due, second)).toBe(false);
  });
});
