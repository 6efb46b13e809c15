import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { AccessTokens, VerifiedAccess } from '../../application/ports/access-tokens';
import type { Challenges } from '../../application/ports/challenges';
import type { IdempotencyStore } from '../../application/ports/idempotency-store';
import type { QueueEntryView, QueueService } from '../../application/queue/queue-service';
import { DomainError } from '../../domain/shared/errors';
import { apiRouter, op, type ApiRouter } from '../contract/api-router';
import { JoinQueueDto, QueueChallengeQueryDto, QueueStatusQueryDto } from '../dto/queue.dto';
import { ApiError } from '../http/api-error';
import { currentUser } from '../http/auth';
import { idempotent, type ReplayedCredentials } from '../http/idempotency';
import type { FixedQueueSettings } from '../http/queue-gate';
import { deviceHash, invalidQueueToken, verifyQueueToken, type QueueToken } from '../http/queue-tokens';
import { commandMetadata, setLogPosition } from '../http/request-context';
import { QueueChallenge, QueueJoined, QueueStatus } from '../schemas/queue.schemas';

export interface QueueRouteDeps {
  queue: QueueService;
  /** The event's fixed waiting-room settings (fixedQueueSettings in queue-gate.ts). */
  settings: (eventId: string) => Promise<FixedQueueSettings | undefined>;
  tokens: AccessTokens;
  challenges: Challenges;
  /** The `queueStatus` limiter (2 per minute), counted per queue entry. */
  statusLimit: RequestHandler;
  /** The `queueChallenge` limiter, per client: challenges are anonymous and cheap, so bots fetch them in bulk. */
  challengeLimit: RequestHandler;
  /** Where a join's answer is kept for a retry with the same Idempotency-Key (without its queue token). */
  idempotencyStore: IdempotencyStore;
  /** How long a queue token lives (it only checks status and leaves; the wait can be long). */
  queueTokenSeconds: number;
  /**
   * The least `poll_interval_seconds` advised: the spacing the status limit allows for ever while rate limits are on
   * (QUEUE_STATUS_SPACING_SECONDS), 0 when they are off. Polling as advised is then never refused.
   */
  minPollSeconds: number;
}

/** What a queue token is issued for, besides its user: kept (never the token) to issue it again. */
interface QueueTokenSubject {
  eventId: string;
  entryId: string;
  deviceHash: string;
}

/** A challenge is good for one event's waiting room only. */
const challengeScope = (eventId: string) => `queue:${eventId}`;
/** Seconds a client told the queue is full should wait before trying again. */
const FULL_RETRY_AFTER_SECONDS = 60;

const invalidEvent = () =>
  new ApiError(400, 'INVALID_EVENT', 'event_id names no published event that is on sale');
const challengeFailed = (message: string) => new ApiError(400, 'CHALLENGE_FAILED', message);

