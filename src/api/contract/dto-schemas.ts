import type { MetadataStorage } from 'class-transformer/types/MetadataStorage';
import { getMetadataStorage } from 'class-validator';
import { validationMetadatasToSchemas } from 'class-validator-jsonschema';
import type { SchemaObject } from 'openapi3-ts/oas30';
import { UNSAFE_IN_NAMES_PATTERN, UNSAFE_IN_TEXT_PATTERN } from '../dto/validators';

/**
 * Request schemas generated from the class-validator DTOs (class-validator-jsonschema): the decorators that
 * validate a request are the ones that document it. Our own decorators (src/api/dto/validators.ts) are converted
 * here; every DTO refuses unknown fields, so every schema says `additionalProperties: false`.
 */

// class-transformer keeps the @Type metadata of nested DTOs in this singleton; its package exposes no typed entry.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as {
  defaultMetadataStorage: MetadataStorage;
};

export type DtoClass<T = object> = new () => T;

/** Characters IsSafeName / IsSafeText refuse: validators.ts's own patterns (Unicode property escapes). */
const UNSAFE_IN_NAMES = UNSAFE_IN_NAMES_PATTERN;
const UNSAFE_IN_TEXT = UNSAFE_IN_TEXT_PATTERN;

/** Keyed by the name each custom decorator registers with (validators.ts `rule(name, ...)`). */
const converters: NonNullable<Parameters<typeof validationMetadatasToSchemas>[0]>['additionalConverters'] = {
  isStrictDateTime: { type: 'string', format: 'date-time' },
  isDateOrDateTime: {
    type: 'string',
    anyOf: [{ format: 'date' }, { format: 'date-time' }],
    description: 'A date (`YYYY-MM-DD`) or an ISO 8601 date-time with a time zone',
  },
  isMoney: { type: 'number', multipleOf: 0.01 },
  isSafeName: { type: 'string', not: { pattern: UNSAFE_IN_NAMES } },
  isSafeText: { type: 'string', not: { pattern: UNSAFE_IN_TEXT } },
};

/** OpenAPI 3.0: `$ref` siblings are ignored, so the generator's `type: object` beside a `$ref` is dropped. */
function tidy(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(tidy);
  if (!node || typeof node !== 'object') return node;
  const record = node as Record<string, unknown>;
  if (typeof record.$ref === 'string') return { $ref: record.$ref };
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, tidy(v)]));
}

/**
 * The schema of every DTO class loaded, by class name, built from the validation metadata as it is now (so a
 * changed constraint shows in the next document built). Two DTO classes must not share a name.
 */
export function dtoSchemas(): Record<string, SchemaObject> {
  const storage = getMetadataStorage() as unknown as { validationMetadatas: Map<unknown, unknown> };
  const names = [...storage.validationMetadatas.keys()].map((target) => (target as { name?: string }).name);
  const twice = names.filter((name, i) => name && names.indexOf(name) !== i);
  // The generator groups metadata by class name: two classes of one name would merge into one schema.
  if (twice.length > 0)
    throw new Error(`DTO classes must have unique names: ${[...new Set(twice)].join(', ')}`);
  const generated = validationMetadatasToSchemas({
    classTransformerMetadataStorage: defaultMetadataStorage,
    classValidatorMetadataStorage: getMetadataStorage(),
    refPointerPrefix: '#/components/schemas/',
    additionalConverters: converters,
  });
  return Object.fromEntries(
    Object.entries(generated).map(([name, schema]) => [
      name,
      { ...(tidy(schema) as SchemaObject), additionalProperties: false },
    ]),
  );
}

/** `#/components/schemas/X` references inside a schema. */
export function referencedNames(node: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((n) => referencedNames(n, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.add(v.replace('#/components/schemas/', ''));
      else referencedNames(v, out);
    }
  }
  return out;
}

/** The schemas of `roots` and of every DTO they nest, by name. */
export function dtoComponents(roots: Iterable<string>): Record<string, SchemaObject> {
  const all = dtoSchemas();
  const out: Record<string, SchemaObject> = {};
  const visit = (name: string) => {
    if (out[name]) return;
    const schema = all[name];
    if (!schema) throw new Error(`no validation metadata for DTO ${name}`);
    out[name] = schema;
    referencedNames(schema).forEach(visit);
  };
  [...roots].forEach(visit);
  return out;
}
