import type { PartnerClient, PartnerEvent, PartnerState } from '../../domain/partner/partner';
import type { RecordedEvent } from '../ports/event-store';
import { PARTNER_ID, PARTNER_STREAM_PREFIX, type PartnerProcessor } from './partner-processor';

/** What a request needs to know about its partner client: a frozen copy, safe to hand out. */
export type PartnerAccess = Readonly<PartnerClient> & { readonly revision: number };

/**
 * Every partner client this process knows, by id: the per-request checks (is the client still active? which
 * domains may ask for a captcha? what quota?) cost one map lookup.
 *
 * Fed from the log by the projection runner (every process runs its own), so a revocation or a rotated site key
 * reaches every process within its projection lag, and at once in the process that recorded it (the service
 * refreshes the entry after its command). A client the map does not know yet (registered in another process a
 * moment ago, or before the checkpoint a durable read store resumes from) is read from its stream once. Entries
 * carry the stream revision they reflect, so the feed and a stream read can arrive in any order: older news never
 * overwrites newer.
 */
export class PartnerDirectory {
  private readonly byId = new Map<string, PartnerAccess>();

  constructor(private readonly partners: PartnerProcessor) {}

  /** The client, or undefined when there is no such client (revoked clients are returned: check `status`). */
  async find(partnerId: string): Promise<PartnerAccess | undefined> {
    const known = this.byId.get(partnerId);
    if (known) return known;
    if (!PARTNER_ID.test(partnerId)) return undefined;
    const { state, revision } = await this.partners.readFresh(partnerId);
    return this.remember(state, revision);
  }

  /**
   * The client as its stream says now (admins; and after a command of this process, so the entry is current here
   * at once). Costs one short read when the processor has the stream cached.
   */
  async refresh(partnerId: string): Promise<PartnerAccess | undefined> {
    if (!PARTNER_ID.test(partnerId)) return undefined;
    const { state, revision } = await this.partners.readFresh(partnerId);
    return this.remember(state, revision);
  }

  /** The `required_payment_fields` of a client (P3's payment service), or undefined for an unknown client. */
  async requiredPaymentFields(partnerId: string): Promise<readonly string[] | undefined> {
    return (await this.find(partnerId))?.requiredPaymentFields;
  }

  /** One event of the log (the projection runner calls this for every event; others are ignored at once). */
  apply(event: RecordedEvent): void {
    if (!event.streamName.startsWith(PARTNER_STREAM_PREFIX)) return;
    const partnerEvent = { type: event.type, data: event.data } as PartnerEvent;
    const partnerId = event.streamName.slice(PARTNER_STREAM_PREFIX.length);
    const known = this.byId.get(partnerId);
    if (known && event.revision <= known.revision) return;
    const next = nextAccess(known, partnerEvent, event.revision);
    if (next) this.byId.set(partnerId, next);
  }

  private remember(state: PartnerState, revision: number): PartnerAccess | undefined {
    if (!state.exists) return undefined;
    const known = this.byId.get(state.partnerId);
    if (known && known.revision >= revision) return known;
    const access = freeze({
      partnerId: state.partnerId,
      name: state.name,
      redirectUris: state.redirectUris,
      logoUrls: state.logoUrls,
      captchaDomains: state.captchaDomains,
      requiredPaymentFields: state.requiredPaymentFields,
      quotaPerHour: state.quotaPerHour,
      siteKey: state.siteKey,
      status: state.status,
      registeredAt: state.registeredAt,
      secretRotatedAt: state.secretRotatedAt,
      siteKeyRotatedAt: state.siteKeyRotatedAt,
      revokedAt: state.revokedAt,
      revision,
    });
    this.byId.set(state.partnerId, access);
    return access;
  }
}

/**
 * The entry after one event. An event about a client the map has not seen registered is skipped: the client is
 * read from its stream when it is first asked for. Token and captcha events change nothing the entry shows.
 */
function nextAccess(
  known: PartnerAccess | undefined,
  event: PartnerEvent,
  revision: number,
): PartnerAccess | undefined {
  if (event.type === 'PartnerRegistered') {
    const { secretHash: _secretHash, ...client } = event.data;
    return freeze({
      ...client,
      status: 'ACTIVE',
      secretRotatedAt: null,
      siteKeyRotatedAt: null,
      revokedAt: null,
      revision,
    });
  }
  if (!known) return undefined;
  switch (event.type) {
    case 'PartnerSecretRotated':
      return freeze({ ...known, secretRotatedAt: event.data.rotatedAt, revision });
    case 'PartnerSiteKeyRotated':
      return freeze({
        ...known,
        siteKey: event.data.siteKey,
        siteKeyRotatedAt: event.data.rotatedAt,
        revision,
      });
    case 'PartnerRevoked':
      return freeze({ ...known, status: 'REVOKED', revokedAt: event.data.revokedAt, revision });
    default:
      return known;
  }
}

function freeze(access: PartnerAccess): PartnerAccess {
  return Object.freeze({
    ...access,
    redirectUris: Object.freeze([...access.redirectUris]) as string[],
    logoUrls: Object.freeze([...access.logoUrls]) as string[],
    captchaDomains: Object.freeze([...access.captchaDomains]) as string[],
    requiredPaymentFields: Object.freeze([
      ...access.requiredPaymentFields,
    ]) as PartnerAccess['requiredPaymentFields'],
  });
}
