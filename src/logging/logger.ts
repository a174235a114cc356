import pino, { type Logger } from 'pino';

/**
 * The one logger. JSON lines to stdout; constant messages with data in fields. Anything that
 * could carry a secret is redacted even if a future log call passes it by mistake.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'topup-sync' },
      redact: {
        paths: [
          'authorization',
          '*.authorization',
          'headers.authorization',
          '*.headers.authorization',
          '*.headers["stripe-signature"]',
          'apiKey',
          '*.apiKey',
          'secretKey',
          '*.secretKey',
          'client_secret',
          '*.client_secret',
          'clientSecret',
          '*.clientSecret',
        ],
        censor: '[redacted]',
      },
      serializers: { err: pino.stdSerializers.err },
    },
    destination,
  );
}
