import { array, component, dateTime, int, ISO, money, object, str } from '../contract/schema';

export const AuditEvent = component(
  'AuditEvent',
  object({
    event_id: str(
      'The event’s id: the `causationId` in the metadata of the events it caused (saga steps) names it; an ' +
        'event a request recorded names that request instead (its `requestId`)',
    ),
    stream: str(
      'The stream the event belongs to (`event-{id}`, `order-{id}`, `ticket-{id}`, `customer-{id}`, `queue-{event_id}`...)',
    ),
    type: str('Event type', { example: 'SeatsSold' }),
    data: {
      type: 'object',
      additionalProperties: true,
      description:
        'The payload in its current schema version; secrets (password and token hashes, client secrets, card ' +
        'tokens) read `[REDACTED]`',
    },
    metadata: {
      type: 'object',
      additionalProperties: true,
      description:
        '`correlationId`, `causationId`, `userId`, `requestId` (when a request caused it), `schemaVersion`, ' +
        '`sessionId` when the client sent one, and `apiKeyId` (the id of its X-API-Key, never the key) when it sent a key',
    },
    revision: int('Revision of the event in its stream (from 0)'),
    position: int('Position in the global log (from 1)'),
    recorded_at: dateTime(`When the event was stored (${ISO})`),
  }),
);

const events = array(AuditEvent, { description: 'Events in log order (stream order for a stream)' });

export const AuditStreamPage = component(
  'AuditStreamPage',
  object({
    events,
    next_revision: int('from_revision for the next page; null at the end of the stream', { nullable: true }),
  }),
);

export const AuditLogPage = component(
  'AuditLogPage',
  object({
    events,
    next_position: int(
      'from_position for the next page; null at the end of the log (a `type` filter scans at most 100,000 ' +
        'events per call, so a page may be short and still have a next position)',
      { nullable: true },
    ),
  }),
);

export const AuditAccount = component(
  'AuditorAccount',
  object({
    user_id: str('The new account id'),
    email: str('Email', { format: 'idn-email' }),
    role: str('Always `auditor`', { enum: ['auditor'] }),
  }),
);

export const SalesAnalytics = component(
  'SalesAnalytics',
  object({
    event_id: str('Event id'),
    totals: object({
      sold: int('Seats sold (less those returned)'),
      held: int('Seats held right now'),
      revenue: money('Face value of the seats sold, less returns'),
      fees: money('Fees of the seats sold, less returns'),
      taxes: money('Taxes of confirmed orders, less cancelled ones'),
      orders: int('Confirmed orders, less cancelled ones'),
      refunds: int('Confirmed orders cancelled and refunded'),
      transfers: int('Tickets transferred to another account'),
    }),
    tiers: array(
      object({
        tier_id: str('Pricing tier id'),
        name: str('Tier name'),
        sold: int('Seats sold'),
        held: int('Seats held'),
        revenue: money('Face value of the seats sold'),
      }),
    ),
    per_minute: array(
      object({
        minute: dateTime(`The minute (${ISO}, seconds zero)`),
        sold: int('Seats sold in that minute'),
        revenue: money('Face value sold in that minute'),
      }),
      {
        description:
          'Sales per minute during the on-sale, oldest first (minutes without sales are left out), as they were ' +
          'made: a later refund is taken out of `totals` and `tiers`, not out of the minute its seats sold in, so ' +
          'the series adds up to the seats ever sold (`totals.sold` plus the seats refunded)',
      },
    ),
  }),
);
