import { IsBoolean, IsIn, IsNotEmpty, IsString, Matches, MaxLength } from 'class-validator';
import { IsSafeName, NestedObject, Optional } from './validators';

/** Stripe-style client-side tokens: the only form in which a card may reach this API. */
export const CARD_TOKEN = /^tok_[A-Za-z0-9_]{1,100}$/;

export class BillingAddressDto {
  @IsString() @IsNotEmpty() @MaxLength(200) @IsSafeName() street!: string;
  @IsString() @IsNotEmpty() @MaxLength(100) @IsSafeName() city!: string;
  @Optional() @IsString() @MaxLength(100) @IsSafeName() state?: string;
  @Optional() @IsString() @MaxLength(20) @IsSafeName() postal_code?: string;
  @IsString() @IsNotEmpty() @MaxLength(100) @IsSafeName() country!: string;
}

/** POST /v1/payment-methods */
export class AddPaymentMethodDto {
  @IsIn(['CARD'], { message: 'type must be CARD' }) type!: 'CARD';
  @IsString()
  @Matches(CARD_TOKEN, { message: 'card_token must be a payment token (tok_...), never a card number' })
  card_token!: string;
  @Optional() @NestedObject(() => BillingAddressDto) billing_address?: BillingAddressDto;
  @Optional() @IsBoolean() make_default?: boolean;
}
