import {
  partnerDecider,
  type PartnerCommand,
  type PartnerContext,
  type PartnerEvent,
  type PartnerState,
} from '../../domain/partner/partner';
import type { Clock } from '../ports/clock';
import type { EventStore } from '../ports/event-store';
import { clockedProcessor, StreamCommandProcessor } from '../shared/stream-command-processor';

/** The one command path of `partner-{id}`: the client, its secret, site key, refresh tokens and spent captchas. */
export type PartnerProcessor = StreamCommandProcessor<
  PartnerCommand,
  PartnerEvent,
  PartnerState,
  PartnerContext
>;

export const partnerStream = (partnerId: string) => `partner-${partnerId}`;
export const PARTNER_STREAM_PREFIX = 'partner-';

/** Partner ids are UUIDs; anything else is refused before it reaches the store (no cache slots for made-up ids). */
export const PARTNER_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function createPartnerProcessor(store: EventStore, clock: Clock): PartnerProcessor {
  return clockedProcessor(store, clock, partnerStream, partnerDecider);
}
