import pino from 'pino';

export type Logger = pino.Logger;

export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { service: 'tollgate' } });
}

/** For tests and the CLI's quiet paths. */
export const silentLogger: Logger = pino({ level: 'silent' });
