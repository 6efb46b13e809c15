import { Type } from 'class-transformer';
import { IsIn, IsNotEmpty, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';

export class BillingAddressDto {
  @IsString() @IsNotEmpty() @MaxLength(200) street!: string;
  @IsString() @IsNotEmpty() @MaxLength(100) city!: string;
  @IsOptional() @IsString() @MaxLength(100) state?: string;
  @IsString() @IsNotEmpty() @MaxLength(20) postal_code!: string;
  @IsString() @IsNotEmpty() @MaxLength(100) country!: string;
}

export const DELIVERY_METHODS = ['MOBILE', 'EMAIL', 'WILL_CALL', 'MAIL'] as const;

export class CreateOrderDto {
  @IsString() @IsNotEmpty() @MaxLength(64) reservation_id!: string;
  @IsString() @IsNotEmpty() @MaxLength(64) payment_method_id!: string;
  @IsOptional() @ValidateNested() @Type(() => BillingAddressDto) billing_address?: BillingAddressDto;
  @IsOptional() @IsIn(DELIVERY_METHODS) delivery_method?: (typeof DELIVERY_METHODS)[number];
}
