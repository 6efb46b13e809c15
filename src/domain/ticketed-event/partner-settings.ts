import type { EventDetails } from './events';

/**
 * Sale dates and the flags that say how an event is sold through partners (the Partner API FAQ: events must be
 * "internet enabled" to be listed, the "onsale" key exists only when the event's sale is set up, and "the event may
 * not be set up correctly to emit barcodes"). Events recorded before these existed read with the defaults here.
 */

export interface PartnerFlags {
  /** Sold online, through partners: listed by GET /partners/v1/events. Default true. */
  internetEnabled: boolean;
  /** Its tickets carry a barcode_id for partners. Default true. */
  emitsBarcodes: boolean;
  /** Partner carts need a solved captcha. Default false. */
  captchaRequired: boolean;
}

type Flagged = Pick<EventDetails, 'internetEnabled' | 'emitsBarcodes' | 'captchaRequired'>;

export function partnerFlagsOf(details: Flagged): PartnerFlags {
  return {
    internetEnabled: details.internetEnabled ?? true,
    emitsBarcodes: details.emitsBarcodes ?? true,
    captchaRequired: details.captchaRequired ?? false,
  };
}

/**
 * When seats can first be held: the presale if there is one, else the general (public) sale. Every event has one
 * of the two (create-event.ts refuses an event with neither); the event's date is only the type's fallback, and
 * would mean "never before the event", as the sale closes when it starts.
 */
export function saleOpensAt(
  details: Pick<EventDetails, 'presaleStart' | 'generalSaleStart' | 'date'>,
): string {
  return details.presaleStart ?? details.generalSaleStart ?? details.date;
}
