import { component, dateTime, int, ISO, object, objectComponent, str } from '../contract/schema';

export const RegisterResponse = objectComponent('RegisterResponse', {
  user_id: str('The new account id'),
  email: str('Email (internationalised addresses are accepted: RFC 6531)', { format: 'idn-email' }),
  name: str('Display name'),
});

export const TokenResponse = objectComponent('TokenResponse', {
  access_token: str('JWT access token for the Authorization header'),
  token_type: str('Always `Bearer`', { enum: ['Bearer'] }),
  expires_in: int('Seconds until the access token expires', { example: 3600 }),
  refresh_token: str('Single-use refresh token (rotated on use)'),
});

/** An account's token: user_id, email, role, expires_at. A partner client's: no email, its client and quota facts. */
export const TokenInfo = component(
  'TokenInfo',
  object(
    {
      user_id: str('Account id (for a partner client: its client id)'),
      email: str("Email (accounts only: a partner client's token has none)"),
      role: str('Role', { enum: ['customer', 'admin', 'auditor', 'partner'] }),
      expires_at: dateTime(`When the access token expires (${ISO})`),
      client_id: str('Partner tokens: the OAuth client id'),
      partner_name: str('Partner tokens: the client name'),
      scope: str('Partner tokens: what the token is for (`partner`: the Partner API)'),
      expires_in: int('Partner tokens: seconds until the access token expires'),
    },
    ['user_id', 'role', 'expires_at'],
  ),
);
