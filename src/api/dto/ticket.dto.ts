import { IsEmail, IsNotEmpty, IsString, Length, Matches, MaxLength } from 'class-validator';
import { IsSafeName } from './validators';

export class ListTicketsQueryDto {
  @IsString() @IsNotEmpty({ message: 'order_id is required' }) @MaxLength(64) order_id!: string;
}

export class TransferTicketDto {
  @IsString()
  @MaxLength(254)
  @IsEmail({}, { message: 'recipient_email must be an email address' })
  @IsSafeName()
  recipient_email!: string;
  @IsString()
  @Length(1, 100)
  @Matches(/\S/, { message: 'recipient_name must not be blank' })
  @IsSafeName()
  recipient_name!: string;
}
