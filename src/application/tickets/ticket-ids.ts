import { v5 as uuidv5 } from 'uuid';
import { derivedId } from '../shared/derived-ids';

/** Namespace of ticket ids: a seat of an order always becomes the same ticket id. Never change it. */
export const TICKET_ID_NAMESPACE = '5f0c3e9a-8d21-4b6e-9a47-1c2d3e4f5a6b';
/** Namespace of reissued tickets' ids (uuid v5 of the transfer id). Never change it. */
export const REISSUED_TICKET_ID_NAMESPACE = 'c81f6a02-3b7d-4e59-8f14-6a9b0d2e7c35';

/**
 * The ticket id of one seat of one order (deterministic, so fulfillment retries issue nothing twice): time-ordered
 * like its order's id, or the v5 id of old for an order placed before those (see derivedId).
 */
export const ticketIdFor = (orderId: string, seatId: string) =>
  derivedId(orderId, `${orderId}:${seatId}`, TICKET_ID_NAMESPACE);
/** The id of the ticket a transfer creates for its recipient. */
export const reissuedTicketIdFor = (transferId: string) => uuidv5(transferId, REISSUED_TICKET_ID_NAMESPACE);
