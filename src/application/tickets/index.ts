import type { EmailClaimed } from '../../domain/customer/customer';
import { emailKey, emailStream } from '../auth/account-service';
import type { EventStore } from '../ports/event-store';

export { claimBarcode, barcodeCandidate, barcodeStream } from './barcodes';
export {
  TicketService,
  ticketIdFor,
  reissuedTicketIdFor,
  type IssuedTicket,
  type OrderToFulfil,
  type TicketView,
} from './ticket-service';

/** Looks an account up by email through its claim stream `email-{sha256(email)}` (no read model needed). */
export function userIdByEmailFrom(store: EventStore): (email: string) => Promise<string | undefined> {
  return async (email) => {
    const [first] = await store.readStream(emailStream(emailKey(email)), { maxCount: 1 });
    return first?.type === 'EmailClaimed' ? (first.data as EmailClaimed['data']).userId : undefined;
  };
}
