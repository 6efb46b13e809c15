import { DomainError, fail } from '../../domain/shared/errors';
import { originHost } from '../../domain/partner/partner';
import type { Challenges, ProofOfWorkChallenge } from '../ports/challenges';
import type { Clock } from '../ports/clock';
import { systemMetadata, type CommandMetadata } from '../shared/command-metadata';
import type { PartnerAccess } from './partner-directory';
import { PARTNER_ID, type PartnerProcessor } from './partner-processor';

/**
 * Partner captchas (the FAQ's Captcha answers): a partner gets its site key and a proof-of-work challenge (ALTCHA,
 * through the Challenges port: altcha-lib does the crypto), shows the widget to its user, and sends the solution
 * with the cart of an event that asks for one.
 *
 * Each challenge is signed over a scope that names the partner and its current site key, so rotating the site key
 * (an admin, after a leak) makes every challenge made under the old one fail: its scope no longer matches. A
 * solution is spent on the partner's stream (PartnerCaptchaSolved): reuse is refused there, by the decider, in
 * every process alike.
 *
 * Domains: a request with an `Origin` header comes from a browser page, whose host must be one of the partner's
 * captcha_domains (403 CAPTCHA_DOMAIN_NOT_ALLOWED otherwise, `Origin: null` included). A request without one comes
 * from the partner's server (browsers always send Origin on cross-site API calls); it is served, since the bearer
 * token already proves the partner: the domain list stops other sites from using a partner's captcha in their
 * pages, which is where the header is.
 */

export interface PartnerCaptchaChallenge {
  site_key: string;
  challenge: ProofOfWorkChallenge;
}

export interface PartnerCaptchaOptions {
  /** Proof-of-work difficulty (ALTCHA maxnumber). */
  maxNumber: number;
  /** How long a challenge may be solved and used (the Challenges adapter's lifetime). */
  challengeSeconds: number;
}

const scopeOf = (partnerId: string, siteKey: string) => `partner-captcha:${partnerId}:${siteKey}`;

export class PartnerCaptcha {
  constructor(
    private readonly deps: {
      partners: PartnerProcessor;
      challenges: Challenges;
      clock: Clock;
    },
    private readonly options: PartnerCaptchaOptions,
  ) {}

  /** The partner's site key and a fresh challenge; CAPTCHA_DOMAIN_NOT_ALLOWED for a page outside its domains. */
  async challengeFor(partner: PartnerAccess, origin: string | undefined): Promise<PartnerCaptchaChallenge> {
    if (origin !== undefined) {
      const host = originHost(origin);
      if (!host || !partner.captchaDomains.includes(host))
        fail('CAPTCHA_DOMAIN_NOT_ALLOWED', 'Captcha is not enabled for this domain: ask support to add it', {
          origin: origin.slice(0, 64),
        });
    }
    const challenge = await this.deps.challenges.create(
      scopeOf(partner.partnerId, partner.siteKey),
      this.options.maxNumber,
    );
    return { site_key: partner.siteKey, challenge };
  }

  /**
   * The check cart creation calls when the event requires a captcha: the solution must be for this partner's
   * current site key, solved, unexpired and not used before; it is spent by this call. Throws CAPTCHA_FAILED (400)
   * otherwise. Reads the partner's stream (not the directory): this gates a write.
   */
  readonly verify = async (
    partnerId: string,
    altcha: string | undefined,
    metadata: CommandMetadata = systemMetadata('partner-captcha', `captcha-${partnerId}`),
  ): Promise<void> => {
    if (altcha === undefined || altcha === '')
      fail(
        'CAPTCHA_FAILED',
        'This event requires a solved captcha: send `altcha` (GET /partners/v1/captcha)',
      );
    if (!PARTNER_ID.test(partnerId)) fail('CAPTCHA_FAILED', 'The captcha solution is not valid');
    const { state } = await this.deps.partners.readFresh(partnerId);
    if (!state.exists || state.status !== 'ACTIVE')
      fail('CAPTCHA_FAILED', 'The captcha solution is not valid');
    const verified = await this.deps.challenges.verify(altcha!, scopeOf(partnerId, state.siteKey));
    if (!verified)
      fail(
        'CAPTCHA_FAILED',
        'The captcha solution is not valid: wrong, expired, or made under a site key that was rotated since',
      );
    // The solution cannot outlive its challenge, which lives at most this long from now: remembered that long.
    const expiresAt = new Date(this.deps.clock.now().getTime() + this.options.challengeSeconds * 1000);
    try {
      await this.deps.partners.execute(
        partnerId,
        {
          type: 'UseCaptchaSolution',
          challengeId: verified!.challengeId,
          siteKey: state.siteKey,
          expiresAt: expiresAt.toISOString(),
        },
        metadata,
      );
    } catch (error) {
      // Revoked or rotated between the read and the spend: the solution is as good as wrong.
      if (error instanceof DomainError && error.code === 'INVALID_CLIENT')
        fail('CAPTCHA_FAILED', 'The captcha solution is not valid');
      throw error;
    }
  };
}

/** What P2's CartService takes (`captcha` dependency): the verifier. */
export type VerifyPartnerCaptcha = PartnerCaptcha['verify'];
