import { array, bool, component, dateTime, objectComponent, str } from '../contract/schema';

const TicketStatus = component(
  'TicketStatus',
  str('Ticket status', { enum: ['ACTIVE', 'VOID', 'TRANSFERRED'] }),
);

export const Ticket = objectComponent('Ticket', {
  ticket_id: str('Ticket id'),
  order_id: str('The order that bought it'),
  event_id: str('Event id'),
  event_name: str('Event name'),
  event_date: dateTime('Event start'),
  venue: str('Venue name'),
  section: str('Section name'),
  row: str('Row label'),
  seat: str('Seat number in the row'),
  qr_code: str('Base64 PNG of the QR code (its payload is the barcode); null unless `ACTIVE`', {
    format: 'byte',
    nullable: true,
  }),
  barcode: str('12-digit barcode', { pattern: '^[1-9]\\d{11}$', example: '123456789012' }),
  status: TicketStatus,
  transferable: bool('`ACTIVE`, the event not started and no transfer pending'),
  download_url: str('Path of the PNG download: `/v1/tickets/{ticket_id}/download`'),
});

export const TicketList = objectComponent('TicketList', { tickets: array(Ticket) });

export const Transfer = objectComponent('Transfer', {
  transfer_id: str('Transfer id'),
  status: str('Always `PENDING` when requested', { enum: ['PENDING'] }),
  recipient_email: str('Recipient email (normalised to NFC and lower case)', { format: 'idn-email' }),
  expires_at: dateTime('When the offer lapses (7 days, or the event start if sooner)'),
});

export const TransferAcceptance = objectComponent('TransferAcceptance', {
  transfer_id: str('Transfer id'),
  status: str('Always `ACCEPTED`', { enum: ['ACCEPTED'] }),
  ticket_id: str("The recipient's new ticket"),
});
