import { plainToInstance } from 'class-transformer';
import type { MetadataStorage } from 'class-transformer/types/MetadataStorage';
import { getMetadataStorage, validateSync, ValidationError } from 'class-validator';
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
  where: 'body' | 'query' = 'body',
): T {
  if (input === undefined || input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ApiError(400, 'VALIDATION_ERROR', `The request ${where} must be a JSON object`);
  }
  const unknown: string[] = [];
  unknownFields(dto, input, '', unknown);
  if (unknown.length > 0) {
    const fields = unknown.map((field) => ({
      field,
      errors: [`property ${field.slice(field.lastIndexOf('.') + 1)} should not exist`],
    }));
    throw new ApiError(400, 'VALIDATION_ERROR', `Invalid ${where}: ${unknown.join(', ')}`, { fields });
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
      `Invalid ${where}: ${fields.map((f) => f.field).join(', ')}`,
      { fields },
    );
  }
  return instance;
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
