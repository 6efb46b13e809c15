import { Transform } from 'class-transformer';
import { IsEmail, IsIn, IsNotEmpty, IsString, Length, Matches, MaxLength } from 'class-validator';
import { IsSafeName, Optional } from './validators';

/** Spaces around an email address are dropped before it is checked, as sign-in drops them (normalizeEmail). */
const trimmed = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
/** Something other than spaces. */
const NOT_BLANK = /\S/;

export class RegisterDto {
  @Transform(trimmed) @IsString() @IsEmail() @MaxLength(254) @IsSafeName() email!: string;
  @IsString()
  @Length(8, 128)
  @Matches(NOT_BLANK, { message: 'password must not be only spaces' })
  password!: string;
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  @IsSafeName()
  @Matches(NOT_BLANK, { message: 'name must not be blank' })
  name!: string;
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