/** `/v1/queue`: the waiting room of queue-protected events (seed: Queue APIs). */
export function queueRoutes(deps: QueueRouteDeps): ApiRouter {
  const { queue, tokens, challenges } = deps;

  const queueToken = (user: VerifiedAccess, subject: QueueTokenSubject) => {
    const claims = { sub: user.sub, email: user.email, role: user.role, kind: 'queue' as const, ...subject };
    return tokens.issue(claims, deps.queueTokenSeconds).token;
  };
  /** A queue token for `user`'s entry, for this answer; `res.locals` keeps what it was issued for (joinReplay). */
  const issueQueueToken = (res: Response, user: VerifiedAccess, subject: QueueTokenSubject) => {
    res.locals.queueTokenFor = subject;
    return queueToken(user, subject);
  };
  /**
   * A join answer (the 200, or the 409 ALREADY_IN_QUEUE of the caller's own entry) holds a queue token: the
   * idempotency table keeps the answer without it, and a replay issues a fresh one for the same entry.
   */
  const joinReplay: ReplayedCredentials = {
    stored: (body, res) => {
      const subject = res.locals.queueTokenFor as QueueTokenSubject | undefined;
      return subject ? { answer: withQueueToken(body, undefined), queueTokenFor: subject } : body;
    },
    replayed: (stored, req) => {
      const kept = stored as { answer?: unknown; queueTokenFor?: QueueTokenSubject };
      if (!kept.queueTokenFor) return stored;
      return withQueueToken(kept.answer, queueToken(currentUser(req), kept.queueTokenFor));
    },
  };

  const router = apiRouter({
    tag: 'queue',
    noStore: true,
    limiters: { queueStatus: deps.statusLimit, queueChallenge: deps.challengeLimit },
    idempotent: idempotent(deps.idempotencyStore, joinReplay),
  });
  const pollSeconds = (entry: QueueEntryView) => Math.max(entry.pollIntervalSeconds, deps.minPollSeconds);

  /** The event's waiting-room settings, or 400 when it has none. */
  const protectedEvent = async (eventId: string) => {
    const settings = await deps.settings(eventId);
    if (!settings) throw invalidEvent();
    if (!settings.enabled)
      throw new ApiError(400, 'QUEUE_NOT_ENABLED', 'This event has no waiting room: reserve directly');
    return settings;
  };

  op(
    router,
    {
      method: 'get',
      path: '/challenge',
      operationId: 'getQueueChallenge',
      summary: 'A proof-of-work challenge (ALTCHA) to solve before joining the waiting room of an event',
      description:
        'Solve it (find `number` with SHA-256(`salt` + `number`) = `challenge`, e.g. with the ALTCHA widget) and send ' +
        'base64 of `{"algorithm","challenge","number","salt","signature"}` as `altcha` to `POST /v1/queue/join` within ' +
        'a few minutes (QUEUE_CHALLENGE_SECONDS, default 300). Each solution joins once, and only at this event. When ' +
        "the event's `challenge_max_number` is 0 the challenge is off: this answers a trivial one and the join does not " +
        'need it.',
      query: QueueChallengeQueryDto,
      rateLimit: 'queueChallenge',
      invalid: '`event_id` missing, empty or too long, or unknown query parameters',
      responses: { 200: { description: 'The challenge', schema: QueueChallenge } },
      errors: {
        400: [
          'No such published event (`INVALID_EVENT`), the event has no waiting room (`QUEUE_NOT_ENABLED`), or it ' +
            'was cancelled or has started (`SALE_ENDED`)',
          ['INVALID_EVENT', 'QUEUE_NOT_ENABLED', 'SALE_ENDED'],
        ],
      },
    },
    async (_req, res, { query }) => {
      const settings = await protectedEvent(query.event_id);
      // Nobody can join once the sale is over: no work for a solution that would be refused.
      await queue.assertSaleNotOver(query.event_id).catch(joinError);
      // maxnumber 0 would mean altcha-lib's default (1e6): an event without a challenge gets a trivial one.
      const maxNumber = Math.max(1, settings.challengeMaxNumber);
      res.json(await challenges.create(challengeScope(query.event_id), maxNumber));
    },
  );

  op(
    router,
    {
      method: 'post',
      path: '/join',
      operationId: 'joinQueue',
      summary: "Join an event's waiting room",
      description:
        'Before the sale opens, joiners form a pre-queue (`PRE_QUEUE`, `queue_position` null): at the opening its order ' +
        'is drawn at random with a seed recorded in the log; later joiners line up behind, first come first served. ' +
        'The device fingerprint is `device_fingerprint`, else the `X-Device-ID` header. Poll `GET /v1/queue/status` ' +
        'with the `queue_token` every `poll_interval_seconds`. An answer lost on the way is not lost for good: ' +
        'retry with the same `Idempotency-Key` for the same answer (with a fresh `queue_token`), or without one for ' +
        "409 `ALREADY_IN_QUEUE`, which carries the caller's entry and a fresh `queue_token` in `details`.",
      auth: 'bearer',
      body: JoinQueueDto,
      headerParameters: ['DeviceId'],
      idempotent: true,
      contended: true,
      invalid:
        'Missing, malformed or unknown fields, or no device fingerprint (neither in the body nor as X-Device-ID)',
      responses: { 200: { description: 'In the waiting room', schema: QueueJoined } },
      errors: {
        400: [
          'No such published event (`INVALID_EVENT`), no waiting room (`QUEUE_NOT_ENABLED`), the sale is over ' +
            '(`SALE_ENDED`), or the challenge solution is missing, wrong, expired, for another event or already used ' +
            '(`CHALLENGE_FAILED`)',
          ['INVALID_EVENT', 'QUEUE_NOT_ENABLED', 'SALE_ENDED', 'CHALLENGE_FAILED'],
        ],
        403: ['`user_id` is not the caller', ['FORBIDDEN']],
        409: [
          'The caller is already waiting or has a turn at this event (`ALREADY_IN_QUEUE`: `details.entry_id` and ' +
            '`details.queue_token`, a fresh queue token for that entry — the bearer token proves it is the ' +
            "caller's, so a client whose join answer was lost gets its token back), or this device already has the " +
            'most live entries allowed (`DEVICE_LIMIT_REACHED`)',
          ['ALREADY_IN_QUEUE', 'DEVICE_LIMIT_REACHED'],
        ],
        503: ['The waiting room is full: retry after `Retry-After` seconds', ['QUEUE_FULL']],
      },
    },
    async (req, res, { body: dto }) => {
      const user = currentUser(req);
      if (dto.user_id !== undefined && dto.user_id !== user.sub)
        throw new ApiError(403, 'FORBIDDEN', 'user_id must be your own (or be left out)');
      const device = dto.device_fingerprint ?? req.get('x-device-id');
      if (!device)
        throw new ApiError(400, 'VALIDATION_ERROR', 'A device fingerprint is required', {
          fields: [
            {
              field: 'device_fingerprint',
              errors: ['device_fingerprint (or the X-Device-ID header) is required'],
            },
          ],
        });
      const settings = await protectedEvent(dto.event_id);
      const challengeId = await solvedChallenge(dto.event_id, dto.altcha, settings.challengeMaxNumber > 0);
      const { entry, position } = await queue
        .join(dto.event_id, user.sub, device, challengeId, commandMetadata(req))
        .catch((error: unknown) => alreadyInQueue(error, res, user, dto.event_id))
        .catch(joinError);
      const token = issueQueueToken(res, user, {
        eventId: dto.event_id,
        entryId: entry.entryId,
        deviceHash: deviceHash(device),
      });
      setLogPosition(res, position);
      res.json({
        queue_token: token,
        queue_position: entry.position,
        estimated_wait_minutes: entry.estimatedWaitMinutes,
        queue_size: entry.queueSize,
        status: entry.status,
        poll_interval_seconds: pollSeconds(entry),
        opens_at: entry.opensAt.toISOString(),
      });
    },
  );

  /**
   * ALREADY_IN_QUEUE for the caller's own live entry, with a fresh queue token for it: the member token proves the
   * entry is theirs, and without its token a client whose join answer was lost could neither poll, leave nor
   * reserve until the turn ran out. The token names the device the entry was made from, as the first one did.
   */
  const alreadyInQueue = async (
    error: unknown,
    res: Response,
    user: VerifiedAccess,
    eventId: string,
  ): Promise<never> => {
    if (!(error instanceof DomainError) || error.code !== 'ALREADY_IN_QUEUE') throw error;
    const entryId = error.details.entry_id;
    if (typeof entryId !== 'string') throw error;
    const entry = await queue.status(eventId, entryId);
    if (entry.userId !== user.sub || !LIVE.has(entry.status)) throw error;
    const token = issueQueueToken(res, user, {
      eventId,
      entryId,
      deviceHash: deviceHash(entry.deviceFingerprint),
    });
    throw new ApiError(409, 'ALREADY_IN_QUEUE', error.message, { entry_id: entryId, queue_token: token });
  };

  /** The challenge id to record; a solution is checked whenever one is sent, required only when the event asks. */
  const solvedChallenge = async (eventId: string, altcha: string | undefined, required: boolean) => {
    if (altcha === undefined) {
      if (required) throw challengeFailed('This waiting room needs a solved challenge (`altcha`)');
      return `unchallenged:${randomUUID()}`;
    }
    const verified = await challenges.verify(altcha, challengeScope(eventId));
    if (!verified)
      throw challengeFailed(
        'The challenge solution is wrong, expired, or for another event: get a new challenge',
      );
    return verified.challengeId;
  };

  /** The queue token of the status call (in the query string: the seed's shape), or 401. */
  const statusToken = (req: Request): QueueToken => {
    const raw = (req.query as Record<string, unknown>).queue_token;
    const verified = typeof raw === 'string' ? verifyQueueToken(tokens, raw, 'queue') : undefined;
    if (!verified) throw invalidQueueToken();
    return verified;
  };

  op(
    router,
    {
      method: 'get',
      path: '/status',
      operationId: 'getQueueStatus',
      summary: 'Where a waiting-room entry stands; when its turn has come, the access token to reserve with',
      description:
        'Rate limited per queue entry (2 per minute, the seed\'s "Queue Users: Status check"): poll every ' +
        '`poll_interval_seconds`. While the turn runs (`READY`, or `USED` until its end), each answer carries an ' +
        '`access_token` that expires at `expires_at`, the end of the turn; after it, `access_granted` is false. ' +
        'Once the event is cancelled or has started, an entry still waiting, or with a turn not used, is `CLOSED` ' +
        '(no position, no wait, no access): stop polling.',
      query: QueueStatusQueryDto,
      rateLimit: 'queueStatus',
      // Counted per entry (the token is checked first: a bad one is 401 without being counted).
      rateLimitKey: (req) =>
        typeof (req.query as Record<string, unknown>).queue_token === 'string'
          ? `queue-entry:${statusToken(req).entryId}`
          : undefined,
      invalid: '`queue_token` missing, empty or too long, or unknown query parameters',
      responses: { 200: { description: 'The entry', schema: QueueStatus } },
      errors: {
        401: ['The queue token is invalid, forged or expired', ['UNAUTHORIZED']],
      },
    },
    async (req, res) => {
      const token = statusToken(req);
      const entry = await queue.status(token.eventId, token.entryId).catch(entryGone);
      if (entry.userId !== token.sub) throw invalidQueueToken();
      res.json(statusBody(entry, token));
    },
  );

  const statusBody = (entry: QueueEntryView, token: QueueToken) => {
    const granted = (entry.status === 'READY' || entry.status === 'USED') && entry.accessExpiresAt;
    const body: Record<string, unknown> = {
      queue_position: entry.position,
      estimated_wait_minutes: entry.estimatedWaitMinutes,
      status: entry.status,
      access_granted: Boolean(granted),
      poll_interval_seconds: pollSeconds(entry),
      queue_size: entry.queueSize,
      opens_at: entry.opensAt.toISOString(),
    };
    if (granted) {
      // Issued again on every call: the same user, event, entry and end, so any of them is as good as another.
      const access = tokens.issueUntil(
        {
          sub: token.sub,
          email: token.email,
          role: token.role,
          kind: 'queue_access',
          eventId: entry.eventId,
          entryId: entry.entryId,
          deviceHash: token.deviceHash,
        },
        entry.accessExpiresAt!,
      );
      body.access_token = access.token;
      body.expires_at = access.expiresAt.toISOString();
    }
    return body;
  };

  op(
    router,
    {
      method: 'delete',
      path: '/leave',
      operationId: 'leaveQueue',
      summary: 'Leave the waiting room (the queue token is the bearer)',
      description: 'Those behind move up. Joining again later goes to the back of the line.',
      auth: 'bearer',
      accepts: ['queue'],
      responses: { 204: { description: 'Left' } },
    },
    async (req, res) => {
      const token = req.auth as QueueToken;
      await queue.leave(token.eventId, token.entryId, token.sub, commandMetadata(req)).catch(entryGone);
      res.status(204).end();
    },
  );

  return router;
}

