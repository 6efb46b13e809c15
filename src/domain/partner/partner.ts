import type { Decider } from '../shared/decider';
import { fail } from '../shared/errors';
import {
  constantTimeEquals,
  evolveRefreshTokens,
  invalidRefreshToken,
  issueRefreshToken,
  rotateRefreshToken,
} from '../shared/refresh-tokens';
import { checkClientUrl, checkHostName, checkList } from './allow-lists';
import {
  DEFAULT_QUOTA_PER_HOUR,
  DEFAULT_REQUIRED_PAYMENT_FIELDS,
  MAX_QUOTA_PER_HOUR,
  PAYMENT_FIELDS,
  type PartnerCommand,
  type PartnerContext,
  type PartnerEvent,
  type PartnerState,
  type PaymentField,
  type RegisterPartner,
} from './events';

export * from './events';
export * from './allow-lists';

type Registered = Extract<PartnerState, { exists: true }>;

/** The client_credentials grant refuses an unknown client, a wrong secret and a revoked client alike (RFC 6749 5.2). */
const invalidClient = (): never =>
  fail('INVALID_CLIENT', 'The client id or secret is wrong, or the client was revoked');

function registered(state: PartnerState): Registered {
  if (!state.exists) fail('PARTNER_NOT_FOUND', 'Partner client not found');
  return state as Registered;
}

function active(state: PartnerState): Registered {
  const partner = registered(state);
  if (partner.status === 'REVOKED')
    fail('PARTNER_REVOKED', 'The partner client was revoked', { partner_id: partner.partnerId });
  return partner;
}

export const partnerDecider: Decider<PartnerCommand, PartnerEvent, PartnerState, PartnerContext> = {
  initialState: () => ({ exists: false }),

  decide(command, state, { now }) {
    switch (command.type) {
      case 'RegisterPartner': {
        if (state.exists)
          fail('PARTNER_EXISTS', `Partner ${command.partnerId} already exists`, {
            partner_id: command.partnerId,
          });
        return [register(command, now)];
      }
      case 'RotatePartnerSecret': {
        const partner = active(state);
        return [
          {
            type: 'PartnerSecretRotated',
            data: {
              partnerId: partner.partnerId,
              secretHash: command.secretHash,
              rotatedAt: now.toISOString(),
            },
          },
        ];
      }
      case 'RotatePartnerSiteKey': {
        const partner = active(state);
        if (command.siteKey === partner.siteKey)
          fail('VALIDATION_ERROR', 'The new site key must differ from the current one');
        return [
          {
            type: 'PartnerSiteKeyRotated',
            data: {
              partnerId: partner.partnerId,
              siteKey: command.siteKey,
              previousSiteKey: partner.siteKey,
              rotatedAt: now.toISOString(),
            },
          },
        ];
      }
      case 'RevokePartner': {
        const partner = registered(state);
        if (partner.status === 'REVOKED') return []; // revoking twice changes nothing
        return [
          { type: 'PartnerRevoked', data: { partnerId: partner.partnerId, revokedAt: now.toISOString() } },
        ];
      }
      case 'UseCaptchaSolution': {
        const refuse = (why: string): never => fail('CAPTCHA_FAILED', `The captcha solution ${why}`);
        if (!state.exists || state.status === 'REVOKED') return invalidClient();
        if (command.siteKey !== state.siteKey) refuse('was made for a site key that was rotated since');
        if (Date.parse(command.expiresAt) <= now.getTime()) refuse('has expired');
        if (state.usedCaptchas.has(command.challengeId)) refuse('was already used');
        return [
          {
            type: 'PartnerCaptchaSolved',
            data: {
              partnerId: state.partnerId,
              challengeId: command.challengeId,
              siteKey: command.siteKey,
              expiresAt: command.expiresAt,
              solvedAt: now.toISOString(),
            },
          },
        ];
      }
      case 'AuthenticateClient': {
        if (!state.exists || state.status === 'REVOKED') return invalidClient();
        if (!constantTimeEquals(state.secretHash, command.presentedSecretHash)) return invalidClient();
        return issueRefreshToken(state.refreshTokens, { ...command, type: 'IssueRefreshToken' }, now);
      }
      case 'RotateRefreshToken': {
        if (!state.exists || state.status === 'REVOKED') return invalidRefreshToken();
        return rotateRefreshToken(state.refreshTokens, command, now);
      }
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'PartnerRegistered': {
        const { secretHash, ...client } = event.data;
        return {
          exists: true,
          ...client,
          secretHash,
          status: 'ACTIVE',
          secretRotatedAt: null,
          siteKeyRotatedAt: null,
          revokedAt: null,
          refreshTokens: new Map(),
          usedCaptchas: new Map(),
        };
      }
      case 'PartnerSecretRotated': {
        if (!state.exists) return state;
        state.secretHash = event.data.secretHash;
        state.secretRotatedAt = event.data.rotatedAt;
        // Refresh tokens were obtained with the old secret: a leaked secret must not live on through them.
        state.refreshTokens.clear();
        return state;
      }
      case 'PartnerSiteKeyRotated': {
        if (!state.exists) return state;
        state.siteKey = event.data.siteKey;
        state.siteKeyRotatedAt = event.data.rotatedAt;
        return state;
      }
      case 'PartnerRevoked': {
        if (!state.exists) return state;
        state.status = 'REVOKED';
        state.revokedAt = event.data.revokedAt;
        state.refreshTokens.clear();
        return state;
      }
      case 'PartnerCaptchaSolved': {
        if (!state.exists) return state;
        // An expired solution is refused for its expiry: remembering it any longer would only grow the state.
        const now = Date.parse(event.data.solvedAt);
        for (const [id, expiresAt] of state.usedCaptchas) if (expiresAt <= now) state.usedCaptchas.delete(id);
        state.usedCaptchas.set(event.data.challengeId, Date.parse(event.data.expiresAt));
        return state;
      }
      case 'RefreshTokenIssued':
      case 'RefreshTokenRotated':
      case 'RefreshTokenFamilyRevoked': {
        if (!state.exists) return state;
        evolveRefreshTokens(state.refreshTokens, event);
        return state;
      }
    }
  },
};

