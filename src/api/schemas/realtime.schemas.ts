import type { SchemaObject } from 'openapi3-ts/oas30';
import { component, dateTime, int, ISO, object, str } from '../contract/schema';

/**
 * The WebSocket messages of GET /v1/realtime. OpenAPI 3.0 has no words for them, so they are named schemas listed
 * in the operation's `x-websocket-messages` (and checked against the frames in tests/api/realtime.api.test.ts).
 */

const typeOf = (value: string): SchemaObject => str(`Always \`${value}\``, { enum: [value] });
const eventId = str('Event id');

const RealtimeSubscribe = component(
  'RealtimeSubscribe',
  object(
    { type: typeOf('subscribe'), event_id: eventId },
    ['type', 'event_id'],
    'Client: receive availability_update for a published event (and queue_update for your live entry in its queue)',
  ),
);
const RealtimeUnsubscribe = component(
  'RealtimeUnsubscribe',
  object({ type: typeOf('unsubscribe'), event_id: eventId }, ['type', 'event_id'], 'Client: stop that'),
);

const RealtimeSubscribed = component(
  'RealtimeSubscribed',
  object(
    { type: typeOf('subscribed'), event_id: eventId },
    ['type', 'event_id'],
    'The acknowledgement of a subscribe; one availability_update per section with its current count follows',
  ),
);
const RealtimeUnsubscribed = component(
  'RealtimeUnsubscribed',
  object(
    { type: typeOf('unsubscribed'), event_id: eventId },
    ['type', 'event_id'],
    'The acknowledgement of an unsubscribe (also when it was not subscribed)',
  ),
);
const RealtimeAvailabilityUpdate = component(
  'RealtimeAvailabilityUpdate',
  object(
    {
      type: typeOf('availability_update'),
      event_id: eventId,
      section: str('Section name (as in the seat map)', { example: 'Floor' }),
      section_id: str('Section id'),
      available_seats: int('Seats AVAILABLE in the section, as GET /v1/events/{event_id}/seats shows them', {
        minimum: 0,
      }),
      timestamp: dateTime(`When it was sent (${ISO})`),
    },
    undefined,
    "A section's available count changed (at most one per section per REALTIME_COALESCE_MS, default 250 ms: the latest count)",
  ),
);
const RealtimeReservationExpiring = component(
  'RealtimeReservationExpiring',
  object(
    {
      type: typeOf('reservation_expiring'),
      reservation_id: str('The hold'),
      expires_in_seconds: int('Seconds left', { minimum: 0 }),
    },
    undefined,
    "To every connection of the hold's owner, REALTIME_EXPIRING_NOTICE_SECONDS (60) before it expires; not after a release or purchase",
  ),
);
const RealtimeQueueUpdate = component(
  'RealtimeQueueUpdate',
  object(
    {
      type: typeOf('queue_update'),
      event_id: eventId,
      queue_position: int(
        'Position in line; null before the draw and once no longer waiting (0 when READY)',
        {
          nullable: true,
          minimum: 0,
        },
      ),
      estimated_wait: int('Estimated wait in minutes', { minimum: 0 }),
      status: str('The entry status', {
        enum: ['PRE_QUEUE', 'QUEUED', 'READY', 'USED', 'EXPIRED', 'LEFT', 'CLOSED'],
      }),
      timestamp: dateTime(`When it was sent (${ISO})`),
    },
    undefined,
    'The position or status of your queue entry changed (queue token: its own entry; member: after subscribing to an event you queue for)',
  ),
);
const RealtimeError = component(
  'RealtimeError',
  object(
    {
      type: typeOf('error'),
      code: str('Why', {
        enum: [
          'INVALID_MESSAGE',
          'UNKNOWN_MESSAGE_TYPE',
          'MESSAGE_TOO_LARGE',
          'BINARY_NOT_SUPPORTED',
          'EVENT_NOT_FOUND',
          'TOO_MANY_SUBSCRIPTIONS',
          'FORBIDDEN',
          'RATE_LIMIT_EXCEEDED',
          'INTERNAL_ERROR',
        ],
      }),
      message: str('Human-readable explanation'),
    },
    undefined,
    'A client message was refused; the connection stays open',
  ),
);

export const REALTIME_MESSAGES = {
  client: [RealtimeSubscribe, RealtimeUnsubscribe],
  server: [
    RealtimeSubscribed,
    RealtimeUnsubscribed,
    RealtimeAvailabilityUpdate,
    RealtimeReservationExpiring,
    RealtimeQueueUpdate,
    RealtimeError,
  ],
};
