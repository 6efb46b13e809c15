import { IsString, Matches, MaxLength } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { Optional } from './validators';

export class RealtimeQueryDto {
  /** In the query because browsers cannot set headers on a WebSocket. Checked by the handler: absent is 401. */
  @Optional() @IsString() @MaxLength(4096) token?: string;

  /** The X-API-Key's form for browsers, which cannot set headers on a WebSocket (checked before the route). */
  @Optional()
  @IsString()
  @Matches(/^[A-Za-z0-9._:-]{1,128}$/, { message: 'api_key must be 1-128 letters, digits, or . _ : -' })
  @JSONSchema({
    description:
      'The API key, for browsers (they cannot set `X-API-Key` on a WebSocket); other clients send the header, ' +
      'which wins when both are sent. The query string shows in access logs and browser history: a key used ' +
      'from a browser is visible to its users anyway, so give browsers a publishable key of their own, with a ' +
      '`rate_limit_per_hour`, revocable on its own.',
  })
  api_key?: string;
}
