import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import {
  IsDateOrDateTime,
  IsMoney,
  IsSafeName,
  IsSafeText,
  IsStrictDateTime,
  NestedArray,
  NestedObject,
  Optional,
  QueryInt,
} from './validators';

export class RowDto {
  @IsString() @Matches(/^[A-Za-z0-9]{1,8}$/, { message: 'row must be 1-8 letters or digits' }) row!: string;
  @IsInt() @Min(1) @Max(1000) seats!: number;
}

export class SectionDto {
  @IsString() @IsNotEmpty() @MaxLength(100) @IsSafeName() name!: string;
  @NestedArray(() => RowDto, 1, 500) rows!: RowDto[];
}

export class CreateVenueDto {
  @IsString() @IsNotEmpty() @MaxLength(200) @IsSafeName() name!: string;
  @IsString() @IsNotEmpty() @MaxLength(100) @IsSafeName() city!: string;
  @IsString() @IsNotEmpty() @MaxLength(100) @IsSafeName() state!: string;
  @IsString() @IsNotEmpty() @MaxLength(100) @IsSafeName() country!: string;
  @NestedArray(() => SectionDto, 1, 500) sections!: SectionDto[];
}

export class PricingTierDto {
  @IsString() @IsNotEmpty() @MaxLength(100) @IsSafeName() name!: string;
  @IsMoney() @Min(0) @Max(100000) price!: number;
  @IsMoney() @Min(0) @Max(100000) fees!: number;
  @IsArray()
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  @ArrayMinSize(1)
  @ArrayMaxSize(500)
  sections!: string[];
}

export class QueueSettingsDto {
  @IsBoolean() enabled!: boolean;
  @Optional() @IsInt() @Min(1) @Max(1_000_000) admission_per_minute?: number;
}

export class CreateEventDto {
  @Optional()
  @IsString()
  @Matches(/^[A-Za-z0-9-]{1,64}$/, { message: 'event_id must be 1-64 letters, digits or dashes' })
  event_id?: string;
  @IsString() @IsNotEmpty() @MaxLength(200) @IsSafeName() name!: string;
  @IsString() @IsNotEmpty() @MaxLength(200) @IsSafeName() artist!: string;
  @Optional() @IsString() @MaxLength(5000) @IsSafeText() description?: string;
  @IsString() @IsNotEmpty() @MaxLength(100) @IsSafeName() category!: string;
  @IsString() @IsNotEmpty() @MaxLength(64) venue_id!: string;
  @IsStrictDateTime() date!: string;
  @Optional() @IsStrictDateTime() doors_open?: string;
  @Optional() @IsStrictDateTime() presale_start?: string;
  @IsStrictDateTime() general_sale_start!: string;
  @NestedArray(() => PricingTierDto, 1, 50) pricing_tiers!: PricingTierDto[];
  @Optional() @IsInt() @Min(1) @Max(100) max_tickets_per_order?: number;
  @Optional() @IsBoolean() restrict_single_seat?: boolean;
  @Optional() @NestedObject(() => QueueSettingsDto) queue?: QueueSettingsDto;
}

export class CancelEventDto {
  @Optional() @IsString() @MaxLength(500) @IsSafeText() reason?: string;
}

export class SearchQueryDto {
  @Optional() @IsString() @MaxLength(200) @IsSafeName() query?: string;
  @Optional() @IsString() @MaxLength(100) @IsSafeName() city?: string;
  @Optional() @IsString() @MaxLength(100) @IsSafeName() category?: string;
  @Optional() @IsDateOrDateTime() date_from?: string;
  @Optional() @IsDateOrDateTime() date_to?: string;
  @Optional() @QueryInt() @IsInt() @Min(1) @Max(10000) page?: number;
  @Optional() @QueryInt() @IsInt() @Min(1) @Max(100) per_page?: number;
}

export class SeatMapQueryDto {
  @Optional() @IsString() @MaxLength(100) section?: string;
  @Optional() @IsIn(['AVAILABLE', 'RESERVED', 'SOLD', 'UNAVAILABLE']) status?: string;
}
