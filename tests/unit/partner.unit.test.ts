import crypto from 'node:crypto';
import {
  DEFAULT_REQUIRED_PAYMENT_FIELDS,
  originHost,
  partnerDecider,
  type PartnerEvent,
  type PartnerRegistered,
  type RegisterPartner,
} from '../../src/domain/partner/partner';
import { spec } from '../support/given-when-then';

const NOW = new Date('2030-03-01T12:00:00.000Z');
const at = (date = NOW) => ({ now: date });
const later = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);
const sha = (text: string) => crypto.createHash('sha256').update(text).digest('hex');
const partner = spec(partnerDecider);

const register = (overrides: Partial<RegisterPartner> = {}): RegisterPartner => ({
  type: 'RegisterPartner',
  partnerId: 'p-1',
  name: 'Shop',
  redirectUris: ['https://shop.example.com/callback'],
  logoUrls: ['https://cdn.example.com/logo.png'],
  captchaDomains: ['Shop.Example.com'],
  secretHash: sha('secret-1'),
  siteKey: 'sk_1',
  ...overrides,
});

const registered: PartnerRegistered = {
  type: 'PartnerRegistered',
  data: {
    partnerId: 'p-1',
    name: 'Shop',
    redirectUris: ['https://shop.example.com/callback'],
    logoUrls: ['https://cdn.example.com/logo.png'],
    captchaDomains: ['shop.example.com'],
    requiredPaymentFields: [...DEFAULT_REQUIRED_PAYMENT_FIELDS],
    quotaPerHour: 5000,
    secretHash: sha('secret-1'),
    siteKey: 'sk_1',
    registeredAt: NOW.toISOString(),
  },
};
const revoked: PartnerEvent = {
  type: 'PartnerRevoked',
  data: { partnerId: 'p-1', revokedAt: NOW.toISOString() },
};
const authenticate = (secret: string, tokenId = 't-1') => ({
  type: 'AuthenticateClient' as const,
  presentedSecretHash: sha(secret),
  tokenId,
  tokenHash: sha(`refresh-${tokenId}`),
  expiresAt: later(3600).toISOString(),
});

