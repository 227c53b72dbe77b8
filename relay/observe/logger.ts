import { pino, type Logger } from 'pino';

/**
 * JSON logs. Headers that carry credentials are redacted wherever they appear; the relay never
 * logs an event body, and errors are logged by class and code only.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: 'scrub-relay' },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'headers.authorization',
          'headers.cookie',
          '*.apiKey',
          '*.token',
          '*.hashKey',
        ],
        censor: '[redacted]',
      },
    },
    destination ?? pino.destination({ fd: 1, sync: false }),
  );
}
