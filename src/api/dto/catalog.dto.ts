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
  @IsNotEmpty({ each: true })
  @MaxLength(100, { each: true })
  @ArrayMinSize(1)
  @ArrayMaxSize(500)
  sections!: string[];
}

/** The waiting room; omitted fields take the defaults of src/domain/queue/settings.ts. */
export class QueueSettingsDto {
  @IsBoolean() enabled!: boolean;
  /** Default 100. */
  @Optional() @IsInt() @Min(1) @Max(1_000_000) admission_per_minute?: number;
  /** Waiting entries before joins get 503 QUEUE_FULL. Default 100000. */
  @Optional() @IsInt() @Min(1) @Max(10_000_000) capacity?: number;
  /** How long an admitted entry may reserve. Default 600. */
  @Optional() @IsInt() @Min(10) @Max(86_400) access_seconds?: number;
  /** Proof-of-work difficulty of the join challenge; 0 turns it off. Default 100000. */
  @Optional() @IsInt() @Min(0) @Max(10_000_000) challenge_max_number?: number;
  /** Live entries per device fingerprint. Default 3. */
  @Optional() @IsInt() @Min(1) @Max(1000) max_entries_per_device?: number;
}

/** One way tickets reach the buyer (partner API `shipping_options`). */
export class ShippingOptionDto {
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,32}$/, { message: 'shipping_id must be 1-32 letters, digits, _ or -' })
  shipping_id!: string;
  @IsString() @IsNotEmpty() @MaxLength(100) @IsSafeName() name!: string;
  @IsMoney() @Min(0) @Max(10000) price!: number;
}

export class CreateEventDto {
  @Optional()
  @IsString()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/, {
    message: 'event_id must be 1-64 letters, digits or dashes, starting with a letter or digit',
  })
  event_id?: string;
  @IsString() @IsNotEmpty() @MaxLength(200) @IsSafeName() name!: string;
  @IsString() @IsNotEmpty() @MaxLength(200) @IsSafeName() artist!: string;
  @Optional() @IsString() @MaxLength(5000) @IsSafeText() description?: string;
  @IsString() @IsNotEmpty() @MaxLength(100) @IsSafeName() category!: string;
  @IsString() @IsNotEmpty() @MaxLength(64) venue_id!: string;
  @IsStrictDateTime() date!: string;
  @Optional() @IsStrictDateTime() doors_open?: string;
  @Optional() @IsStrictDateTime() presale_start?: string;
  /** Leave out only for a presale-only event (then presale_start is required): it has no public on-sale. */
  @Optional() @IsStrictDateTime() general_sale_start?: string;
  @NestedArray(() => PricingTierDto, 1, 50) pricing_tiers!: PricingTierDto[];
  @Optional() @IsInt() @Min(1) @Max(100) max_tickets_per_order?: number;
  @Optional() @IsBoolean() restrict_single_seat?: boolean;
  @Optional() @NestedObject(() => QueueSettingsDto) queue?: QueueSettingsDto;
  /** Default: one free e-ticket option `{shipping_id:'ETICKET', name:'Mobile ticket', price:0}`. */
  @Optional() @NestedArray(() => ShippingOptionDto, 1, 20) shipping_options?: ShippingOptionDto[];
  /** Partner API: listed for partners (default true). */
  @Optional() @IsBoolean() internet_enabled?: boolean;
  /** Partner API: tickets carry `barcode_id` (default true). */
  @Optional() @IsBoolean() emits_barcodes?: boolean;
  /** Partner API: carts need a solved captcha (default false). */
  @Optional() @IsBoolean() captcha_required?: boolean;
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
