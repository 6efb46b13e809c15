import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsObject,
  ValidateIf,
  ValidateNested,
  registerDecorator,
  type ValidationArguments,
  type ValidationOptions,
} from 'class-validator';

/**
 * Strict parsing rules shared by every DTO. What the contract calls invalid is refused here, never guessed at
 * later: a value that passes these decorators can be used by the handlers without further checks.
 */

type Decorator = (target: object, propertyName: string) => void;

function rule(
  name: string,
  test: (value: unknown) => boolean,
  message: string,
  options?: ValidationOptions,
): Decorator {
  return (target, propertyName) =>
    registerDecorator({
      name,
      target: target.constructor,
      propertyName,
      options: { message: `$property ${message}`, ...options },
      validator: { validate: test },
    });
}

/**
 * Optional, but not nullable: class-validator's IsOptional also skips `null`, which then reaches handlers that
 * expect a string. Only a missing field is optional.
 */
export const Optional = (): Decorator => ValidateIf(isPresent);

/** Optional()'s condition, one function for every use: the compiled validators (validation.ts) recognise it. */
export function isPresent(_object: object, value: unknown): boolean {
  return value !== undefined;
}

/** A real calendar date (2026-02-30 is not one). */
function isCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const days = new Date(Date.UTC(2000, month, 0)).getUTCDate(); // days in that month of a leap year
  if (day > days) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return !(month === 2 && day === 29 && !leap);
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** ISO 8601 extended format with a time zone: 2026-06-01T19:00:00Z, 2026-06-01T19:00:00.123+02:00. */
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2}))$/;

/** `YYYY-MM-DD`, a real date. Week dates, ordinal dates and basic format (20260601) are refused. */
export function isStrictDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = DATE.exec(value);
  return m !== null && isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]));
}

/** A full ISO 8601 date-time in extended format with a time zone (Z or ±HH:MM), a real date and time. */
export function isStrictDateTime(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = DATE_TIME.exec(value);
  if (m === null || !isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]))) return false;
  const [hour, minute, second] = [Number(m[4]), Number(m[5]), Number(m[6] ?? '0')];
  if (hour > 23 || minute > 59 || second > 59) return false;
  if (m[8] !== undefined && (Number(m[8]) > 23 || Number(m[9]) > 59)) return false;
  return !Number.isNaN(Date.parse(value));
}

export const IsStrictDateTime = (options?: ValidationOptions): Decorator =>
  rule(
    'isStrictDateTime',
    isStrictDateTime,
    'must be an ISO 8601 date-time with a time zone (2026-06-01T19:00:00Z)',
    options,
  );

/** Search filters: a date (YYYY-MM-DD) or a full date-time with a time zone, nothing else. */
export const IsDateOrDateTime = (options?: ValidationOptions): Decorator =>
  rule(
    'isDateOrDateTime',
    (v) => isStrictDate(v) || isStrictDateTime(v),
    'must be a date (YYYY-MM-DD) or an ISO 8601 date-time with a time zone',
    options,
  );

/** Money: a finite JSON number with at most two decimals (1e-7 and 0.001 are refused; 1e2 is 100). */
export function isMoney(value: unknown): value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  const cents = value * 100;
  return Math.abs(cents - Math.round(cents)) < 1e-6;
}

export const IsMoney = (options?: ValidationOptions): Decorator =>
  rule('isMoney', isMoney, 'must be a number with at most two decimals', options);

/**
 * Query-string integers: plain decimal digits only (up to 20, so a value past a parameter's maximum is told that
 * maximum), with an optional minus (so `-1` is told it is below the minimum). Without this, implicit conversion (Number()) reads `0x10`
 * as 16, `1e1` as 10 and ` 7` as 7. Anything else is left a string, which IsInt then refuses.
 */
export const QueryInt = (): Decorator =>
  Transform(({ value }) =>
    typeof value === 'string' && /^-?[0-9]{1,20}$/.test(value) ? Number(value) : value,
  );

