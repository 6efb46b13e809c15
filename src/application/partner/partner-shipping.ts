import { fail } from '../../domain/shared/errors';
import { shippingOptionsOf, type ShippingOption } from '../../domain/ticketed-event/shipping';
import type { TicketedEventProcessor } from '../ticketed-event/ticketed-event-processor';

/** The shipping options of an event, from its stream (the one record of the event's settings). */
export function eventShippingOptions(
  events: Pick<TicketedEventProcessor, 'read'>,
): (eventId: string) => Promise<readonly ShippingOption[]> {
  return async (eventId) => {
    const { state } = await events.read(eventId);
    if (!state.details) fail('EVENT_NOT_FOUND', 'Event not found');
    return shippingOptionsOf(state.details);
  };
}
