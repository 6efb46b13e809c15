import { bool, component, dateTime, int, ISO, object, objectComponent, str } from '../contract/schema';

const STATUSES = ['PRE_QUEUE', 'QUEUED', 'READY', 'USED', 'EXPIRED', 'LEFT', 'CLOSED'];
const status = str(
  '`PRE_QUEUE` (joined before the sale opens: the line is drawn at random at the opening), `QUEUED`, `READY` ' +
    '(your turn: reserve with the access token until `expires_at`), `USED` (reserved with it; still usable until ' +
    '`expires_at`), `EXPIRED` (the turn was not used in time), `LEFT`',
  { enum: STATUSES },
);
const position = int(
  'Place in line (1 = next); `null` while `PRE_QUEUE` (no order before the draw) and when no longer waiting; ' +
    '0 when `READY` or `USED`',
  { nullable: true, minimum: 0 },
);
const waitMinutes = int('Estimated minutes until your turn (0 when it has come)', { minimum: 0 });
const pollSeconds = int(
  'Seconds to wait before the next status call (grows with the distance to the front); while rate limits are on, ' +
    'never less than the status limit allows (2 a minute: 30), so polling as advised is never refused',
  {
    minimum: 1,
  },
);
const opensAt = dateTime(`When the sale opens and the line starts moving (${ISO})`);

export const QueueChallenge = objectComponent('QueueChallenge', {
  algorithm: str('Hash algorithm', { enum: ['SHA-256'] }),
  challenge: str('Hash to find: SHA-256(salt + number) for a number from 0 to `maxnumber`'),
  salt: str('Salt (carries the event and the expiry, signed)'),
  signature: str("The server's HMAC of the challenge"),
  maxnumber: int(
    "Upper bound of the number (the event's `challenge_max_number`; 1 when its challenge is off)",
    {
      minimum: 1,
    },
  ),
});

export const QueueJoined = objectComponent('QueueJoined', {
  queue_token: str(
    'Bearer for `DELETE /v1/queue/leave` and the `queue_token` of `GET /v1/queue/status`; nothing else',
  ),
  queue_position: position,
  estimated_wait_minutes: waitMinutes,
  queue_size: int('Entries waiting (before the draw and in line)', { minimum: 0 }),
  status,
  poll_interval_seconds: pollSeconds,
  opens_at: opensAt,
});

/** `access_token` and `expires_at` only when the turn has come. */
export const QueueStatus = component(
  'QueueStatus',
  object(
    {
      queue_position: position,
      estimated_wait_minutes: waitMinutes,
      status,
      access_granted: bool('`true` when `READY` or `USED`: `access_token` holds the reserve token'),
      poll_interval_seconds: pollSeconds,
      queue_size: int('Entries waiting (before the draw and in line)', { minimum: 0 }),
      opens_at: opensAt,
      access_token: str(
        'When `READY` or `USED`: the bearer for `POST /v1/seats/reserve` at this event (or send it as ' +
          '`X-Queue-Access-Token` beside your own token); it expires at `expires_at`',
      ),
      expires_at: dateTime(`When the turn ends and \`access_token\` expires (${ISO})`),
    },
    [
      'queue_position',
      'estimated_wait_minutes',
      'status',
      'access_granted',
      'poll_interval_seconds',
      'queue_size',
      'opens_at',
    ],
  ),
);
