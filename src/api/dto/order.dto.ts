import { IsIn, IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { IsSafeName, NestedObject, Optional } from './validators';

/** Named apart from the payment-method one: DTO class names are the component names in the document. */
export class OrderBillingAddressDto {
  @IsString() @IsNotEmpty() @MaxLength(200) @IsSafeName() street!: string;
  @IsString() @IsNotEmpty() @MaxLength(100) @IsSafeName() city!: string;
  @Optional() @IsString() @MaxLength(100) @IsSafeName() state?: string;
  @IsString() @IsNotEmpty() @MaxLength(20) @IsSafeName() postal_code!: string;
  @IsString() @IsNotEmpty() @MaxLength(100) @IsSafeName() country!: string;
}

export const DELIVERY_METHODS = ['MOBILE', 'EMAIL', 'WILL_CALL', 'MAIL'] as const;

export class CreateOrderDto {
  @IsString() @IsNotEmpty() @MaxLength(64) reservation_id!: string;
  @IsString() @IsNotEmpty() @MaxLength(64) payment_method_id!: string;
  @Optional() @NestedObject(() => OrderBillingAddressDto) billing_address?: OrderBillingAddressDto;
  @Optional() @IsIn(DELIVERY_METHODS) delivery_method?: (typeof DELIVERY_METHODS)[number];
}