function register(command: RegisterPartner, now: Date): PartnerEvent {
  const name = command.name.trim();
  if (name.length === 0)
    fail('VALIDATION_ERROR', 'name must not be blank', { fields: [{ field: 'name', errors: ['blank'] }] });
  const quotaPerHour = command.quotaPerHour ?? DEFAULT_QUOTA_PER_HOUR;
  if (!Number.isInteger(quotaPerHour) || quotaPerHour < 1 || quotaPerHour > MAX_QUOTA_PER_HOUR)
    fail('VALIDATION_ERROR', `quota_per_hour must be an integer from 1 to ${MAX_QUOTA_PER_HOUR}`, {
      fields: [{ field: 'quota_per_hour', errors: ['out of range'] }],
    });
  return {
    type: 'PartnerRegistered',
    data: {
      partnerId: command.partnerId,
      name,
      redirectUris: checkList(command.redirectUris, 'redirect_uris', (uri) =>
        checkClientUrl(uri, 'redirect_uris', { fragment: false }),
      ),
      logoUrls: checkList(command.logoUrls, 'logo_urls', (url) =>
        checkClientUrl(url, 'logo_urls', { fragment: true }),
      ),
      captchaDomains: checkList(command.captchaDomains, 'captcha_domains', (host) =>
        checkHostName(host, 'captcha_domains'),
      ),
      requiredPaymentFields: paymentFields(command.requiredPaymentFields),
      quotaPerHour,
      secretHash: command.secretHash,
      siteKey: command.siteKey,
      registeredAt: now.toISOString(),
    },
  };
}

function paymentFields(fields: string[] | undefined): PaymentField[] {
  if (fields === undefined) return [...DEFAULT_REQUIRED_PAYMENT_FIELDS];
  const unknown = fields.filter((f) => !(PAYMENT_FIELDS as readonly string[]).includes(f));
  if (unknown.length > 0)
    fail(
      'VALIDATION_ERROR',
      `required_payment_fields: unknown fields (known: ${PAYMENT_FIELDS.join(', ')})`,
      {
        fields: [{ field: 'required_payment_fields', errors: unknown.map((f) => `unknown field ${f}`) }],
      },
    );
  if (new Set(fields).size !== fields.length)
    fail('VALIDATION_ERROR', 'required_payment_fields: a field is listed twice', {
      fields: [{ field: 'required_payment_fields', errors: ['a field is listed twice'] }],
    });
  return fields as PaymentField[];
}
