import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';

/** Stripe-style client-side tokens: the only form in which a card may reach this API. */
export const CARD_TOKEN = /^tok_[A-Za-z0-9_]{1,100}$/;

export class BillingAddressDto {
  @IsString() @IsNotEmpty() @MaxLength(200) street!: string;
  @IsString() @IsNotEmpty() @MaxLength(100) city!: string;
  @IsOptional() @IsString() @MaxLength(100) state?: string;
  @IsOptional() @IsString() @MaxLength(20) postal_code?: string;
  @IsString() @IsNotEmpty() @MaxLength(100) country!: string;
}

/** POST /v1/payment-methods */
export class AddPaymentMethodDto {
  @IsIn(['CARD'], { message: 'type must be CARD' }) type!: 'CARD';
  @IsString()
  @Matches(CARD_TOKEN, { message: 'card_token must be a payment token (tok_...), never a card number' })
  card_token!: string;
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => BillingAddressDto)
  billing_address?: BillingAddressDto;
  @IsOptional() @IsBoolean() make_default?: boolean;
}
