import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsNotEmpty,
  IsString,
  MaxLength,
} from 'class-validator';
import { Optional } from './validators';

export class ReserveSeatsDto {
  @IsString() @IsNotEmpty() @MaxLength(64) event_id!: string;
  @IsArray()
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(64, { each: true })
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @ArrayUnique({ message: 'seat_ids must not repeat a seat' })
  seat_ids!: string[];
  /** Accepted for compatibility with the seed; must match the token's user when given. */
  @Optional() @IsString() @MaxLength(64) user_id?: string;
}