/**
 * Characters that are invisible or change how the text around them is shown: controls (\p{Cc}: C0, C1, DEL),
 * format characters (\p{Cf}: the bidi controls U+061C, U+200E/F, U+202A-E, U+2066-9, zero-width U+200B-D, U+FEFF,
 * soft hyphen U+00AD, U+180E, U+206A-F, U+FFF9-B, tag characters U+E0001-E007F...), line and paragraph separators
 * (U+2028/9), the unassigned rest of the tag block, and the invisible letters other Default_Ignorable characters
 * leave (combining grapheme joiner, Hangul fillers, Khmer inherent vowels). They spoof what a name shows (a
 * right-to-left override turns `Bob.exe` around) and make two names that look alike differ.
 */
const INVISIBLE =
  '\\p{Cc}\\p{Cf}\\p{Zl}\\p{Zp}\\u{E0000}-\\u{E007F}\\u034F\\u115F\\u1160\\u17B4\\u17B5\\u3164\\uFFA0';
/** As regular-expression sources (with the `u` flag), also the request schemas' `not: { pattern }`. */
export const UNSAFE_IN_NAMES_PATTERN = `[${INVISIBLE}]`;
/** Free text may span lines: tabs and line breaks are allowed there, nothing else from the list above. */
export const UNSAFE_IN_TEXT_PATTERN = `(?![\\t\\n\\r])[${INVISIBLE}]`;
// eslint-disable-next-line no-misleading-character-class -- U+034F is listed alone on purpose, not combined
const UNSAFE_IN_NAMES = new RegExp(UNSAFE_IN_NAMES_PATTERN, 'u');
// eslint-disable-next-line no-misleading-character-class -- as above
const UNSAFE_IN_TEXT = new RegExp(UNSAFE_IN_TEXT_PATTERN, 'u');

export function isSafeName(value: unknown): boolean {
  return typeof value === 'string' && !UNSAFE_IN_NAMES.test(value);
}

export function isSafeText(value: unknown): boolean {
  return typeof value === 'string' && !UNSAFE_IN_TEXT.test(value);
}

/** The message names the real problem: a value that is not text at all is not "unsafe text". */
const unsafeMessage = (what: string) => (args: ValidationArguments) =>
  typeof args.value === 'string'
    ? `${args.property} must not contain ${what}`
    : `${args.property} must be a string`;

/** Names and other one-line text shown to people: no control, formatting or invisible characters. */
export const IsSafeName = (options?: ValidationOptions): Decorator =>
  rule('isSafeName', isSafeName, '', {
    message: unsafeMessage('control, bidi, formatting or invisible characters'),
    ...options,
  });

/** Multi-line free text (descriptions): like IsSafeName, but tabs and line breaks are fine. */
export const IsSafeText = (options?: ValidationOptions): Decorator =>
  rule('isSafeText', isSafeText, '', {
    message: unsafeMessage(
      'control, bidi, formatting or invisible characters (tabs and line breaks are fine)',
    ),
    ...options,
  });

/**
 * An array of nested DTOs: an array, of objects (an array of arrays is refused here instead of reaching the
 * domain as `undefined` fields), each validated as `type`.
 */
export function NestedArray(type: () => new () => object, min: number, max: number): Decorator {
  const decorators: PropertyDecorator[] = [
    IsArray(),
    ArrayMinSize(min),
    ArrayMaxSize(max),
    IsObject({ each: true }),
    ValidateNested({ each: true }),
    Type(type),
  ];
  return (target, propertyName) => decorators.forEach((d) => d(target, propertyName));
}

/** A nested DTO object (not an array, not null). */
export function NestedObject(type: () => new () => object): Decorator {
  const decorators: PropertyDecorator[] = [IsObject(), ValidateNested(), Type(type)];
  return (target, propertyName) => decorators.forEach((d) => d(target, propertyName));
}
