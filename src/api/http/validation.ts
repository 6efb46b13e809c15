import Ajv, { type ValidateFunction } from 'ajv';
import { plainToInstance, TransformationType } from 'class-transformer';
import type { MetadataStorage } from 'class-transformer/types/MetadataStorage';
import { getMetadataStorage, validateSync, ValidationError } from 'class-validator';
import type { SchemaObject } from 'openapi3-ts/oas30';
import { dtoSchemas } from '../contract/dto-schemas';
import { isPresent } from '../dto/validators';
import { ApiError } from './api-error';

type Constructor<T> = new () => T;

// class-transformer keeps the @Type metadata in this singleton; its package exposes no typed entry point for it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as {
  defaultMetadataStorage: MetadataStorage;
};

/** What a DTO class accepts: its property names, and the DTO class of each nested property. */
interface Shape {
  known: ReadonlySet<string>;
  nested: ReadonlyMap<string, Constructor<object>>;
}
/** Worked out once per DTO class from the decorators' metadata (hot path: no per-request reflection). */
const shapes = new Map<Constructor<object>, Shape>();

function shapeOf(dto: Constructor<object>): Shape {
  let shape = shapes.get(dto);
  if (shape) return shape;
  const metadata = getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false);
  const known = new Set(metadata.map((m) => m.propertyName));
  const nested = new Map<string, Constructor<object>>();
  for (const name of known) {
    const type = defaultMetadataStorage.findTypeMetadata(dto, name)?.typeFunction();
    if (typeof type === 'function' && type !== Object && type !== Array && type !== String) {
      nested.set(name, type as Constructor<object>);
    }
  }
  shape = { known, nested };
  shapes.set(dto, shape);
  return shape;
}

/**
 * Fields the DTO does not declare, by path (`sections.0.rows.1.toString`). Own keys are compared with the declared
 * properties: class-validator's whitelist looks names up in a plain object, so `toString`, `valueOf`,
 * `hasOwnProperty`, `__proto__` or `constructor` passed as if declared.
 */
function unknownFields(dto: Constructor<object>, input: object, prefix: string, out: string[]): void {
  const { known, nested } = shapeOf(dto);
  for (const key of Object.keys(input)) {
    const field = prefix ? `${prefix}.${key}` : key;
    if (!known.has(key)) {
      out.push(field);
      continue;
    }
    const type = nested.get(key);
    const value = (input as Record<string, unknown>)[key];
    if (type === undefined || value === null || typeof value !== 'object') continue;
    if (Array.isArray(value)) {
      value.forEach((item, i) => {
        if (item !== null && typeof item === 'object' && !Array.isArray(item))
          unknownFields(type, item, `${field}.${i}`, out);
      });
    } else unknownFields(type, value, field, out);
  }
}

/**
 * Turns a request body (or query) into a validated DTO instance. Unknown fields are refused, whatever their name:
 * a typo in a field name should not silently buy the wrong thing. Field errors come back in details.fields.
 * Query values stay strings unless the DTO converts them itself (QueryInt): no implicit, lenient conversion.
 */
export function validateInput<T extends object>(
  dto: Constructor<T>,
  input: unknown,
  where: Where = 'body',
): T {
  if (input === undefined || input === null || typeof input !== 'object' || Array.isArray(input)) {
    const shape =
      where === 'form' ? 'a JSON object or a form (application/x-www-form-urlencoded)' : 'a JSON object';
    throw new ApiError(400, 'VALIDATION_ERROR', `The request ${label(where)} must be ${shape}`);
  }
  const unknown: string[] = [];
  unknownFields(dto, input, '', unknown);
  if (unknown.length > 0) {
    const fields = unknown.map((field) => ({
      field,
      errors: [`property ${field.slice(field.lastIndexOf('.') + 1)} should not exist`],
    }));
    throw new ApiError(400, 'VALIDATION_ERROR', `Invalid ${label(where)}: ${unknown.join(', ')}`, { fields });
  }
  const instance = plainToInstance(dto, input);
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
  });
  if (errors.length > 0) {
    const fields = flatten(errors);
    throw new ApiError(
      400,
      'VALIDATION_ERROR',
      `Invalid ${label(where)}: ${fields.map((f) => f.field).join(', ')}`,
      { fields },
    );
  }
  return instance;
}

/** What is validated: a JSON body, a query string, or a body that may also come as a form (token requests). */
export type Where = 'body' | 'query' | 'form';
const label = (where: Where) => (where === 'form' ? 'body' : where);

/**
 * A query parameter or form field given twice (`?limit=1&limit=2`) arrives as a list: said as such, not as "must
 * be an integer number". No query parameter or form field of this API takes a list.
 */
export function refuseRepeatedParameters(fields: Record<string, unknown>, where: 'query' | 'body'): void {
  const repeated = Object.keys(fields).filter((name) => Array.isArray(fields[name]));
  if (repeated.length === 0) return;
  const details = repeated.map((field) => ({ field, errors: [`${field} is given more than once`] }));
  throw new ApiError(400, 'VALIDATION_ERROR', `Invalid ${where}: ${repeated.join(', ')}`, {
    fields: details,
  });
}

/** Constraints on the kind of value: when one fails, the range, length or format messages would only mislead. */
const KIND_CONSTRAINTS: ReadonlySet<string> = new Set([
  'isString',
  'isInt',
  'isNumber',
  'isBoolean',
  'isArray',
  'isObject',
  'isMoney',
]);

