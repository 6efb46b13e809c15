import type { QrRenderer } from '../ports/qr-renderer';
import type { TicketDoc } from '../read-models/documents';

/** A ticket as the API shows it (the seed's shape plus a few fields): fields of its document, and its code. */
export type TicketView = Pick<TicketDoc, ShownField> & {
  /** Base64 PNG of the QR code (its payload is the barcode); null once the ticket is no longer valid. */
  qr_code: string | null;
  download_url: string;
};
/** `transferable` is shown as of now (see below), the others as stored. */
type ShownField =
  | 'ticket_id'
  | 'order_id'
  | 'event_id'
  | 'event_name'
  | 'event_date'
  | 'venue'
  | 'section'
  | 'row'
  | 'seat'
  | 'barcode'
  | 'status'
  | 'transferable';

/** What every view of a ticket (its own, or inside its order) shows of its code: a QR only while it is valid. */
export async function ticketCode(
  ticket: { ticket_id: string; barcode: string; status: string },
  qr: Pick<QrRenderer, 'base64Png'>,
) {
  return {
    qr_code: ticket.status === 'ACTIVE' ? await qr.base64Png(ticket.barcode) : null,
    download_url: `/v1/tickets/${ticket.ticket_id}/download`,
  };
}

/** Transferable now: active, the event not started, no live transfer pending. */
function transferable(doc: TicketDoc, now: Date): boolean {
  if (doc.status !== 'ACTIVE' || now.getTime() >= Date.parse(doc.event_date)) return false;
  return !(doc.pending_transfer && Date.parse(doc.pending_transfer.expires_at) > now.getTime());
}

/** GET /v1/tickets/{id} and the ticket lists. */
export async function ticketView(
  doc: TicketDoc,
  qr: Pick<QrRenderer, 'base64Png'>,
  now: Date,
): Promise<TicketView> {
  const { qr_code, download_url } = await ticketCode(doc, qr);
  return {
    ticket_id: doc.ticket_id,
    order_id: doc.order_id,
    event_id: doc.event_id,
    event_name: doc.event_name,
    event_date: doc.event_date,
    venue: doc.venue,
    section: doc.section,
    row: doc.row,
    seat: doc.seat,
    qr_code,
    barcode: doc.barcode,
    status: doc.status,
    transferable: transferable(doc, now),
    download_url,
  };
}
