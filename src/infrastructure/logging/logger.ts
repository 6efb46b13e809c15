import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * JSON logs on stdout; anything that could carry a secret or card data is redacted before it is written.
 *
 * Written synchronously, on purpose: pino's default asynchronous stdout registers an exit handler that flushes
 * with a retry loop, and on a closed pipe (`node main.js | head -1`) every retry fails with EPIPE, so
 * process.exit never returned and SIGTERM (even the forced exit) hung forever. A synchronous write fails once;
 * pino then drops the stream's writes (its EPIPE handling), so a broken stdout can never block the shutdown. The
 * service logs lifecycle events and errors, not every request, so the hot path does not pay for it.
 */
export function createLogger(
  level: string,
  destination: DestinationStream = pino.destination({ dest: 1, sync: true }),
): Logger {
  return pino(
    {
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
    },
    destination,
  );
}
