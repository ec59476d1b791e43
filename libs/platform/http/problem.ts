import { ArgumentsHost, BadRequestException, Catch, HttpException, Logger, ValidationPipe, type ArgumentMetadata, type ExceptionFilter } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { plainToInstance } from 'class-transformer';
import { validate, type ValidationError } from 'class-validator';
import type { Request, Response } from 'express';
import { ConcurrencyError, DomainError } from '../../kernel/index.js';
import { RETRY_AFTER_SECONDS, unavailableProblem } from './server-unavailable.js';

/** One offending input field. */
export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

/** An RFC 9457 problem details body. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance?: string;
  readonly code?: string;
  readonly errors?: readonly FieldProblem[];
}

const problemType = (code: string) => `https://demarche.dev/problems/${code}`;

/** Thrown by the validation pipe: carries every field problem of the request. */
export class InvalidRequest extends BadRequestException {
  constructor(readonly errors: readonly FieldProblem[]) {
    super(errors.map((e) => `${e.field}: ${e.message}`).join('; '));
  }
}

function flatten(errors: readonly ValidationError[], prefix = ''): FieldProblem[] {
  return errors.flatMap((e) => {
    const field = prefix ? (/^\d+$/.test(e.property) ? `${prefix}[${e.property}]` : `${prefix}.${e.property}`) : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({
      field,
      message: message.startsWith('property ') ? `${field} is not an accepted field; remove it` : message,
    }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** Each problem named by its JSON Pointer (RFC 6901) into the body: `/responses/17/group`. */
function pointers(errors: readonly ValidationError[], prefix = ''): FieldProblem[] {
  return errors.flatMap((e) => {
    const field = `${prefix}/${e.property}`;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message: message.startsWith('property ') ? `${field} is not an accepted field; remove it` : `${field}: ${message}` }));
    return [...own, ...pointers(e.children ?? [], field)];
  });
}

/**
 * Validates a body against a DTO class, as the global pipe would, but names each problem by
 * its JSON Pointer: for bulk requests, where the item's index says which fact is wrong.
 * (Declare the handler's body as a plain object so that the global pipe leaves it alone.)
 */
export async function validatedBody<T extends object>(type: new () => T, body: unknown): Promise<T> {
  const instance = plainToInstance(type, body ?? {});
  const errors = await validate(instance, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true, validationError: { target: false, value: false } });
  if (errors.length) throw new InvalidRequest(pointers(errors).slice(0, 100));
  return instance;
}

/** Refused for reasons of the domain, with every offending field named (a bulk request's items). */
export class RefusedFields extends HttpException {
  constructor(status: 404 | 409 | 422, code: string, detail: string, readonly errors: readonly (FieldProblem & { readonly code?: string })[]) {
    super({ code, title: status === 404 ? 'Not found' : status === 409 ? 'Conflict with what is recorded' : 'Refused by the rules', message: detail, errors }, status);
  }
}

const MAX_DEPTH = 16;
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype', ...Object.getOwnPropertyNames(Object.prototype)]);

/**
 * Refuses shapes that no DTO has but that would trip the object mapper: nesting deep enough
 * to exhaust the stack, and keys that name the object machinery (`__proto__`, `constructor`),
 * which the mapper would drop silently instead of letting validation refuse them.
 */
function checkShape(value: unknown, path: string, depth: number, top: string): FieldProblem | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth > MAX_DEPTH) return { field: top, message: `${top} is nested too deeply (more than ${MAX_DEPTH} levels)` };
  for (const key of Object.keys(value)) {
    const field = Array.isArray(value) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
    if (!Array.isArray(value) && RESERVED_KEYS.has(key)) return { field, message: `${field} is not an accepted field; remove it` };
    const problem = checkShape((value as Record<string, unknown>)[key], field, depth + 1, top || key);
    if (problem) return problem;
  }
  return undefined;
}

/** Validates request DTOs strictly: unknown fields are refused, every problem is named. */
class StrictValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body') {
      // No body at all is an empty object: `POST /claim` needs none.
      if (value === undefined) value = {};
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new InvalidRequest([{ field: 'body', message: 'the body must be a JSON object' }]);
      }
      const problem = checkShape(value, '', 0, '');
      if (problem) throw new InvalidRequest([problem]);
    }
    return super.transform(value, metadata);
  }
}

export function strictValidationPipe(): ValidationPipe {
  return new StrictValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new InvalidRequest(flatten(errors)),
  });
}

const DOMAIN_STATUS = { 'rule-violated': 422, 'not-found': 404, conflict: 409 } as const;

