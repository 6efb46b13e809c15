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
  API_KEY_NOT_FOUND: 404,
  NOT_FOUND: 404,
  EMAIL_TAKEN: 409,
  API_KEY_EXISTS: 409,
  TICKET_NOT_TRANSFERABLE: 409,
  VENUE_EXISTS: 409,
  EVENT_EXISTS: 409,
  EVENT_CANCELLED: 409,
  SEATS_UNAVAILABLE: 409,
  RESERVATION_ALREADY_ORDERED: 409,
  PAYMENT_SUPERSEDED: 409,
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
  // The waiting room (src/api/routes/queue.routes.ts; join refusals follow the seed: 400, 409, 503).
  INVALID_EVENT: 400,
  QUEUE_NOT_ENABLED: 400,
  CHALLENGE_FAILED: 400,
  ALREADY_IN_QUEUE: 409,
  // Not 429: the device is not sending too fast, it holds too many live entries (a state conflict, like the one above).
  DEVICE_LIMIT_REACHED: 409,
  QUEUE_FULL: 503,
  QUEUE_ENTRY_NOT_FOUND: 404,
  // Partner payment and shipping (src/application/partner/partner-payment-service.ts): bad input, 400.
  UNKNOWN_SHIPPING_OPTION: 400,
  MISSING_PAYMENT_FIELDS: 400,
  ENCRYPTION_KEY_UNKNOWN: 400,
  ENCRYPTION_KEY_EXPIRED: 400,
  CARD_DATA_NOT_ENCRYPTED: 400,
  CARD_DECRYPTION_FAILED: 400,
  INVALID_CARD_SALT: 400,
  INVALID_CARD_NUMBER: 400,
  INVALID_CARD_CVV: 400,
  // An expired card is bad input for a payment (the cart's decider refuses it too).
  CARD_EXPIRED: 400,
  // Partner polling (src/application/partner/polled-commands.ts).
  POLL_NOT_FOUND: 404,
  POLLED_RESULT_LOST: 410,
  // Partner carts (src/domain/cart, src/domain/ticketed-event/best-available.ts).
  NO_INVENTORY: 404,
  TIER_NOT_FOUND: 404,
  SECTION_NOT_FOUND: 404,
  CART_NOT_FOUND: 404,
  NOT_ENOUGH_INVENTORY: 409,
  CART_EXISTS: 409,
  CART_INCOMPLETE: 409,
  CART_CHECKOUT_IN_PROGRESS: 409,
  CART_COMMITTED: 409,
  CART_NOT_CHECKING_OUT: 409,
  CART_EXPIRED: 410,
  CART_DELETED: 410,
  CART_CHECKOUT_FAILED: 410,
  CART_NOT_CREATED: 409,
  CART_CREATION_FAILED: 410,
  // Partner clients, OAuth and captcha (src/domain/partner, src/application/partner/partner-service.ts).
  INVALID_CLIENT: 401,
  CAPTCHA_FAILED: 400,
  CAPTCHA_DOMAIN_NOT_ALLOWED: 403,
  PARTNER_NOT_FOUND: 404,
  PARTNER_EXISTS: 409,
  PARTNER_REVOKED: 409,
};

export function fromDomainError(error: DomainError): ApiError {
  const headers: Record<string, string> =
    error.logPosition === undefined ? {} : { 'X-Log-Position': String(error.logPosition) };
  return new ApiError(STATUS_BY_CODE[error.code] ?? 422, error.code, error.message, error.details, headers);
}

export const notFound = (what: string, code = 'NOT_FOUND') => new ApiError(404, code, `${what} not found`);
export const unauthorized = () => new ApiError(401, 'UNAUTHORIZED', 'No valid access token found');
export const forbidden = (message = 'You are not allowed to do this') =>
  new ApiError(403, 'FORBIDDEN', message);