/**
 * The messages that name the real problem: "is required" for a missing field; else the failed kind constraints
 * (`must be a string`) if any; else every failed one, in declaration order (class-validator lists them reversed).
 */
function messages(error: ValidationError, field: string): string[] {
  if (error.value === undefined) return [`${field} is required`];
  const failed = Object.entries(error.constraints ?? {}).reverse();
  const kind = failed.filter(([name]) => KIND_CONSTRAINTS.has(name));
  return (kind.length > 0 ? kind : failed).map(([, message]) => message);
}

function flatten(errors: ValidationError[], prefix = ''): Array<{ field: string; errors: string[] }> {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, errors: messages(error, field) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

// ---- Compiled validators ------------------------------------------------------------------------------------------

/**
 * The constraints whose JSON-schema form (class-validator-jsonschema, the one /openapi.json shows) accepts nothing
 * the decorator refuses: with only these on a DTO, a body the schema accepts is one class-validator accepts too.
 * (maxLength: ajv counts code points, validator.js even fewer, so the schema is the stricter of the two.)
 * Formats, patterns, custom rules, nested DTOs and transforms are left to class-validator.
 */
const SCHEMA_EXACT: ReadonlySet<string> = new Set([
  'isString',
  'isNotEmpty',
  'maxLength',
  'minLength',
  'isArray',
  'arrayMinSize',
  'arrayMaxSize',
  'arrayUnique',
  'isInt',
  'min',
  'max',
  'isBoolean',
  'isIn',
]);

/** Whether every rule of `dto` has an exact schema form (see SCHEMA_EXACT), so the schema may decide acceptance. */
function schemaDecides(dto: Constructor<object>): boolean {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false);
  const arrays = new Set(metadata.filter((m) => m.name === 'isArray').map((m) => m.propertyName));
  for (const m of metadata) {
    if (m.type === 'conditionalValidation') {
      // Optional() only: any other condition is more than `required` can say.
      if (m.constraints?.[0] !== isPresent) return false;
    } else if (m.type !== 'customValidation' || !m.name || !SCHEMA_EXACT.has(m.name)) return false;
    // `each` on a value that is not an array applies the rule to the value itself; the schema's `items` would not.
    if (m.each && !arrays.has(m.propertyName)) return false;
    if (m.groups?.length || m.always) return false;
  }
  for (const name of new Set(metadata.map((m) => m.propertyName))) {
    if (defaultMetadataStorage.findTypeMetadata(dto, name)) return false;
    const transforms = defaultMetadataStorage.findTransformMetadatas(
      dto,
      name,
      TransformationType.PLAIN_TO_CLASS,
    );
    if (transforms.length > 0) return false;
  }
  return defaultMetadataStorage.getExposedMetadatas(dto).length === 0;
}

const ajv = new Ajv({ strict: false, allErrors: false });
let schemas: Record<string, SchemaObject> | undefined;

/** The DTO's schema as /openapi.json documents it (generated once per process, again for a class loaded later). */
function schemaOf(dto: Constructor<object>): SchemaObject | undefined {
  if (!schemas?.[dto.name]) schemas = dtoSchemas();
  return schemas[dto.name];
}

export type InputValidator<T> = (input: unknown) => T;

/**
 * validateInput for one DTO, prepared once (when the route is registered). Where the DTO's rules all have an exact
 * JSON-schema form, a validator compiled from that schema (ajv) checks the input first: input it accepts is input
 * validateInput accepts, and it becomes the DTO instance directly. Anything it refuses goes through validateInput,
 * so every 400 answer is the one validateInput gives, word for word. (tests/unit/compiled-validation.unit.test.ts
 * feeds both the same inputs.)
 */
export function compileValidator<T extends object>(
  dto: Constructor<T>,
  where: Where = 'body',
): InputValidator<T> {
  const schema = schemaDecides(dto) ? schemaOf(dto) : undefined;
  if (!schema) return (input) => validateInput(dto, input, where);
  const accepts: ValidateFunction = ajv.compile(withSafeUniqueItems(schema));
  return (input) => {
    if (accepts(input)) return Object.assign(new dto(), input);
    return validateInput(dto, input, where);
  };
}

/**
 * ajv checks `uniqueItems` on items of a scalar type with a plain object as its index, where `__proto__` is never a
 * new key: ["__proto__", "__proto__"] would pass. Items wrapped in `allOf` have no declared type, so ajv compares them
 * pairwise instead (arrays here are short: arrayMaxSize); the items are checked exactly as before.
 */
function withSafeUniqueItems(schema: SchemaObject): SchemaObject {
  const properties = schema.properties as Record<string, SchemaObject> | undefined;
  if (!properties) return schema;
  const safe: Record<string, SchemaObject> = {};
  for (const [name, property] of Object.entries(properties))
    safe[name] =
      property.uniqueItems && property.items ? { ...property, items: { allOf: [property.items] } } : property;
  return { ...schema, properties: safe };
}

/** Whether compileValidator uses a compiled schema for `dto` (for the tests). */
export function hasCompiledValidator(dto: Constructor<object>): boolean {
  return schemaDecides(dto) && schemaOf(dto) !== undefined;
}
