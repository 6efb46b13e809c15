import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { getMetadataStorage } from 'class-validator';
import type { SchemaObject } from 'openapi3-ts/oas30';
import { dtoSchemas } from '../../src/api/contract/dto-schemas';
import { ApiError } from '../../src/api/http/api-error';
import { compileValidator, hasCompiledValidator, validateInput } from '../../src/api/http/validation';
import { ReserveSeatsDto } from '../../src/api/dto/reservation.dto';

/**
 * Issue 14: the hot path validates with a validator compiled from the DTO's JSON schema, falling back to
 * class-validator for whatever it refuses. Both paths get the same inputs here: the answers (the DTO, or the 400
 * with its code, message and details) must be the same, for every DTO that has a compiled validator.
 */

// Every DTO module, so every DTO class is registered with class-validator.
const dtoDir = path.join(__dirname, '..', '..', 'src', 'api', 'dto');
for (const file of fs.readdirSync(dtoDir).filter((f) => f.endsWith('.dto.ts'))) {
  require(path.join(dtoDir, file)); // eslint-disable-line @typescript-eslint/no-require-imports
}

type Dto = new () => object;
const storage = getMetadataStorage() as unknown as { validationMetadatas: Map<unknown, unknown> };
const allDtos = [...storage.validationMetadatas.keys()].filter(
  (target): target is Dto => typeof target === 'function',
);
const compiled = allDtos.filter((dto) => hasCompiledValidator(dto));

/** What one path answered: the DTO as plain data and its class, or the error as the client sees it. */
function outcome(run: () => object): unknown {
  try {
    const dto = run();
    return { ok: { ...dto }, className: dto.constructor.name };
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return { status: error.status, code: error.code, message: error.message, details: error.details };
  }
}

/** Strings around the usual bounds, with the characters length rules count differently. */
const text = fc.oneof(
  fc.string({ maxLength: 70 }),
  fc.string({ unit: 'grapheme', maxLength: 70 }),
  fc.constantFrom('', ' ', 'a', 'x'.repeat(63), 'x'.repeat(64), 'x'.repeat(65), 'a\uFE0F'.repeat(40)),
  fc.constantFrom('😀'.repeat(64), '😀'.repeat(65), '\uD800', 'e\u0301'.repeat(40)),
  fc.integer({ min: 0, max: 130 }).map((n) => 'y'.repeat(n)),
);
const scalar = fc.oneof(
  text,
  fc.integer(),
  fc.integer({ min: -2, max: 1_000_002 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const value = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    scalar,
    fc.array(text, { maxLength: 105 }),
    fc.array(fc.constantFrom('a', 'b', 's1:A:1', 's1:A:1'), { maxLength: 6 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie('value'), { maxKeys: 3 }),
  ),
})).value;

/**
 * Values near what the schema accepts: lengths, sizes and numbers at and just past each bound, duplicates in
 * unique arrays, the enum's values and one more; sometimes anything at all.
 */
function nearSchema(schema: SchemaObject, wild = 1): fc.Arbitrary<unknown> {
  let near: fc.Arbitrary<unknown>;
  if (schema.enum) near = fc.constantFrom(...schema.enum, 'NOT_IN_ENUM');
  else if (schema.type === 'string') {
    const min = Math.max(0, (schema.minLength ?? 0) - 1);
    const max = (schema.maxLength ?? 70) + 1;
    near = fc.oneof(
      { weight: 4, arbitrary: fc.string({ minLength: schema.minLength ?? 0, maxLength: 8 }) },
      { weight: 1, arbitrary: fc.string({ minLength: min, maxLength: max }) },
      { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: min, maxLength: max }) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          'a\uFE0F'.repeat(Math.ceil(max / 2)),
          '😀'.repeat(max - 1),
          '😀'.repeat(max),
        ),
      },
      { weight: 1, arbitrary: text },
    );
  } else if (schema.type === 'integer' || schema.type === 'number') {
    const min = schema.minimum ?? -1000;
    const max = schema.maximum ?? 1000;
    near = fc.oneof(fc.integer({ min: min - 1, max: max + 1 }), fc.double({ min: min - 1, max: max + 1 }));
  } else if (schema.type === 'boolean') near = fc.boolean();
  else if (schema.type === 'array') {
    // Items mostly as the schema wants them: a long array of anything would nearly always be refused.
    const items = nearSchema((schema.items ?? {}) as SchemaObject, 0);
    const min = Math.max(0, (schema.minItems ?? 0) - 1);
    const max = Math.min(110, (schema.maxItems ?? 8) + 1);
    near = fc.oneof(
      { weight: 4, arbitrary: fc.array(items, { minLength: schema.minItems ?? 0, maxLength: 4 }) },
      { weight: 1, arbitrary: fc.array(items, { minLength: min, maxLength: max }) },
      {
        weight: 1,
        arbitrary: fc.array(items, { minLength: Math.max(1, min), maxLength: 4 }).map((a) => [...a, a[0]]),
      },
    );
  } else near = value;
  return wild === 0 ? near : fc.oneof({ weight: 9, arbitrary: near }, { weight: wild, arbitrary: value });
}