/** Answers every error as `application/problem+json`, saying what went wrong and what to do. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const request = http.getRequest<Request>();
    const problem = { ...(unavailableProblem(exception) ?? this.toProblem(exception)), instance: request.originalUrl };
    if (problem.status === 503) {
      // A server went away: the background loops log the outage once; a line per request, without a stack, is enough here.
      response.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
      this.logger.warn(`${request.method} ${request.originalUrl} answered 503: ${problem.detail}`);
    } else if (problem.status >= 500) this.logger.error(`${request.method} ${request.originalUrl} failed: ${(exception as Error)?.stack ?? exception}`);
    response.status(problem.status).type('application/problem+json').json(problem);
  }

  /** Errors of the body parser (Nest wraps them; the original is kept as the cause). */
  private bodyProblem(exception: unknown): Problem | undefined {
    const cause = ((exception as { cause?: unknown })?.cause ?? exception) as { type?: string; status?: number; message?: string };
    const known: Record<string, [number, string, string]> = {
      'entity.parse.failed': [400, 'malformed-json', `The body is not valid JSON (${cause.message}). Send a JSON object with Content-Type: application/json.`],
      'entity.too.large': [413, 'body-too-large', `The request body is larger than the ${Math.round(Number((cause as { limit?: number }).limit ?? 102_400) / 1024)} kB limit.`],
      'encoding.unsupported': [415, 'unsupported-encoding', 'The body\'s charset or content encoding is not supported; send UTF-8 JSON.'],
      'charset.unsupported': [415, 'unsupported-encoding', 'The body\'s charset is not supported; send UTF-8 JSON.'],
      'request.aborted': [400, 'request-aborted', 'The request body ended early.'],
    };
    const entry = cause?.type ? known[cause.type] : undefined;
    if (!entry && cause?.status === 400 && /gzip|deflate|brotli|incorrect header|unexpected end/i.test(cause.message ?? '')) {
      return { type: problemType('unreadable-body'), title: 'Bad Request', status: 400, code: 'unreadable-body', detail: 'The body could not be decoded; send plain or correctly compressed UTF-8 JSON.' };
    }
    if (!entry) return undefined;
    const [status, code, detail] = entry;
    return { type: problemType(code), title: STATUS_CODES[status] ?? 'Bad Request', status, code, detail };
  }

  private toProblem(exception: unknown): Problem {
    if (exception instanceof InvalidRequest) {
      return { type: problemType('invalid-request'), title: 'The request is not valid', status: 400, code: 'invalid-request', detail: exception.message, errors: exception.errors };
    }
    if (exception instanceof DomainError) {
      const status = DOMAIN_STATUS[exception.kind];
      const errors = exception.field ? [{ field: exception.field, message: exception.message }] : undefined;
      const title = status === 404 ? 'Not found' : status === 409 ? 'Conflict with what is recorded' : 'Refused by the rules';
      return { type: problemType(exception.code), title, status, code: exception.code, detail: exception.message, ...(errors ? { errors } : {}) };
    }
    if (exception instanceof ConcurrencyError) {
      return {
        type: problemType('concurrent-write'), title: 'Someone else changed this first', status: 409, code: 'concurrent-write',
        detail: `${exception.message} Read the current state and try again.`,
      };
    }
    const bodyProblem = this.bodyProblem(exception);
    if (bodyProblem) return bodyProblem;
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const raw = typeof body === 'string' ? body : ((body as { message?: unknown }).message ?? exception.message);
      const detail = Array.isArray(raw) ? raw.join('; ') : String(raw);
      // An exception may name its own problem code and title (401, 403 and 429 do).
      const own = typeof body === 'object' && body !== null ? (body as { code?: unknown; title?: unknown }) : {};
      const code = (typeof own.code === 'string' ? own.code : undefined) ?? ({ 404: 'not-found', 413: 'body-too-large', 415: 'unsupported-media-type' } as Record<number, string>)[status] ?? `http-${status}`;
      const hint = status === 404 ? ' See /docs for the paths Demarche serves.' : '';
      const title = typeof own.title === 'string' ? own.title : (STATUS_CODES[status] ?? 'Error');
      const errors = exception instanceof RefusedFields ? { errors: exception.errors } : {};
      return { type: problemType(code), title, status, code, detail: detail + hint, ...errors };
    }
    return {
      type: problemType('internal-error'), title: 'Something went wrong inside Demarche', status: 500, code: 'internal-error',
      detail: 'The request was not completed. Nothing was recorded unless a later read shows it. The server log has the details.',
    };
  }
}
