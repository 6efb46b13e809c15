/**
 * A rule of the domain refused a command. The code is stable and part of the public contract
 * (the API maps codes to HTTP statuses); details carry machine-readable specifics such as seat ids.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export function fail(code: string, message: string, details: Record<string, unknown> = {}): never {
  throw new DomainError(code, message, details);
}
