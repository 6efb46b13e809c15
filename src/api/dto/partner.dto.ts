import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { MAX_ALLOW_LIST_ENTRIES } from '../../domain/partner/allow-lists';
import { MAX_QUOTA_PER_HOUR, PAYMENT_FIELDS } from '../../domain/partner/events';
import { IsSafeName, Optional, QueryInt } from './validators';

/** Shapes only: the rules (https, host names, no duplicates) are the partner decider's (domain/partner). */
export class CreatePartnerDto {
  @IsString() @IsNotEmpty() @MaxLength(200) @IsSafeName() name!: string;
  /** Where /oauth/authorize may send users back: https (http only for localhost), compared exactly. */
  @Optional()
  @IsArray()
  @ArrayMaxSize(MAX_ALLOW_LIST_ENTRIES)
  @IsString({ each: true })
  @MaxLength(2000, { each: true })
  @IsSafeName({ each: true })
  redirect_uris?: string[];
  /** Logos the OAuth pages may show: https (http only for localhost). */
  @Optional()
  @IsArray()
  @ArrayMaxSize(MAX_ALLOW_LIST_ENTRIES)
  @IsString({ each: true })
  @MaxLength(2000, { each: true })
  @IsSafeName({ each: true })
  logo_urls?: string[];
  /** Host names whose pages may ask for a captcha (the `Origin` of GET /partners/v1/captcha). */
  @Optional()
  @IsArray()
  @ArrayMaxSize(MAX_ALLOW_LIST_ENTRIES)
  @IsString({ each: true })
  @MaxLength(253, { each: true })
  @IsSafeName({ each: true })
  captcha_domains?: string[];
  /** Payment fields this client must send (default: holder name and full billing address). */
  @Optional()
  @IsArray()
  @ArrayMaxSize(PAYMENT_FIELDS.length)
  @IsIn(PAYMENT_FIELDS as unknown as string[], { each: true })
  required_payment_fields?: string[];
  /** Requests per hour under /partners/v1 (default 5000). */
  @Optional() @IsInt() @Min(1) @Max(MAX_QUOTA_PER_HOUR) quota_per_hour?: number;
}

export class PartnerEventsQueryDto {
  @Optional() @QueryInt() @IsInt() @Min(1) @Max(10000) page?: number;
  @Optional() @QueryInt() @IsInt() @Min(1) @Max(100) per_page?: number;
}

/** GET /oauth/authorize (RFC 6749 4.1.1), as far as this server takes it: the allow-list checks. */
export class AuthorizeQueryDto {
  @IsString() @IsNotEmpty() @MaxLength(64) client_id!: string;
  @IsString() @IsNotEmpty() @MaxLength(2000) @IsSafeName() redirect_uri!: string;
  @IsString() @IsNotEmpty() @MaxLength(50) response_type!: string;
  @Optional() @IsString() @MaxLength(500) @IsSafeName() state?: string;
  @Optional() @IsString() @MaxLength(500) @IsSafeName() scope?: string;
  /** The logo the sign-in page would show: must be on the client's list. */
  @Optional() @IsString() @MaxLength(2000) @IsSafeName() logo_url?: string;
}
