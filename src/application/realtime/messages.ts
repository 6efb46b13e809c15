/**
 * The realtime protocol (GET /v1/realtime): what a client may send, what the server sends, and the parsing of a
 * client frame. Transport-free: the WebSocket glue in src/api/realtime hands text in and sends these out as JSON.
 */

export type ClientMessage =
  { type: 'subscribe'; event_id: string } | { type: 'unsubscribe'; event_id: string };

export interface AvailabilityUpdate {
  type: 'availability_update';
  event_id: string;
  /** The section's name, as in the seed ("Floor"). */
  section: string;
  section_id: string;
  available_seats: number;
  timestamp: string;
}

export interface ReservationExpiring {
  type: 'reservation_expiring';
  reservation_id: string;
  expires_in_seconds: number;
}

export interface QueueUpdate {
  type: 'queue_update';
  event_id: string;
  /** null before the pre-queue is drawn and once the entry no longer waits (0 when READY/USED). */
  queue_position: number | null;
  /** Minutes, as `estimated_wait_minutes` of the queue status. */
  estimated_wait: number;
  status: string;
  timestamp: string;
}

export type ServerMessage =
  | { type: 'subscribed'; event_id: string }
  | { type: 'unsubscribed'; event_id: string }
  | AvailabilityUpdate
  | ReservationExpiring
  | QueueUpdate
  | { type: 'error'; code: RealtimeErrorCode; message: string };

export type RealtimeErrorCode =
  | 'INVALID_MESSAGE'
  | 'UNKNOWN_MESSAGE_TYPE'
  | 'MESSAGE_TOO_LARGE'
  | 'BINARY_NOT_SUPPORTED'
  | 'EVENT_NOT_FOUND'
  | 'TOO_MANY_SUBSCRIPTIONS'
  | 'FORBIDDEN'
  | 'RATE_LIMIT_EXCEEDED'
  | 'INTERNAL_ERROR';

export type ErrorMessage = Extract<ServerMessage, { type: 'error' }>;

export const errorMessage = (code: RealtimeErrorCode, message: string): ErrorMessage => ({
  type: 'error',
  code,
  message,
});

/** Event ids as the catalog accepts them (given ids) or makes them (UUIDs). */
const EVENT_ID = /^[A-Za-z0-9-]{1,64}$/;
const CLIENT_TYPES = ['subscribe', 'unsubscribe'] as const;

/**
 * A client frame's text as a message, or the error frame that answers it. Strict like the REST bodies: a JSON
 * object with exactly `type` and `event_id`, nothing else.
 */
export function parseClientMessage(text: string): ClientMessage | ErrorMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return errorMessage('INVALID_MESSAGE', 'A message must be a JSON object');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return errorMessage('INVALID_MESSAGE', 'A message must be a JSON object');
  const fields = value as Record<string, unknown>;
  const type = fields.type;
  if (typeof type !== 'string')
    return errorMessage('INVALID_MESSAGE', 'A message needs a string `type` (subscribe or unsubscribe)');
  if (!(CLIENT_TYPES as readonly string[]).includes(type))
    return errorMessage(
      'UNKNOWN_MESSAGE_TYPE',
      `Unknown message type "${type.slice(0, 32)}": subscribe or unsubscribe`,
    );
  const extra = Object.keys(fields).filter((key) => key !== 'type' && key !== 'event_id');
  if (extra.length > 0)
    return errorMessage(
      'INVALID_MESSAGE',
      `Unknown field "${extra[0].slice(0, 32)}": only type and event_id`,
    );
  const eventId = fields.event_id;
  if (typeof eventId !== 'string' || !EVENT_ID.test(eventId))
    return errorMessage('INVALID_MESSAGE', 'event_id must be 1-64 letters, digits or dashes');
  return { type: type as ClientMessage['type'], event_id: eventId };
}

export function isErrorMessage(message: ClientMessage | ErrorMessage): message is ErrorMessage {
  return message.type === 'error';
}
