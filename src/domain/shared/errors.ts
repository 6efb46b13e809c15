/**
 * A rule of the domain refused a command. The code is stable and part of the public contract
 * (the API maps codes to HTTP statuses); details carry machine-readable specifics such as seat ids.
 */
export class DomainError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown>;
  /**
   * Where in the log a refused request nonetheless wrote (a declined payment records the decline and releases the
   * hold): answered as X-Log-Position, so the client can read those writes like any command's.
   */
  logPosition?: number;

  constructor(code: string, message: string, details: Record<string, unknown> = {}) {
    // A refusal is an answer, not a bug: no stack trace. Capturing one for every 409 of an on-sale showed up
    // in the hot path's profile.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.name = 'DomainError';
    this.code = code;
    this.details = details;
  }
}

export function fail(code: string, message: string, details: Record<string, unknown> = {}): never {
  throw new DomainError(code, message, details);
}
