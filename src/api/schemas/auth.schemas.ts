import { dateTime, int, ISO, objectComponent, str } from '../contract/schema';

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

export const TokenInfo = objectComponent('TokenInfo', {
  user_id: str('Account (or partner client) id'),
  email: str('Email'),
  role: str('Role', { enum: ['customer', 'admin', 'auditor', 'partner'] }),
  expires_at: dateTime(`When the access token expires (${ISO})`),
});
