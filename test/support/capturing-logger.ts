import pino from 'pino';
import type { Logger } from '../../src/observability/logger';

/** A line a capturingLogger kept: pino's level number (30 info, 40 warn, 50 error), its message, and `err` if given. */
export interface LoggedLine {
  level: number;
  msg: string;
  err?: string;
  [field: string]: unknown;
}

/** A real pino logger (debug and up) whose lines are kept, parsed, in `lines` (empty it between tests). */
export function capturingLogger(): { logger: Logger; lines: LoggedLine[] } {
  const lines: LoggedLine[] = [];
  return { logger: pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as LoggedLine) }), lines };
}
