import { IsEmail, IsIn, IsNotEmpty, IsString, Length, MaxLength } from 'class-validator';
import { IsSafeName, Optional } from './validators';

export class RegisterDto {
  @IsString() @IsEmail() @MaxLength(254) @IsSafeName() email!: string;
  @IsString() @Length(8, 128) password!: string;
  @IsString() @IsNotEmpty() @MaxLength(100) @IsSafeName() name!: string;
}

export const GRANT_TYPES = ['password', 'refresh_token', 'client_credentials'] as const;
export type GrantType = (typeof GRANT_TYPES)[number];

/** POST /token (JSON or form-encoded). Which fields are required depends on grant_type: the route checks. */
export class TokenRequestDto {
  @IsIn(GRANT_TYPES as unknown as string[]) grant_type!: GrantType;
  @Optional() @IsString() @MaxLength(254) @IsSafeName() email?: string;
  // Longer than registration allows: the bootstrap admin's password comes from the environment.
  @Optional() @IsString() @MaxLength(1024) password?: string;
  @Optional() @IsString() @MaxLength(512) refresh_token?: string;
  @Optional() @IsString() @MaxLength(200) client_id?: string;
  @Optional() @IsString() @MaxLength(500) client_secret?: string;
  @Optional() @IsString() @MaxLength(500) scope?: string;
}
