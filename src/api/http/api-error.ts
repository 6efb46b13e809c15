import { DomainError } from '../../domain/shared/errors';

/** An error with its HTTP status: what the error middleware turns into the standard envelope. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    // Client errors are answers, not bugs: skip the stack trace (see DomainError).
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.name = 'ApiError';
  }
}

/** HTTP status for each domain error code (the codes are part of the public contract). */
const STATUS_BY_CODE: Record<string, number> = {
  VALIDATION_ERROR: 400,
  INVALID_PAYMENT_METHOD: 400,
  ORDER_NOT_CANCELLABLE: 400,
  RAW_CARD_DATA_REJECTED: 400,
  UNSUPPORTED_GRANT_TYPE: 400,
  INVALID_GRANT: 401,
  PAYMENT_DECLINED: 402,
  PAYMENT_UNAVAILABLE: 503,
  FORBIDDEN: 403,
  QUEUE_REQUIRED: 403,
  EVENT_NOT_FOUND: 404,
  VENUE_NOT_FOUND: 404,
  SEAT_NOT_FOUND: 404,
  RESERVATION_NOT_FOUND: 404,
  ORDER_NOT_FOUND: 404,
  TICKET_NOT_FOUND: 404,
  TRANSFER_NOT_FOUND: 404,
  PAYMENT_METHOD_NOT_FOUND: 404,
  NOT_FOUND: 404,
  EMAIL_TAKEN: 409,
  TICKET_NOT_TRANSFERABLE: 409,
  VENUE_EXISTS: 409,
  EVENT_EXISTS: 409,
  EVENT_CANCELLED: 409,
  SEATS_UNAVAILABLE: 409,
  RESERVATION_ALREADY_ORDERED: 409,
  ORDER_ALREADY_CANCELLED: 409,
  ORDER_PENDING: 409,
  ORDER_HAS_TRANSFERRED_TICKETS: 409,
  TRANSFER_PENDING: 409,
  TICKET_NOT_ACTIVE: 409,
  SEATS_GONE: 410,
  HOLD_EXPIRED: 410,
  RESERVATION_EXPIRED: 410,
  TRANSFER_EXPIRED: 410,
  PURCHASE_LIMIT_EXCEEDED: 422,
  SINGLE_SEAT_GAP: 422,
  SALE_NOT_OPEN: 422,
};

export function fromDomainError(error: DomainError): ApiError {
  return new ApiError(STATUS_BY_CODE[error.code] ?? 422, error.code, error.message, error.details);
}

export const notFound = (what: string, code = 'NOT_FOUND') => new ApiError(404, code, `${what} not found`);
export const unauthorized = () => new ApiError(401, 'UNAUTHORIZED', 'No valid access token found');
export const forbidden = (message = 'You are not allowed to do this') =>
  new ApiError(403, 'FORBIDDEN', message);
