import { IsIn, IsInt, IsString, Matches, Max, Min } from 'class-validator';
import { Optional, QueryInt } from './validators';

export class AuditStreamQueryDto {
  /** Inclusive; default: the first event (forwards) or the last (backwards). */
  @Optional() @QueryInt() @IsInt() @Min(0) from_revision?: number;
  @Optional() @QueryInt() @IsInt() @Min(1) @Max(1000) limit?: number;
  @Optional() @IsIn(['forwards', 'backwards']) direction?: 'forwards' | 'backwards';
}

export class AuditLogQueryDto {
  /** Exclusive: events after this position (0: from the start). */
  @Optional() @QueryInt() @IsInt() @Min(0) from_position?: number;
  @Optional() @QueryInt() @IsInt() @Min(1) @Max(1000) limit?: number;
  /** Only events of this type (`SeatsSold`). */
  @Optional()
  @IsString()
  @Matches(/^[A-Za-z][A-Za-z0-9]{0,63}$/, { message: 'type must be an event type name' })
  type?: string;
}

/** Paging of the indexed lookups (a seat's history, a correlation). */
export class AuditPageQueryDto {
  /** Exclusive: events after this position. */
  @Optional() @QueryInt() @IsInt() @Min(0) from_position?: number;
  @Optional() @QueryInt() @IsInt() @Min(1) @Max(1000) limit?: number;
}
