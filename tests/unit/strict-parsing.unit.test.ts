import { ApiError } from '../../src/api/http/api-error';
import { validateInput } from '../../src/api/http/validation';
import { RegisterDto, TokenRequestDto } from '../../src/api/dto/auth.dto';
import { CreateVenueDto, SearchQueryDto } from '../../src/api/dto/catalog.dto';
import {
  isMoney,
  isSafeName,
  isSafeText,
  isStrictDate,
  isStrictDateTime,
} from '../../src/api/dto/validators';

/** Issue 8, item 4: what the contract calls invalid is refused, not guessed at. */

describe('dates', () => {
  it.each([
    '2026-06-01T19:00:00Z',
    '2026-06-01T19:00Z',
    '2026-06-01T19:00:00.123Z',
    '2026-06-01T19:00:00+02:00',
    '2026-06-01T19:00:00-05:30',
    '2028-02-29T00:00:00Z',
    '2000-02-29T23:59:59Z',
  ])('%s is a date-time', (value) => expect(isStrictDateTime(value)).toBe(true));

  it.each([
    '2026-W01',
    '2026-W01-1',
    '2026-152',
    '20260601',
    '20260601T190000Z',
    '2026-06-01',
    '2026-06-01T19:00:00', // no time zone
    '2026-02-30T10:00:00Z',
    '2026-02-29T10:00:00Z', // 2026 is not a leap year
    '1900-02-29T10:00:00Z',
    '2026-04-31T10:00:00Z',
    '2026-13-01T10:00:00Z',
    '2026-06-01T24:00:00Z',
    '2026-06-01T10:60:00Z',
    '2026-06-01T10:00:60Z',
    '2026-06-01T10:00:00+24:00',
    '2026-06-01 10:00:00Z',
    '+020260-06-01T10:00:00Z',
    ' 2026-06-01T10:00:00Z',
    'now',
    '',
  ])('%p is not a date-time', (value) => expect(isStrictDateTime(value)).toBe(false));

  it('date-only filters are YYYY-MM-DD and a real day', () => {
    expect(isStrictDate('2026-06-01')).toBe(true);
    expect(isStrictDate('2024-02-29')).toBe(true);
    for (const bad of ['2026-02-30', '2026-W01', '20260601', '2026-6-1', '2026-06-01T00:00:00Z'])
      expect(isStrictDate(bad)).toBe(false);
  });
});

describe('money', () => {
  it.each([0, 1, 50, 80.25, 0.29, 1.1, 99999.99, 1e2])('%p has at most two decimals', (value) =>
    expect(isMoney(value)).toBe(true),
  );
  it.each([1e-7, 0.001, 12.345, Number.NaN, Infinity, '12.50', null])('%p is refused', (value) =>
    expect(isMoney(value)).toBe(false),
  );
});

describe('names', () => {
  it.each(['A Fan', 'Zoë Ölçü', '山田 太郎', 'O’Brien', 'Rock & Roll: Live!'])('%s is fine', (name) =>
    expect(isSafeName(name)).toBe(true),
  );
  it.each([
    'nul\u0000byte',
    'tab\there',
    'line\nbreak',
    'del\u007f',
    'c1\u0085',
    'rlo\u202eevil',
    'lre\u202a',
    'isolate\u2066x\u2069',
    // Red team, after issue 8: every Bidi_Control, line/paragraph separators, zero-width and other invisibles.
    'alm\u061c',
    'lrm\u200e',
    'rlm\u200f',
    'pdf\u202c',
    'lri\u2066',
    'pdi\u2069',
    'ls\u2028',
    'ps\u2029',
    'zwsp\u200b',
    'zwnj\u200c',
    'zwj\u200d',
    'bom\ufeff',
    'soft\u00adhyphen',
    'mongolian\u180evowel',
    'deprecated\u206aformat\u206f',
    'annotation\ufff9x\ufffb',
    'tag\u{E0041}\u{E007F}',
    'tag block start\u{E0000}',
    'word\u2060joiner',
    'hangul\u3164filler',
    'cgj\u034f',
  ])('%j is refused', (name) => expect(isSafeName(name)).toBe(false));

  it('free text may hold tabs and line breaks, nothing else invisible', () => {
    expect(isSafeText('line one\r\nline two\tend')).toBe(true);
    for (const bad of ['\u2028', '\u200b', '\u202e', '\u0000', '\u{E0041}'])
      expect(isSafeText(`a${bad}b`)).toBe(false);
  });
});

