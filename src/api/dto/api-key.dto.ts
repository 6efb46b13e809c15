import { IsInt, IsNotEmpty, IsString, Max, MaxLength, Min } from 'class-validator';
import { MAX_KEY_NAME_LENGTH, MAX_KEY_RATE_LIMIT_PER_HOUR } from '../../domain/api-key/api-key';
import { IsSafeName, Optional } from './validators';

/** POST /v1/admin/api-keys. */
export class CreateApiKeyDto {
  @IsString() @IsNotEmpty() @MaxLength(MAX_KEY_NAME_LENGTH) @IsSafeName() name!: string;
  /** The key's own budget across /v1 (requests per hour), besides the per-user and per-endpoint limits. */
  @Optional() @IsInt() @Min(1) @Max(MAX_KEY_RATE_LIMIT_PER_HOUR) rate_limit_per_hour?: number;
}
