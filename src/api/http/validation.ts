import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { ApiError } from './api-error';
import { SMUGGLED_KEYS } from './middleware';

type Constructor<T> = new () => T;

/**
 * Turns a request body (or query) into a validated DTO instance. Unknown fields are refused: a typo in a
 * field name should not silently buy the wrong thing. Field errors come back in details.fields.
 */
export function validateInput<T extends object>(
  dto: Constructor<T>,
  input: unknown,
  where: 'body' | 'query' = 'body',
): T {
  if (input === undefined || input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ApiError(400, 'VALIDATION_ERROR', `The request ${where} must be a JSON object`);
  }
  // class-transformer drops these keys silently; refuse them like any other unknown field (query strings and
  // form bodies are flat, nested JSON is checked by guardJsonBody).
  const smuggled = Object.keys(input).filter((key) => SMUGGLED_KEYS.has(key));
  if (smuggled.length > 0) {
    const fields = smuggled.map((field) => ({ field, errors: [`property ${field} should not exist`] }));
    throw new ApiError(400, 'VALIDATION_ERROR', `Invalid ${where}: ${smuggled.join(', ')}`, { fields });
  }
  const instance = plainToInstance(dto, input, { enableImplicitConversion: where === 'query' });
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

function flatten(errors: ValidationError[], prefix = ''): Array<{ field: string; errors: string[] }> {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = error.constraints ? [{ field, errors: Object.values(error.constraints) }] : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}
