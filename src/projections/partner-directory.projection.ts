import type { PartnerDirectory } from '../application/partner/partner-directory';
import { PARTNER_EVENT_TYPES } from '../domain/partner/events';
import type { Projection } from './projection';

/** Feeds this process's in-memory partner client lookup from the log (not a read model: nothing is stored). */
export function partnerDirectoryProjection(directory: PartnerDirectory): Projection {
  const apply = async (event: Parameters<PartnerDirectory['apply']>[0]) => directory.apply(event);
  return {
    name: 'partner-directory',
    handlers: Object.fromEntries(PARTNER_EVENT_TYPES.map((type) => [type, apply])),
  };
}
