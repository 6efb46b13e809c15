import type { ReferenceObject, SchemaObject } from 'openapi3-ts/oas30';

/** Helpers for writing response schemas once, beside their routes (OpenAPI 3.0 schema objects). */

export type Schema = SchemaObject | ReferenceObject;

/** The schema a named component reference stands for (not serialised: the assembler collects it). */
const COMPONENT = Symbol('component schema');
type NamedReference = ReferenceObject & { [COMPONENT]?: { name: string; schema: SchemaObject } };

/**
 * A named component schema: answers the `$ref` to use, and carries the schema with it so the document assembler
 * can put it under components.schemas without a registry kept by hand.
 */
export function component(name: string, schema: SchemaObject): ReferenceObject {
  const ref: NamedReference = { $ref: `#/components/schemas/${name}` };
  Object.defineProperty(ref, COMPONENT, { value: { name, schema }, enumerable: false });
  return ref;
}

/** The named schemas reachable from `node` (through component references), by name. */
export function collectComponents(
  node: unknown,
  out = new Map<string, SchemaObject>(),
): Map<string, SchemaObject> {
  if (Array.isArray(node)) node.forEach((n) => collectComponents(n, out));
  else if (node && typeof node === 'object') {
    const named = (node as NamedReference)[COMPONENT];
    if (named) {
      const known = out.get(named.name);
      if (known && known !== named.schema) throw new Error(`two schemas are named ${named.name}`);
      if (!known) {
        out.set(named.name, named.schema);
        collectComponents(named.schema, out);
      }
    }
    for (const value of Object.values(node)) collectComponents(value, out);
  }
  return out;
}

export const ISO = 'ISO 8601 UTC';

export const str = (description: string, extra: Partial<SchemaObject> = {}): SchemaObject => ({
  type: 'string',
  description,
  ...extra,
});

export const dateTime = (description: string, nullable = false): SchemaObject => ({
  type: 'string',
  format: 'date-time',
  description,
  ...(nullable ? { nullable } : {}),
});

export const int = (description: string, extra: Partial<SchemaObject> = {}): SchemaObject => ({
  type: 'integer',
  description,
  ...extra,
});

export const bool = (description: string, extra: Partial<SchemaObject> = {}): SchemaObject => ({
  type: 'boolean',
  description,
  ...extra,
});

export const money = (description: string): SchemaObject => ({
  type: 'number',
  description: `${description} (two decimals)`,
  example: 150.0,
});

export const array = (items: Schema, extra: Partial<SchemaObject> = {}): SchemaObject => ({
  type: 'array',
  items,
  ...extra,
});

/** OpenAPI 3.0.3: a nullable enum must list null among its values, or null is still refused. */
export const nullableEnum = (description: string, values: string[]): SchemaObject => ({
  type: 'string',
  description,
  enum: [...values, null],
  nullable: true,
});

/** A response object: every property present (required) unless said otherwise. */
export const object = (
  properties: Record<string, Schema>,
  required: string[] = Object.keys(properties),
  description?: string,
): SchemaObject => ({
  type: 'object',
  ...(description ? { description } : {}),
  properties,
  required,
});

/** A named response object (every property required): the most common component. */
export const objectComponent = (name: string, properties: Record<string, Schema>): ReferenceObject =>
  component(name, object(properties));
