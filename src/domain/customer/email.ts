import type { Decider, DomainEvent } from '../shared/decider';
import { fail } from '../shared/errors';

/**
 * `email-{sha256(lower-cased email) hex}`: a one-event stream that claims an email for one account. It is
 * written with expected revision 'no_stream', so two registrations of one email cannot both win.
 */

export interface ClaimEmail {
  type: 'ClaimEmail';
  email: string;
  userId: string;
}
export type EmailCommand = ClaimEmail;

export type EmailClaimed = DomainEvent<'EmailClaimed', { email: string; userId: string }>;
export type EmailEvent = EmailClaimed;

export type EmailState = { claimed: false } | { claimed: true; email: string; userId: string };

export const emailDecider: Decider<EmailCommand, EmailEvent, EmailState, void> = {
  initialState: () => ({ claimed: false }),

  decide(command, state) {
    if (state.claimed) fail('EMAIL_TAKEN', 'An account with this email already exists');
    return [{ type: 'EmailClaimed', data: { email: normalizeEmail(command.email), userId: command.userId } }];
  },

  evolve(state, event) {
    switch (event.type) {
      case 'EmailClaimed':
        return state.claimed ? state : { claimed: true, email: event.data.email, userId: event.data.userId };
    }
  },
};

/**
 * Emails are compared trimmed, in Unicode NFC (`josé` typed precomposed or as `e` + combining accent is one
 * address) and lower-cased (the whole address, as most providers do).
 */
export function normalizeEmail(email: string): string {
  return email.trim().normalize('NFC').toLowerCase();
}
