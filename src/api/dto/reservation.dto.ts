import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsNotEmpty,
  IsOptional,
  IsString,
  MaxLength,
} from 'class-validator';

export class ReserveSeatsDto {
  @IsString() @IsNotEmpty() @MaxLength(64) event_id!: string;
  @IsString({ each: true })
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ArrayUnique({ message: 'seat_ids must not repeat a seat' })
  seat_ids!: string[];
  /** Accepted for compatibility with the seed; must match the token's user when given. */
  @IsOptional() @IsString() @MaxLength(64) user_id?: string;
}
