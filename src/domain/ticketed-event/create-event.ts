import { fail } from '../shared/errors';
import { venueCapacity } from '../venue/venue';
import type { CreateEvent, TicketedEventContext } from './decide';
import type { PricingTier, TicketedEventEvent } from './events';
import { checkShippingOptions } from './shipping';
import type { TicketedEventState } from './state';

/** CreateEvent: the event's schedule, prices and rules, checked against its venue, recorded once. */
export function createEvent(
  command: CreateEvent,
  state: TicketedEventState,
  { now }: TicketedEventContext,
): TicketedEventEvent[] {
  if (state.details)
    fail('EVENT_EXISTS', `Event ${command.eventId} already exists`, { event_id: command.eventId });
  const sectionsByName = new Map(
    command.venue.sections.map((s) => [s.name.trim().toLowerCase(), s.sectionId]),
  );
  const claimed = new Map<string, string>();
  const tiers: PricingTier[] = command.tiers.map((tier) => {
    const sectionIds = tier.sections.map((name) => {
      const id = sectionsByName.get(name.trim().toLowerCase());
      if (!id)
        fail(
          'VALIDATION_ERROR',
          `Tier "${tier.name}" names section "${name}", which the venue does not have`,
          { field: 'pricing_tiers' },
        );
      if (claimed.has(id))
        fail('VALIDATION_ERROR', `Section "${name}" is priced by two tiers`, { field: 'pricing_tiers' });
      claimed.set(id, tier.tierId);
      return id;
    });
    return {
      tierId: tier.tierId,
      name: tier.name,
      priceCents: tier.priceCents,
      feesCents: tier.feesCents,
      sectionIds,
    };
  });
  const tierIds = new Set(command.tiers.map((t) => t.tierId));
  if (tierIds.size !== command.tiers.length)
    fail('VALIDATION_ERROR', 'Pricing tier ids must be unique', { field: 'pricing_tiers' });
  // Fans pick a tier by its name: two of the same name could not be told apart.
  const tierNames = new Set(command.tiers.map((t) => t.name.trim().toLowerCase()));
  if (tierNames.size !== command.tiers.length)
    fail('VALIDATION_ERROR', 'Pricing tier names must be unique', { field: 'pricing_tiers' });
  const dates = {
    date: command.date,
    doors_open: command.doorsOpen,
    presale_start: command.presaleStart,
    general_sale_start: command.generalSaleStart,
  };
  for (const [field, value] of Object.entries(dates)) {
    if (value !== null && Number.isNaN(Date.parse(value)))
      fail('VALIDATION_ERROR', `${field} is not a valid date`, { field });
  }
  const date = Date.parse(command.date);
  // An event that has already started could never be sold (the sale closes when it starts).
  if (date <= now.getTime())
    fail('VALIDATION_ERROR', 'The event must start in the future', { field: 'date' });
  // A presale-only event (a fan-club sale) has no general sale; an event with neither could never be sold.
  if (command.generalSaleStart === null && command.presaleStart === null)
    fail(
      'VALIDATION_ERROR',
      'The event needs general_sale_start (or presale_start, for a presale-only event)',
      { field: 'general_sale_start' },
    );
  if (command.generalSaleStart !== null && Date.parse(command.generalSaleStart) >= date) {
    fail('VALIDATION_ERROR', 'The general sale must open before the event starts', {
      field: 'general_sale_start',
    });
  }
  if (command.presaleStart && command.generalSaleStart === null && Date.parse(command.presaleStart) >= date)
    fail('VALIDATION_ERROR', 'The presale must open before the event starts', { field: 'presale_start' });
  // With the presale no later than the general sale, the whole sale opens before the event starts.
  if (
    command.presaleStart &&
    command.generalSaleStart !== null &&
    Date.parse(command.presaleStart) > Date.parse(command.generalSaleStart)
  ) {
    fail('VALIDATION_ERROR', 'presale_start must not be after general_sale_start', {
      field: 'presale_start',
    });
  }
  if (command.doorsOpen && Date.parse(command.doorsOpen) > date) {
    fail('VALIDATION_ERROR', 'doors_open must not be after the event starts', { field: 'doors_open' });
  }
  const { venue } = command;
  return [
    {
      type: 'EventCreated',
      data: {
        eventId: command.eventId,
        name: command.name,
        artist: command.artist,
        description: command.description,
        category: command.category,
        venueId: venue.venueId,
        venueName: venue.name,
        city: venue.city,
        state: venue.state,
        country: venue.country,
        date: command.date,
        doorsOpen: command.doorsOpen,
        presaleStart: command.presaleStart,
        generalSaleStart: command.generalSaleStart,
        tiers,
        maxTicketsPerOrder: command.maxTicketsPerOrder,
        restrictSingleSeat: command.restrictSingleSeat,
        queue: command.queue,
        capacity: venueCapacity(venue),
        createdAt: now.toISOString(),
        internetEnabled: command.internetEnabled ?? true,
        emitsBarcodes: command.emitsBarcodes ?? true,
        captchaRequired: command.captchaRequired ?? false,
        // Recorded only when the event chose its own: absent means the default (shippingOptionsOf).
        ...(command.shippingOptions
          ? { shippingOptions: checkShippingOptions(command.shippingOptions) }
          : {}),
      },
    },
  ];
}
