import { DomainError, fail } from '../../src/domain/shared/errors';
import { fromCents, toCents } from '../../src/domain/shared/money';

describe('money: integer cents', () => {
  test('toCents turns an amount into whole cents, rounding away float noise', () => {
    expect(toCents(12.34)).toBe(1234);
    expect(toCents(0.1 + 0.2)).toBe(30);
    expect(toCents(1.005)).toBe(100); // 1.005 is 1.00499999... in binary
    expect(toCents(0)).toBe(0);
  });

  test('fromCents shows cents as an amount with two decimals', () => {
    expect(fromCents(1234)).toBe(12.34);
    expect(fromCents(5)).toBe(0.05);
    expect(fromCents(1234.6)).toBe(12.35);
  });

  test('cents survive a round trip', () => {
    for (const cents of [0, 1, 99, 100, 15000, 123456789]) expect(toCents(fromCents(cents))).toBe(cents);
  });
});

describe('DomainError', () => {
  test('carries a stable code, the message and machine-readable details', () => {
    const error = new DomainError('SEATS_UNAVAILABLE', 'Taken', { seat_ids: ['s1:A:1'] });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('DomainError');
    expect(error.code).toBe('SEATS_UNAVAILABLE');
    expect(error.message).toBe('Taken');
    expect(error.details).toEqual({ seat_ids: ['s1:A:1'] });
  });

  test('details default to an empty object', () => {
    expect(new DomainError('X', 'x').details).toEqual({});
  });

  test('a refusal captures no stack frames, and leaves the stack trace limit as it was', () => {
    const before = Error.stackTraceLimit;
    const error = new DomainError('X', 'x');
    expect(Error.stackTraceLimit).toBe(before);
    expect(error.stack ?? '').not.toMatch(/\n\s+at /);
    expect(new Error('y').stack).toMatch(/\n\s+at /);
  });

  test('fail throws a DomainError with the code, message and details given (details default to {})', () => {
    const thrown = (run: () => never): unknown => {
      try {
        return run();
      } catch (error) {
        return error;
      }
    };
    const error = thrown(() => fail('EVENT_NOT_FOUND', 'Event not found', { event_id: 'e-1' }));
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({
      code: 'EVENT_NOT_FOUND',
      message: 'Event not found',
      details: { event_id: 'e-1' },
    });
    expect((thrown(() => fail('X', 'x')) as DomainError).details).toEqual({});
  });
});
