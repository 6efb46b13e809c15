import pino, { type Logger } from 'pino';

/** JSON logs; anything that could carry a secret or card data is redacted before it is written. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        '*.password',
        '*.client_secret',
        '*.refresh_token',
        '*.access_token',
        '*.card_number',
        '*.number',
        '*.cvc',
        '*.cvv',
        '*.card',
      ],
      censor: '[redacted]',
    },
  });
}
