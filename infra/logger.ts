import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * One JSON logger per process; components take children of it. With `file` the log goes there (the
 * all-in-one stack keeps the terminal for its progress lines), otherwise to stdout.
 */
export function createLogger(level: string, file?: string): Logger {
  const destination = file ? pino.destination({ dest: file, mkdir: true, sync: false }) : pino.destination(1);
  return pino({ name: 'novaflow', level }, destination);
}
