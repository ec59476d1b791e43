import type { LoggerService, LogLevel } from '@nestjs/common';
import { pino, type DestinationStream, type Logger as Pino } from 'pino';
import { currentCorrelationId } from './correlation.js';

const PINO_LEVEL: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'> = {
  verbose: 'trace',
  debug: 'debug',
  log: 'info',
  warn: 'warn',
  error: 'error',
  fatal: 'fatal',
};

const looksLikeStack = (s: string) => /\n\s+at /.test(s);

/**
 * Nest's logger, writing one JSON object per line through pino: `level`, `time`, `context`
 * (who speaks: Projector, OutboxRelay...), `msg`, and `correlationId` when the line was
 * written on behalf of a request or an event. Nest's level list (`['error', 'fatal']`)
 * still chooses what is written.
 */
export class JsonLogger implements LoggerService {
  private readonly pino: Pino;
  private enabled: Set<LogLevel>;

  constructor(levels: readonly LogLevel[] | false, destination?: DestinationStream) {
    this.enabled = new Set(levels || []);
    this.pino = pino(
      {
        level: 'trace',
        base: { pid: process.pid },
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
        mixin: () => {
          const correlationId = currentCorrelationId();
          return correlationId ? { correlationId } : {};
        },
      },
      destination,
    );
  }

  setLogLevels(levels: LogLevel[]): void {
    this.enabled = new Set(levels);
  }

  isLevelEnabled(level: LogLevel): boolean {
    return this.enabled.has(level);
  }

  log(message: unknown, ...params: unknown[]): void {
    this.write('log', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('verbose', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  /** Nest passes `(message, ...extra, context)`, and for errors `(message, stack, context)`. */
  private write(level: LogLevel, message: unknown, params: unknown[]): void {
    if (!this.enabled.has(level)) return;
    const rest = [...params];
    const fields: Record<string, unknown> = {};
    const last = rest[rest.length - 1];
    if (typeof last === 'string' && !looksLikeStack(last)) fields.context = rest.pop();
    const first = rest[0];
    if (typeof first === 'string' && looksLikeStack(first)) fields.stack = rest.shift();
    if (rest.length) fields.details = rest.length === 1 ? rest[0] : rest;
    let text: string;
    if (message instanceof Error) {
      text = message.message;
      fields.stack ??= message.stack;
    } else if (typeof message === 'string') {
      text = message;
    } else {
      text = '';
      fields.data = message;
    }
    this.pino[PINO_LEVEL[level]](fields, text);
  }
}
