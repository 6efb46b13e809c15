import crypto from 'node:crypto';
import {
  customerDecider,
  type CustomerCommand,
  type CustomerContext,
  type CustomerEvent,
  type CustomerState,
} from '../../domain/customer/customer';
import {
  emailDecider,
  normalizeEmail,
  type EmailCommand,
  type EmailEvent,
  type EmailState,
} from '../../domain/customer/email';
import type { Clock } from '../ports/clock';
import type { EventStore } from '../ports/event-store';
import { clockedProcessor, StreamCommandProcessor } from '../shared/stream-command-processor';

/** The one command path of `customer-{userId}`: the account, its refresh tokens and its payment methods. */
export type CustomerProcessor = StreamCommandProcessor<
  CustomerCommand,
  CustomerEvent,
  CustomerState,
  CustomerContext
>;
/** The one command path of `email-{key}`: the claim that makes an email belong to one account. */
export type EmailProcessor = StreamCommandProcessor<EmailCommand, EmailEvent, EmailState, void>;

export const customerStream = (userId: string) => `customer-${userId}`;
/** The id of an email's uniqueness stream: sha256 hex of the normalised address (no address in stream names). */
export const emailKey = (email: string) =>
  crypto.createHash('sha256').update(normalizeEmail(email)).digest('hex');
export const emailStream = (key: string) => `email-${key}`;

export function createCustomerProcessor(store: EventStore, clock: Clock): CustomerProcessor {
  return clockedProcessor(store, clock, customerStream, customerDecider);
}

export function createEmailProcessor(store: EventStore): EmailProcessor {
  return new StreamCommandProcessor(store, {
    streamName: emailStream,
    decider: emailDecider,
    context: () => undefined,
  });
}

/** The account an email is claimed by, read from its claim stream (no read model: usable the moment it is written). */
export function userIdByEmail(emails: EmailProcessor): (email: string) => Promise<string | undefined> {
  return async (email) => {
    const { state } = await emails.readFresh(emailKey(email));
    return state.claimed ? state.userId : undefined;
  };
}