/** The entries a user holds a place with: the ones ALREADY_IN_QUEUE refers to. */
const LIVE: ReadonlySet<string> = new Set(['PRE_QUEUE', 'QUEUED', 'READY', 'USED']);

/** `body` with its queue token (the 200's `queue_token`, or the 409's `details.queue_token`) set, or left out. */
function withQueueToken(body: unknown, token: string | undefined): unknown {
  const answer = { ...(body as Record<string, unknown>) };
  let holder = answer;
  const error = answer.error as Record<string, unknown> | undefined;
  if (error) {
    holder = { ...(error.details as Record<string, unknown> | undefined) };
    answer.error = { ...error, details: holder };
  }
  if (token === undefined) delete holder.queue_token;
  else holder.queue_token = token;
  return answer;
}

/** Join refusals with the statuses the seed gives them (400 for an event that cannot be joined). */
function joinError(error: unknown): never {
  if (error instanceof DomainError) {
    if (error.code === 'EVENT_NOT_FOUND') throw invalidEvent();
    if (error.code === 'SALE_ENDED') throw new ApiError(400, 'SALE_ENDED', error.message);
    if (error.code === 'QUEUE_FULL')
      throw new ApiError(503, 'QUEUE_FULL', error.message, error.details, {
        'Retry-After': String(FULL_RETRY_AFTER_SECONDS),
      });
  }
  throw error;
}

/** A valid token whose entry the queue does not know is as good as no token. */
function entryGone(error: unknown): never {
  if (error instanceof DomainError && error.code === 'QUEUE_ENTRY_NOT_FOUND') throw invalidQueueToken();
  throw error;
}
