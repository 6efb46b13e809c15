import { catalogProjection } from './catalog.projection';
import { ordersProjection } from './orders.projection';
import { paymentAttemptsProjection } from './payment-attempts.projection';
import type { Projection } from './projection';
import { reservationsProjection } from './reservations.projection';
import { createSeatMapProjection } from './seat-map.projection';
import { ticketsProjection } from './tickets.projection';
import { auditCorrelationsProjection, auditSeatsProjection } from './audit.projection';
import { salesAnalyticsProjection } from './sales-analytics.projection';
import { partnerCartsProjection } from './partner-carts.projection';
import { partnerAbandonmentProjection } from './partner-abandonment.projection';
import { apiKeysProjection } from './api-keys.projection';

/** Every read model, in the order the runner applies them (venues before the events that use them). */
export function allProjections(): Projection[] {
  return [
    catalogProjection,
    createSeatMapProjection(),
    reservationsProjection,
    ordersProjection,
    paymentAttemptsProjection,
    ticketsProjection,
    // After orders and tickets: it reads their documents.
    salesAnalyticsProjection,
    partnerCartsProjection,
    partnerAbandonmentProjection,
    apiKeysProjection,
    auditCorrelationsProjection,
    auditSeatsProjection,
  ];
}
