import { fail } from '../shared/errors';
import type { Cents } from '../shared/money';

/** One way an event's tickets can reach the buyer, as the partner API offers it (`shipping_id`, name, price). */
export interface ShippingOption {
  shippingId: string;
  name: string;
  priceCents: Cents;
}

/** What every event offers unless it says otherwise: a free mobile ticket. */
export const DEFAULT_SHIPPING_OPTIONS: readonly ShippingOption[] = Object.freeze([
  Object.freeze({ shippingId: 'ETICKET', name: 'Mobile ticket', priceCents: 0 }),
]);

export const SHIPPING_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
export const MAX_SHIPPING_OPTIONS = 20;

/**
 * The shipping options of an event. Events recorded before shipping options existed carry none: they offer the
 * default, so old logs replay unchanged (the field is optional rather than a new schema version).
 */
export function shippingOptionsOf(details: {
  shippingOptions?: readonly ShippingOption[];
}): readonly ShippingOption[] {
  return details.shippingOptions && details.shippingOptions.length > 0
    ? details.shippingOptions
    : DEFAULT_SHIPPING_OPTIONS;
}

/** The option with this id, or a VALIDATION_ERROR naming the ids the event offers (HTTP 400). */
export function shippingOptionById(
  details: { shippingOptions?: readonly ShippingOption[] },
  shippingId: string,
): ShippingOption {
  const options = shippingOptionsOf(details);
  const option = options.find((o) => o.shippingId === shippingId);
  if (!option)
    fail('UNKNOWN_SHIPPING_OPTION', 'This event offers no shipping option with that shipping_id', {
      field: 'shipping_id',
      shipping_ids: options.map((o) => o.shippingId),
    });
  return option;
}

/** The rules for an event's own list (checked when the event is created): ids well formed and unique. */
export function checkShippingOptions(options: readonly ShippingOption[]): ShippingOption[] {
  if (options.length === 0 || options.length > MAX_SHIPPING_OPTIONS)
    fail('VALIDATION_ERROR', `An event offers 1 to ${MAX_SHIPPING_OPTIONS} shipping options`, {
      field: 'shipping_options',
    });
  const seen = new Set<string>();
  for (const option of options) {
    if (!SHIPPING_ID_PATTERN.test(option.shippingId))
      fail('VALIDATION_ERROR', 'shipping_id must be 1-32 letters, digits, _ or -', {
        field: 'shipping_options',
      });
    if (seen.has(option.shippingId))
      fail('VALIDATION_ERROR', 'Shipping option ids must be unique', { field: 'shipping_options' });
    if (!Number.isSafeInteger(option.priceCents) || option.priceCents < 0)
      fail('VALIDATION_ERROR', 'A shipping price is a non-negative amount', { field: 'shipping_options' });
    seen.add(option.shippingId);
  }
  return options.map(({ shippingId, name, priceCents }) => ({ shippingId, name, priceCents }));
}
