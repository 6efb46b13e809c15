import type { Request } from 'express';
import type { Logger } from 'pino';
import type { AccessTokens } from '../../application/ports/access-tokens';
import type { QueueService, QueueSettingsView } from '../../application/queue/queue-service';
import type { CommandMetadata } from '../../application/shared/command-metadata';
import { ApiError, forbidden } from './api-error';
import { currentUser } from './auth';
import { deviceHash, verifyQueueToken, type QueueToken } from './queue-tokens';

/** What a reserve that passed the gate with a queue turn does once it succeeded. */
export interface QueuePass {
  /** Records that the turn was used; never fails the reserve (a failure is logged). */
  markUsed(metadata: CommandMetadata): Promise<void>;
}

/** Checks the waiting room before a reserve: undefined when the event needs no turn, else the turn used. */
export type QueueGate = (req: Request, eventId: string) => Promise<QueuePass | undefined>;

export const QUEUE_ACCESS_HEADER = 'x-queue-access-token';

const queueRequired = (message: string) => new ApiError(403, 'QUEUE_REQUIRED', message);

/** The waiting-room settings the HTTP layer decides on: fixed when the event is created. */
export type FixedQueueSettings = Pick<QueueSettingsView, 'enabled' | 'challengeMaxNumber'>;

/**
 * The event's fixed waiting-room settings (whether it has one, its challenge), read from the write side once per
 * published event and then remembered: nothing changes them after the event is created, and the reserve path of
 * every event asks, so it pays no stream read for it. Unknown and unpublished events are not remembered.
 */
export function fixedQueueSettings(
  queue: Pick<QueueService, 'settings'>,
): (eventId: string) => Promise<FixedQueueSettings | undefined> {
  const known = new Map<string, FixedQueueSettings>();
  return async (eventId) => {
    const remembered = known.get(eventId);
    if (remembered) return remembered;
    const settings = await queue.settings(eventId);
    if (!settings) return undefined;
    const fixed = { enabled: settings.enabled, challengeMaxNumber: settings.challengeMaxNumber };
    known.set(eventId, fixed);
    return fixed;
  };
}

/**
 * The reserve gate. For a queue-protected event (settings from the event's write side) the request must carry the
 * event's queue access token: as the bearer, or as X-Queue-Access-Token beside the same user's member token; the
 * entry must be the caller's, have its turn now (the service decides on the queue stream's state), and come from
 * the same device when X-Device-ID is sent. Otherwise 403 QUEUE_REQUIRED. A queue access token is never a member
 * token: on an event without a waiting room it is 403 FORBIDDEN.
 */
export function createQueueGate(deps: {
  queue: Pick<QueueService, 'hasAccess' | 'markAccessUsed'>;
  settings: (eventId: string) => Promise<FixedQueueSettings | undefined>;
  tokens: AccessTokens;
  logger: Logger;
}): QueueGate {
  const { queue, tokens, logger } = deps;
  return async (req, eventId) => {
    const caller = currentUser(req);
    const settings = await deps.settings(eventId);
    if (!settings?.enabled) {
      if (caller.kind === 'queue_access')
        throw forbidden('A queue access token only reserves at the event whose waiting room gave it');
      return undefined; // an unknown event is the reservation's 404
    }
    const turn = turnOf(req, tokens);
    if (turn.eventId !== eventId) throw queueRequired('The queue access token is for another event');
    const device = req.get('x-device-id');
    if (device !== undefined && turn.deviceHash !== undefined && deviceHash(device) !== turn.deviceHash)
      throw queueRequired('The queue access token was given to another device');
    if (!(await queue.hasAccess(eventId, turn.entryId, turn.sub)))
      throw queueRequired('This queue turn is not open: it has ended, or it is not yours');
    return {
      async markUsed(metadata) {
        try {
          await queue.markAccessUsed(eventId, turn.entryId, metadata);
        } catch (err) {
          // The hold is made; the turn stays READY and still ends at its time, so nothing is lost but the record.
          logger.warn({ err, eventId, entryId: turn.entryId }, 'could not record a used queue turn');
        }
      },
    };
  };
}

/** The queue access token of the request, which must belong to the caller. */
function turnOf(req: Request, tokens: AccessTokens): QueueToken {
  const caller = currentUser(req);
  const header = req.get(QUEUE_ACCESS_HEADER);
  if (caller.kind === 'queue_access') {
    // Verified by authenticate(), which gives waiting-room tokens their event and entry.
    const bearer = caller as QueueToken;
    if (header !== undefined && verifyQueueToken(tokens, header, 'queue_access')?.sub !== bearer.sub)
      throw queueRequired('The two queue access tokens sent belong to different users');
    return bearer;
  }
  if (header === undefined)
    throw queueRequired(
      'This event has a waiting room: reserve with the access token your turn gave you ' +
        '(as the bearer, or as X-Queue-Access-Token beside your own token)',
    );
  const turn = verifyQueueToken(tokens, header, 'queue_access');
  if (!turn) throw queueRequired('X-Queue-Access-Token is not a valid queue access token');
  if (turn.sub !== caller.sub) throw queueRequired('The queue access token belongs to someone else');
  return turn;
}
