import { IsString, MaxLength } from 'class-validator';
import { Optional } from './validators';

export class RealtimeQueryDto {
  /** In the query because browsers cannot set headers on a WebSocket. Checked by the handler: absent is 401. */
  @Optional() @IsString() @MaxLength(4096) token?: string;
}