const ABSENT = Symbol('absent');

/** Objects with the DTO's own fields (each present or not), sometimes a stranger field, sometimes not an object. */
function inputs(dto: Dto): fc.Arbitrary<unknown> {
  const schema = dtoSchemas()[dto.name];
  const properties = (schema.properties ?? {}) as Record<string, SchemaObject>;
  const required = new Set(schema.required ?? []);
  // Required fields are there most of the time, optional ones half of the time.
  const fields = Object.fromEntries(
    Object.entries(properties).map(([name, s]) => [
      name,
      fc.oneof(
        { weight: required.has(name) ? 12 : 1, arbitrary: nearSchema(s) },
        { weight: 1, arbitrary: fc.constant(ABSENT) },
      ),
    ]),
  );
  const known = fc
    .record(fields)
    .map((body) => Object.fromEntries(Object.entries(body).filter(([, v]) => v !== ABSENT)));
  return fc.oneof(
    { weight: 8, arbitrary: known },
    {
      weight: 1,
      arbitrary: fc
        .tuple(known, fc.constantFrom('extra', 'toString', 'constructor'), value)
        .map(([body, key, v]) => ({ ...body, [key]: v })),
    },
    { weight: 1, arbitrary: fc.oneof(scalar, fc.array(value), fc.constant(undefined)) },
  );
}

describe('compiled validators', () => {
  it('compile the reserve body (the hot path) and leave DTOs with formats, patterns or nesting to class-validator', () => {
    expect(hasCompiledValidator(ReserveSeatsDto)).toBe(true);
    const names = compiled.map((dto) => dto.name);
    expect(names).toContain('ReserveSeatsDto');
    // Custom rules, nested DTOs and query transforms have no exact schema form.
    for (const name of ['CreateEventDto', 'CreateVenueDto', 'RegisterDto', 'AuditStreamQueryDto'])
      expect(names).not.toContain(name);
  });

  it('a repeated __proto__ seat is refused by both paths (ajv indexes unique strings in a plain object)', () => {
    const input = { event_id: 'e-1', seat_ids: ['__proto__', '__proto__'] };
    const expected = outcome(() => validateInput(ReserveSeatsDto, input));
    expect(expected).toMatchObject({ status: 400, code: 'VALIDATION_ERROR' });
    expect(outcome(() => compileValidator(ReserveSeatsDto)(input))).toEqual(expected);
  });

  it.each(compiled.map((dto) => [dto.name, dto] as const))(
    '%s: the same inputs get the same answers from both paths',
    (_name, dto) => {
      const fast = compileValidator(dto);
      let accepted = 0;
      fc.assert(
        fc.property(inputs(dto), (input) => {
          const expected = outcome(() => validateInput(dto, input));
          if ((expected as { ok?: unknown }).ok) accepted += 1;
          expect(outcome(() => fast(input))).toEqual(expected);
        }),
        { numRuns: 1000 },
      );
      // Both sides of the line are tried: enough inputs are accepted, and enough refused.
      expect(accepted).toBeGreaterThan(50);
      expect(accepted).toBeLessThan(950);
    },
  );

  it('answers the reserve body exactly as class-validator does, for the usual mistakes', () => {
    const fast = compileValidator(ReserveSeatsDto);
    const bodies: unknown[] = [
      { event_id: 'e1', seat_ids: ['s1:A:1'] },
      { event_id: 'e1', seat_ids: ['s1:A:1'], user_id: 'u1' },
      { event_id: 'e1', seat_ids: ['s1:A:1', 's1:A:1'] },
      { event_id: 'e1', seat_ids: [] },
      { event_id: '', seat_ids: ['s1:A:1'] },
      { event_id: 'e1' },
      { seat_ids: ['s1:A:1'] },
      { event_id: 'e1', seat_ids: 's1:A:1' },
      { event_id: 'e1', seat_ids: [1] },
      { event_id: 'e1', seat_ids: ['x'.repeat(65)] },
      { event_id: 'e1', seat_ids: Array.from({ length: 101 }, (_, i) => `s1:A:${i}`) },
      { event_id: 'e1', seat_ids: ['s1:A:1'], user_id: null },
      { event_id: 'e1', seat_ids: ['s1:A:1'], seats: ['s1:A:2'] },
      { event_id: 7, seat_ids: ['s1:A:1'] },
      [],
      'text',
      null,
    ];
    for (const body of bodies) {
      expect(outcome(() => fast(body))).toEqual(outcome(() => validateInput(ReserveSeatsDto, body)));
    }
    // The accepted body is a ReserveSeatsDto, as plainToInstance made it.
    expect(fast({ event_id: 'e1', seat_ids: ['s1:A:1'] })).toBeInstanceOf(ReserveSeatsDto);
    expect(outcome(() => fast({ event_id: 'e1', seat_ids: [] }))).toMatchObject({
      status: 400,
      code: 'VALIDATION_ERROR',
    });
  });
});
