import { ContainerModule } from 'inversify';
import { PartnerCaptcha } from '../application/partner/partner-captcha';
import { PartnerDirectory } from '../application/partner/partner-directory';
import { PartnerEventQueries } from '../application/partner/partner-events';
import { createPartnerProcessor } from '../application/partner/partner-processor';
import { PartnerService } from '../application/partner/partner-service';
import type { AppConfig } from '../infrastructure/config/config';
import { provide } from './bind';
import { IDS } from './identifiers';

/** Partner captcha difficulty (ALTCHA maxnumber): a fraction of a second in a browser. */
const PARTNER_CAPTCHA_MAX_NUMBER = 50_000;

/**
 * Partner clients of the Partner API: the `partner-{id}` command path, this process's lookup of clients (fed by
 * the projection runner: application.module adds its projection), OAuth grants, captcha and the partner's view of
 * events.
 */
export function partnerClientsModule(config: AppConfig): ContainerModule {
  return new ContainerModule(({ bind }) => {
    provide(bind, IDS.partnerClients, [IDS.eventStore, IDS.clock], createPartnerProcessor);
    provide(bind, IDS.partnerDirectory, [IDS.partnerClients], (partners) => new PartnerDirectory(partners));
    provide(
      bind,
      IDS.partnerService,
      [IDS.partnerClients, IDS.partnerDirectory, IDS.accessTokens, IDS.ids, IDS.clock],
      (partners, directory, tokens, ids, clock) =>
        new PartnerService({ partners, directory, tokens, ids, clock }),
    );
    provide(
      bind,
      IDS.partnerCaptcha,
      [IDS.partnerClients, IDS.challenges, IDS.clock],
      (partners, challenges, clock) =>
        new PartnerCaptcha(
          { partners, challenges, clock },
          { maxNumber: PARTNER_CAPTCHA_MAX_NUMBER, challengeSeconds: config.queueChallengeSeconds },
        ),
    );
    provide(
      bind,
      IDS.partnerEvents,
      [IDS.readStore, IDS.catalogQueries, IDS.clock],
      (readStore, catalog, clock) => new PartnerEventQueries(readStore, catalog, clock),
    );
  });
}
