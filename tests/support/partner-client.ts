import type { TestApp } from './test-app';

export interface PartnerClientFixture {
  partnerId: string;
  clientId: string;
  clientSecret: string;
  siteKey: string;
  /** A client_credentials access token (3600 s). */
  token: string;
  refreshToken: string;
}

export interface PartnerClientOptions {
  name?: string;
  redirect_uris?: string[];
  logo_urls?: string[];
  captcha_domains?: string[];
  required_payment_fields?: string[];
  quota_per_hour?: number;
}

/**
 * A partner client registered through the admin API, with a token from /oauth/token (client_credentials). Partner
 * tokens are honoured only for clients that exist and are not revoked: a token minted for a made-up client id
 * (`t.mintToken(id, 'partner')`) gets 401 on /partners/v1; mint one for `partnerId` from here if you need to.
 */
export async function createPartnerClient(
  t: TestApp,
  options: PartnerClientOptions = {},
): Promise<PartnerClientFixture> {
  const admin = await t.adminToken();
  const created = await t.call('POST', '/v1/admin/partners', {
    token: admin,
    body: { name: 'Test Partner', ...options },
  });
  if (created.status !== 201) throw new Error(`partner: ${created.status} ${created.text}`);
  const {
    partner_id: partnerId,
    client_id: clientId,
    client_secret: clientSecret,
    site_key: siteKey,
  } = created.body as Record<string, string>;
  const tokens = await t.call('POST', '/oauth/token', {
    body: { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret },
  });
  if (tokens.status !== 200) throw new Error(`token: ${tokens.status} ${tokens.text}`);
  return {
    partnerId,
    clientId,
    clientSecret,
    siteKey,
    token: tokens.body.access_token as string,
    refreshToken: tokens.body.refresh_token as string,
  };
}
