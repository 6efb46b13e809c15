import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { Optional } from './validators';

export class QueueChallengeQueryDto {
  @IsString() @IsNotEmpty({ message: 'event_id is required' }) @MaxLength(64) event_id!: string;
}

export class JoinQueueDto {
  @IsString() @IsNotEmpty() @MaxLength(64) event_id!: string;
  /** The seed's field; when left out, the X-Device-ID header is used (one of the two is required). */
  @Optional() @IsString() @IsNotEmpty() @MaxLength(512) device_fingerprint?: string;
  /** Base64 JSON of the solved challenge `{algorithm, challenge, number, salt, signature}` (the ALTCHA widget's value). */
  @Optional() @IsString() @IsNotEmpty() @MaxLength(2048) altcha?: string;
  /** Accepted for compatibility with the seed; must match the token's user when given. */
  @Optional() @IsString() @MaxLength(64) user_id?: string;
}

export class QueueStatusQueryDto {
  @IsString() @IsNotEmpty({ message: 'queue_token is required' }) @MaxLength(2048) queue_token!: string;
}
