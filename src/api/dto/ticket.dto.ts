import { IsEmail, IsNotEmpty, IsString, Length, Matches, MaxLength } from 'class-validator';

export class ListTicketsQueryDto {
  @IsString() @IsNotEmpty({ message: 'order_id is required' }) @MaxLength(64) order_id!: string;
}

export class TransferTicketDto {
  @IsString()
  @MaxLength(254)
  @IsEmail({}, { message: 'recipient_email must be an email address' })
  recipient_email!: string;
  @IsString()
  @Length(1, 100)
  @Matches(/\S/, { message: 'recipient_name must not be blank' })
  recipient_name!: string;
}
