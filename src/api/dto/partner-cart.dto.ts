import { IsInt, IsNotEmpty, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { Optional } from './validators';

/** A cart id as this API gives them out (a UUID v4): one pattern on every cart route, body or query. */
export const IsCartId = () => IsUUID('4', { message: 'cart_id must be the cart_id a cart was created with' });

/** `POST /partners/v1/events/{id}/cart`: the best seats for a quantity in a price level or in a section. */
export class CreateCartDto {
  /** A price level (`{event_id}-t{n}`); give this or `section_id`. */
  @Optional() @IsString() @IsNotEmpty() @MaxLength(100) tier_id?: string;
  /** A section (`s1`, `s2`, ...); give this or `tier_id`. */
  @Optional()
  @IsString()
  @Matches(/^s[1-9][0-9]{0,5}$/, { message: 'section_id is s1, s2, ...' })
  section_id?: string;
  @IsInt() @Min(1) @Max(100) quantity!: number;
  /** The solved captcha (the ALTCHA widget's base64 payload), when the event asks for one. */
  @Optional() @IsString() @IsNotEmpty() @MaxLength(10_000) altcha?: string;
}

/** `PUT /partners/v1/events/{id}/cart`: commits the cart into an order. */
export class CommitCartDto {
  @IsCartId() cart_id!: string;
}

/** `?cart_id=` of the cart calls that take it in the query (DELETE, shipping). */
export class CartIdQueryDto {
  @IsCartId() cart_id!: string;
}
