import { IsIn, IsInt, IsString, Matches, Max, Min } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { Optional, QueryInt } from './validators';

/** Positions are a cursor: the page holds the events after it, and `next_position` is the one to send next. */
const AFTER_POSITION = JSONSchema({
  description:
    'Exclusive: the events after this log position (0, the default: from the first). Send the answer’s ' +
    '`next_position` to read on.',
});

export class AuditStreamQueryDto {
  /** Inclusive; default: the first event (forwards) or the last (backwards). */
  @Optional()
  @QueryInt()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  @JSONSchema({
    description:
      'Inclusive: the page starts at this revision (default: the first, or the last going backwards). Send the ' +
      'answer’s `next_revision` to read on.',
  })
  from_revision?: number;
  @Optional() @QueryInt() @IsInt() @Min(1) @Max(1000) limit?: number;
  @Optional() @IsIn(['forwards', 'backwards']) direction?: 'forwards' | 'backwards';
}

/** Paging by log position: the log, and the indexed lookups (a seat's history, a correlation). */
export class AuditPageQueryDto {
  /** Exclusive: events after this position. */
  @Optional()
  @QueryInt()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  @AFTER_POSITION
  from_position?: number;
  @Optional() @QueryInt() @IsInt() @Min(1) @Max(1000) limit?: number;
}

/** The global log: a page by position, optionally of one event type. */
export class AuditLogQueryDto extends AuditPageQueryDto {
  /** Only events of this type (`SeatsSold`). */
  @Optional()
  @IsString()
  @Matches(/^[A-Za-z][A-Za-z0-9]{0,63}$/, { message: 'type must be an event type name' })
  type?: string;
}
