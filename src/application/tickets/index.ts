export {
  barcodeCandidate,
  barcodeStream,
  claimBarcode,
  createBarcodeProcessor,
  type BarcodeProcessor,
} from './barcodes';
export { createTicketProcessor, type TicketProcessor } from './ticket-processor';
export {
  TicketFulfillment,
  TicketService,
  ticketIdFor,
  reissuedTicketIdFor,
  type IssuedTicket,
  type OrderToFulfil,
  type TicketDependencies,
  type TicketView,
} from './ticket-service';