describe('validateInput', () => {
  const fails = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(ApiError);
      return error as ApiError;
    }
    throw new Error('expected a validation error');
  };
  const fields = (error: ApiError) => (error.details.fields as Array<{ field: string }>).map((f) => f.field);

  const venue = {
    name: 'Hall',
    city: 'Town',
    state: 'TX',
    country: 'US',
    sections: [{ name: 'Main', rows: [{ row: 'A', seats: 3 }] }],
  };

  it.each(['toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'isPrototypeOf', 'constructor'])(
    'an unknown field named like an Object.prototype member (%s) is refused, at any depth',
    (name) => {
      const top = JSON.parse(JSON.stringify({ ...venue, [name]: 'x' }));
      expect(fields(fails(() => validateInput(CreateVenueDto, top)))).toEqual([name]);
      const nested = JSON.parse(JSON.stringify(venue));
      nested.sections[0].rows[0][name] = 1;
      expect(fields(fails(() => validateInput(CreateVenueDto, nested)))).toEqual([
        `sections.0.rows.0.${name}`,
      ]);
      const query = fails(() => validateInput(SearchQueryDto, { [name]: '1' }, 'query'));
      expect(fields(query)).toEqual([name]);
    },
  );

  it('a valid body still passes', () => {
    expect(validateInput(CreateVenueDto, venue)).toBeInstanceOf(CreateVenueDto);
  });

  it('null is not "left out" for an optional field', () => {
    const error = fails(() => validateInput(TokenRequestDto, { grant_type: 'password', email: null }));
    expect(fields(error)).toContain('email');
  });

  it('an array of arrays where nested objects are expected is refused', () => {
    const error = fails(() => validateInput(CreateVenueDto, { ...venue, sections: [venue.sections] }));
    expect(fields(error)).toEqual(['sections']);
  });

  it.each(['0x10', '1e1', ' 7', '7 ', '+7', '1.0', '-1', ''])(
    'page=%p is refused: plain decimal digits only',
    (page) => {
      expect(fields(fails(() => validateInput(SearchQueryDto, { page }, 'query')))).toEqual(['page']);
    },
  );

  // The message names the real problem (red team: `page=-1` was told "must not be greater than 10000").
  const messagesOf = (error: ApiError) =>
    (error.details as { fields: Array<{ field: string; errors: string[] }> }).fields;
  it.each([
    ['-1', 'page must not be less than 1'],
    ['0', 'page must not be less than 1'],
    ['10001', 'page must not be greater than 10000'],
    ['0x10', 'page must be an integer number'],
    ['1e1', 'page must be an integer number'],
  ])('page=%p says %p, and only that', (page, message) => {
    const error = fails(() => validateInput(SearchQueryDto, { page }, 'query'));
    expect(messagesOf(error)).toEqual([{ field: 'page', errors: [message] }]);
  });

  it.each([
    ['missing', undefined, 'email is required'],
    ['an array', ['a@example.test'], 'email must be a string'],
    ['a number', 42, 'email must be a string'],
    ['null', null, 'email must be a string'],
  ])('an email that is %s says so, not "control or bidi characters"', (_what, email, message) => {
    const body = { password: 'long-enough', name: 'A Fan', ...(email === undefined ? {} : { email }) };
    expect(messagesOf(fails(() => validateInput(RegisterDto, body)))).toEqual([
      { field: 'email', errors: [message] },
    ]);
  });

  it('a string that breaks several rules gets each message, in declaration order', () => {
    const error = fails(() =>
      validateInput(RegisterDto, { email: 'not-an-email\u200b', password: 'long-enough', name: 'A Fan' }),
    );
    expect(messagesOf(error)).toEqual([
      {
        field: 'email',
        errors: [
          'email must be an email',
          'email must not contain control, bidi, formatting or invisible characters',
        ],
      },
    ]);
  });

  it('page=7 is the number 7', () => {
    expect(validateInput(SearchQueryDto, { page: '7' }, 'query').page).toBe(7);
  });

  it('control and bidi-override characters are refused in a user name', () => {
    const error = fails(() =>
      validateInput(RegisterDto, {
        email: 'a@example.test',
        password: 'long-enough',
        name: 'evil\u202etxt.exe',
      }),
    );
    expect(fields(error)).toEqual(['name']);
  });
});
