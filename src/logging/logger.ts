import pino, { type Logger } from 'pino';
import { serializeError } from './redact.js';

/**
 * The one logger. JSON lines to stdout; constant messages with data in fields. Anything that
 * could carry a secret is redacted even if a future log call passes it by mistake.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'topup-sync' },
      // pino's paths are case-sensitive and name exact depths: both spellings, the usual places.
      // Errors (`err`) are scrubbed at any depth by their serializer (redact.ts).
      redact: {
        paths: [
          'authorization',
          'Authorization',
          '*.authorization',
          '*.Authorization',
          'headers.authorization',
          'headers.Authorization',
          '*.headers.authorization',
          '*.headers.Authorization',
          '*.headers["stripe-signature"]',
          '*.headers["Stripe-Signature"]',
          'apiKey',
          '*.apiKey',
          'secretKey',
          '*.secretKey',
          'password',
          '*.password',
          'databaseUrl',
          '*.databaseUrl',
          'client_secret',
          '*.client_secret',
          'clientSecret',
          '*.clientSecret',
        ],
        censor: '[redacted]',
      },
      serializers: { err: serializeError },
    },
    destination,
  );
}