describe('partner client decider', () => {
  describe('RegisterPartner', () => {
    it('records the client with lower-cased captcha domains, the default payment fields and quota', () => {
      partner.given([], at()).when(register()).then([registered]);
    });

    it('refuses a second registration of the same id', () => {
      partner.given([registered], at()).when(register()).thenThrows('PARTNER_EXISTS');
    });

    it.each([
      ['plain http to a public host', 'http://shop.example.com/cb'],
      ['another scheme', 'javascript:alert(1)'],
      ['a relative path', '/callback'],
      ['a user and password', 'https://user:pw@shop.example.com/cb'],
      ['a fragment', 'https://shop.example.com/cb#frag'],
    ])('refuses a redirect URI with %s', (_why, uri) => {
      partner
        .given([], at())
        .when(register({ redirectUris: [uri] }))
        .thenThrows('VALIDATION_ERROR', { fields: [{ field: 'redirect_uris' }] });
    });

    it('takes http for localhost (development) and https anywhere', () => {
      const [event] = partner
        .given([], at())
        .when(
          register({
            redirectUris: ['http://localhost:3000/cb', 'http://127.0.0.1/cb', 'https://a.example/cb'],
          }),
        )
        .events() as PartnerRegistered[];
      expect(event.data.redirectUris).toHaveLength(3);
    });

    it('refuses a logo that is not https', () => {
      partner
        .given([], at())
        .when(register({ logoUrls: ['http://cdn.example.com/logo.png'] }))
        .thenThrows('VALIDATION_ERROR', { fields: [{ field: 'logo_urls' }] });
    });

    it.each([
      ['https://shop.example.com'],
      ['shop.example.com:443'],
      ['shop.example.com/path'],
      ['-bad.example'],
    ])('refuses captcha domain %s (host names only)', (domain) => {
      partner
        .given([], at())
        .when(register({ captchaDomains: [domain] }))
        .thenThrows('VALIDATION_ERROR', { fields: [{ field: 'captcha_domains' }] });
    });

    it('refuses an entry listed twice, unknown payment fields and a quota out of range', () => {
      partner
        .given([], at())
        .when(register({ captchaDomains: ['a.example', 'A.example'] }))
        .thenThrows('VALIDATION_ERROR');
      partner
        .given([], at())
        .when(register({ requiredPaymentFields: ['card.number'] }))
        .thenThrows('VALIDATION_ERROR', { fields: [{ field: 'required_payment_fields' }] });
      partner
        .given([], at())
        .when(register({ quotaPerHour: 0 }))
        .thenThrows('VALIDATION_ERROR');
    });
  });

  describe('client_credentials (AuthenticateClient)', () => {
    it('issues a refresh token for the right secret', () => {
      const [event] = partner.given([registered], at()).when(authenticate('secret-1')).events();
      expect(event).toMatchObject({ type: 'RefreshTokenIssued', data: { tokenId: 't-1', familyId: 't-1' } });
    });

    it('refuses a wrong secret, an unknown client and a revoked one alike', () => {
      partner.given([registered], at()).when(authenticate('secret-2')).thenThrows('INVALID_CLIENT');
      partner.given([], at()).when(authenticate('secret-1')).thenThrows('INVALID_CLIENT');
      partner.given([registered, revoked], at()).when(authenticate('secret-1')).thenThrows('INVALID_CLIENT');
    });

    it('refuses the old secret after a rotation, and forgets the refresh tokens issued under it', () => {
      const issued = partner.given([registered], at()).when(authenticate('secret-1')).events();
      const rotated: PartnerEvent[] = partner
        .given([registered, ...issued], at())
        .when({ type: 'RotatePartnerSecret', secretHash: sha('secret-2') })
        .events();
      const history = [registered, ...issued, ...rotated];
      partner.given(history, at()).when(authenticate('secret-1', 't-2')).thenThrows('INVALID_CLIENT');
      partner
        .given(history, at())
        .when({
          type: 'RotateRefreshToken',
          oldTokenId: 't-1',
          oldTokenHash: sha('refresh-t-1'),
          newTokenId: 't-2',
          newTokenHash: sha('refresh-t-2'),
          expiresAt: later(7200).toISOString(),
        })
        .thenThrows('INVALID_GRANT');
      expect(partner.given(history, at()).when(authenticate('secret-2', 't-3')).events()).toHaveLength(1);
    });

    it('rotates refresh tokens with the shared rules: a reused one revokes its family', () => {
      const issued = partner.given([registered], at()).when(authenticate('secret-1')).events();
      const rotate = {
        type: 'RotateRefreshToken' as const,
        oldTokenId: 't-1',
        oldTokenHash: sha('refresh-t-1'),
        newTokenId: 't-2',
        newTokenHash: sha('refresh-t-2'),
        expiresAt: later(7200).toISOString(),
      };
      const rotated = partner
        .given([registered, ...issued], at())
        .when(rotate)
        .events();
      expect(rotated[0].type).toBe('RefreshTokenRotated');
      const reuse = partner
        .given([registered, ...issued, ...rotated], at())
        .when({ ...rotate, newTokenId: 't-3' })
        .events();
      expect(reuse[0]).toMatchObject({ type: 'RefreshTokenFamilyRevoked', data: { familyId: 't-1' } });
    });

    it('refuses refresh tokens of a revoked client', () => {
      const issued = partner.given([registered], at()).when(authenticate('secret-1')).events();
      partner
        .given([registered, ...issued, revoked], at())
        .when({
          type: 'RotateRefreshToken',
          oldTokenId: 't-1',
          oldTokenHash: sha('refresh-t-1'),
          newTokenId: 't-2',
          newTokenHash: sha('refresh-t-2'),
          expiresAt: later(7200).toISOString(),
        })
        .thenThrows('INVALID_GRANT');
    });
  });

  describe('site key and captcha solutions', () => {
    const use = (challengeId: string, siteKey = 'sk_1', expiresIn = 300) => ({
      type: 'UseCaptchaSolution' as const,
      challengeId,
      siteKey,
      expiresAt: later(expiresIn).toISOString(),
    });

    it('spends a solution once', () => {
      const spent = partner.given([registered], at()).when(use('c-1')).events();
      expect(spent[0]).toMatchObject({ type: 'PartnerCaptchaSolved', data: { challengeId: 'c-1' } });
      partner
        .given([registered, ...spent], at())
        .when(use('c-1'))
        .thenThrows('CAPTCHA_FAILED');
      expect(
        partner
          .given([registered, ...spent], at())
          .when(use('c-2'))
          .events(),
      ).toHaveLength(1);
    });

    it('refuses a solution made under a site key that was rotated since', () => {
      const rotated = partner
        .given([registered], at())
        .when({ type: 'RotatePartnerSiteKey', siteKey: 'sk_2' })
        .events();
      expect(rotated[0]).toMatchObject({ data: { siteKey: 'sk_2', previousSiteKey: 'sk_1' } });
      partner
        .given([registered, ...rotated], at())
        .when(use('c-1', 'sk_1'))
        .thenThrows('CAPTCHA_FAILED');
      expect(
        partner
          .given([registered, ...rotated], at())
          .when(use('c-1', 'sk_2'))
          .events(),
      ).toHaveLength(1);
    });

    it('forgets spent solutions once they expired (they are refused for their expiry anyway)', () => {
      const spent = partner
        .given([registered], at())
        .when(use('c-1', 'sk_1', 60))
        .events();
      const much = at(later(3600));
      const next = partner
        .given([registered, ...spent], much)
        .when(use('c-2', 'sk_1', 3600 + 60))
        .events();
      const state = partner.given([registered, ...spent, ...next], much).state();
      expect(state.exists && [...state.usedCaptchas.keys()]).toEqual(['c-2']);
      partner
        .given([registered], at(later(120)))
        .when(use('c-3', 'sk_1', 60))
        .thenThrows('CAPTCHA_FAILED');
    });
  });

  describe('revocation', () => {
    it('is recorded once; rotations of a revoked client are refused', () => {
      partner.given([registered], at()).when({ type: 'RevokePartner' }).then([revoked]);
      partner.given([registered, revoked], at()).when({ type: 'RevokePartner' }).thenNothing();
      partner
        .given([registered, revoked], at())
        .when({ type: 'RotatePartnerSecret', secretHash: sha('x') })
        .thenThrows('PARTNER_REVOKED');
      partner
        .given([registered, revoked], at())
        .when({ type: 'RotatePartnerSiteKey', siteKey: 'sk_9' })
        .thenThrows('PARTNER_REVOKED');
      partner.given([], at()).when({ type: 'RevokePartner' }).thenThrows('PARTNER_NOT_FOUND');
    });
  });
});

describe('originHost', () => {
  it.each([
    ['https://shop.example.com', 'shop.example.com'],
    ['https://Shop.Example.com:8443', 'shop.example.com'],
    ['http://localhost:3000', 'localhost'],
    ['null', undefined],
    ['file:///etc/passwd', undefined],
    ['not a url', undefined],
  ])('%s -> %s', (origin, host) => {
    expect(originHost(origin)).toBe(host);
  });
});
