import { IsInt, IsNotEmpty, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { IsCartId } from './partner-cart.dto';
import { IsSafeName, NestedObject, Optional } from './validators';

/**
 * Partner card payment and shipping. Presence is not checked here: which fields are required depends on the
 * partner client (`required_payment_fields`), so the service answers 400 MISSING_PAYMENT_FIELDS naming every one
 * missing. Types and sizes are checked here (400 VALIDATION_ERROR).
 */

/** Base64 of an RSA 2048 ciphertext is 344 characters; room for 4096-bit keys, not for anything else. */
const MAX_CIPHERTEXT = 1024;

export class PartnerCardDto {
  @Optional() @IsString() @MaxLength(MAX_CIPHERTEXT) encrypted_number?: string;
  @Optional() @IsString() @MaxLength(MAX_CIPHERTEXT) encrypted_cvv?: string;
  @Optional() @IsInt() @Min(1) @Max(12) exp_month?: number;
  @Optional() @IsInt() @Min(2000) @Max(2100) exp_year?: number;
  @Optional() @IsString() @MaxLength(100) @IsSafeName() holder_name?: string;
}

export class PartnerBillingAddressDto {
  @Optional() @IsString() @MaxLength(200) @IsSafeName() line1?: string;
  @Optional() @IsString() @MaxLength(200) @IsSafeName() line2?: string;
  @Optional() @IsString() @MaxLength(100) @IsSafeName() city?: string;
  @Optional() @IsString() @MaxLength(100) @IsSafeName() state?: string;
  @Optional() @IsString() @MaxLength(20) @IsSafeName() postal_code?: string;
  @Optional()
  @IsString()
  @Matches(/^[A-Z]{2}$/, { message: 'country must be an ISO 3166-1 alpha-2 code (US, GB, ...)' })
  country?: string;
}

export class PartnerPaymentDto {
  @IsCartId() cart_id!: string;
  @Optional() @IsString() @MaxLength(64) encryption_key?: string;
  @Optional() @NestedObject(() => PartnerCardDto) card?: PartnerCardDto;
  @Optional() @NestedObject(() => PartnerBillingAddressDto) billing_address?: PartnerBillingAddressDto;
}

export class PartnerShippingQueryDto {
  @IsCartId() cart_id!: string;
}

export class PartnerShippingChoiceDto {
  @IsString() @IsNotEmpty() @MaxLength(32) shipping_id!: string;
}
