import path from 'node:path';
import { ContainerModule } from 'inversify';
import type { Logger } from 'pino';
import { PartnerAbandonment } from '../application/partner/partner-abandonment';
import { PartnerPaymentService, type PartnerPayments } from '../application/partner/partner-payment-service';
import { PolledCommands } from '../application/partner/polled-commands';
import type { AppConfig } from '../infrastructure/config/config';
import { RsaCardKeyRing } from '../infrastructure/crypto/rsa-card-key-ring';
import { provide } from './bind';
import { IDS } from './identifiers';

/**
 * The partner API's payment side: the card key ring, encrypted card payment, and 202 polling of cart calls.
 *
 * The key ring lives in DATA_DIR whatever the storage profile (processes sharing a data directory share it); a
 * deployment of several hosts on MongoDB/EventStoreDB would need it in a shared store: it sits behind the
 * CardEncryption port for that reason.
 */
export function partnerPaymentModule(config: AppConfig, logger: Logger): ContainerModule {
  return new ContainerModule(({ bind }) => {
    provide(
      bind,
      IDS.cardEncryption,
      [IDS.clock],
      (clock) =>
        new RsaCardKeyRing({ dir: path.join(config.dataDir, 'card-keys'), secret: config.jwtSecret, clock }),
    );
    provide(
      bind,
      IDS.partnerPayments,
      [IDS.cardEncryption, IDS.paymentGateway, IDS.clock, IDS.cartService, IDS.partnerDirectory],
      (encryption, gateway, clock, carts, directory): PartnerPayments =>
        new PartnerPaymentService({
          encryption,
          gateway,
          clock,
          setCartPayment: (eventId, cartId, partnerId, payment, metadata) =>
            carts.setPayment(eventId, cartId, partnerId, payment, metadata),
          // Each partner client's `required_payment_fields` (P1's directory of clients).
          requiredFields: (partnerId) => directory.requiredPaymentFields(partnerId),
        }),
    );
    provide(
      bind,
      IDS.partnerAbandonment,
      [IDS.readStore, IDS.clock],
      (readStore, clock) => new PartnerAbandonment(readStore, clock),
    );
    provide(
      bind,
      IDS.polledCommands,
      [IDS.idempotencyStore, IDS.clock, IDS.ticketedEvents, IDS.partnerAbandonment],
      (store, clock, events, abandonment) =>
        new PolledCommands(
          {
            store,
            clock,
            queueDepth: (eventId) => events.pendingCommands(eventId),
            abandonment: (partnerId) => abandonment.score(partnerId),
            onError: (err) => logger.error({ err }, 'polled command failed'),
          },
          { queueDepthThreshold: config.partnerPollingQueueDepth },
        ),
    );
  });
}
