import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsNotEmpty,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';

export class RowDto {
  @IsString() @Matches(/^[A-Za-z0-9]{1,8}$/, { message: 'row must be 1-8 letters or digits' }) row!: string;
  @IsInt() @Min(1) @Max(1000) seats!: number;
}

export class SectionDto {
  @IsString() @IsNotEmpty() @MaxLength(100) name!: string;
  @ValidateNested({ each: true }) @Type(() => RowDto) @ArrayMinSize(1) @ArrayMaxSize(500) rows!: RowDto[];
}

export class CreateVenueDto {
  @IsString() @IsNotEmpty() @MaxLength(200) name!: string;
  @IsString() @IsNotEmpty() @MaxLength(100) city!: string;
  @IsString() @IsNotEmpty() @MaxLength(100) state!: string;
  @IsString() @IsNotEmpty() @MaxLength(100) country!: string;
  @ValidateNested({ each: true })
  @Type(() => SectionDto)
  @ArrayMinSize(1)
  @ArrayMaxSize(500)
  sections!: SectionDto[];
}

export class PricingTierDto {
  @IsString() @IsNotEmpty() @MaxLength(100) name!: string;
  @IsNumber({ maxDecimalPlaces: 2, allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(100000)
  price!: number;
  @IsNumber({ maxDecimalPlaces: 2, allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(100000)
  fees!: number;
  @IsString({ each: true }) @ArrayMinSize(1) @ArrayMaxSize(500) sections!: string[];
}

export class QueueSettingsDto {
  @IsBoolean() enabled!: boolean;
  @IsOptional() @IsInt() @Min(1) @Max(1_000_000) admission_per_minute?: number;
}

export class CreateEventDto {
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9-]{1,64}$/, { message: 'event_id must be 1-64 letters, digits or dashes' })
  event_id?: string;
  @IsString() @IsNotEmpty() @MaxLength(200) name!: string;
  @IsString() @IsNotEmpty() @MaxLength(200) artist!: string;
  @IsOptional() @IsString() @MaxLength(5000) description?: string;
  @IsString() @IsNotEmpty() @MaxLength(100) category!: string;
  @IsString() @IsNotEmpty() venue_id!: string;
  @IsISO8601({ strict: true }) date!: string;
  @IsOptional() @IsISO8601({ strict: true }) doors_open?: string;
  @IsOptional() @IsISO8601({ strict: true }) presale_start?: string;
  @IsISO8601({ strict: true }) general_sale_start!: string;
  @ValidateNested({ each: true })
  @Type(() => PricingTierDto)
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  pricing_tiers!: PricingTierDto[];
  @IsOptional() @IsInt() @Min(1) @Max(100) max_tickets_per_order?: number;
  @IsOptional() @IsBoolean() restrict_single_seat?: boolean;
  @IsOptional() @ValidateNested() @Type(() => QueueSettingsDto) queue?: QueueSettingsDto;
}

export class CancelEventDto {
  @IsOptional() @IsString() @MaxLength(500) reason?: string;
}

export class SearchQueryDto {
  @IsOptional() @IsString() @MaxLength(200) query?: string;
  @IsOptional() @IsString() @MaxLength(100) city?: string;
  @IsOptional() @IsString() @MaxLength(100) category?: string;
  @IsOptional() @IsISO8601() date_from?: string;
  @IsOptional() @IsISO8601() date_to?: string;
  @IsOptional() @IsInt() @Min(1) @Max(10000) page?: number;
  @IsOptional() @IsInt() @Min(1) @Max(100) per_page?: number;
}

export class SeatMapQueryDto {
  @IsOptional() @IsString() @MaxLength(100) section?: string;
  @IsOptional() @IsIn(['AVAILABLE', 'RESERVED', 'SOLD', 'UNAVAILABLE']) status?: string;
}
