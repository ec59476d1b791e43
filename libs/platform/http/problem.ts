import { ArgumentsHost, BadRequestException, Catch, HttpException, Logger, ValidationPipe, type ExceptionFilter } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import type { Request, Response } from 'express';
import { DomainError } from '../../kernel/index.js';
import { ConcurrencyError } from '../../event-store/index.js';

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

/** Validates request DTOs strictly: unknown fields are refused, every problem is named. */
export function strictValidationPipe(): ValidationPipe {
  return new ValidationPipe({
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
    const problem = { ...this.toProblem(exception), instance: request.originalUrl };
    if (problem.status >= 500) this.logger.error(`${request.method} ${request.originalUrl} failed: ${(exception as Error)?.stack ?? exception}`);
    response.status(problem.status).type('application/problem+json').json(problem);
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
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const raw = typeof body === 'string' ? body : ((body as { message?: unknown }).message ?? exception.message);
      const detail = Array.isArray(raw) ? raw.join('; ') : String(raw);
      const code = status === 404 ? 'not-found' : status === 413 ? 'body-too-large' : status === 400 ? 'bad-request' : `http-${status}`;
      const hint = status === 400 && /JSON/i.test(detail) ? ' Send a JSON body with Content-Type: application/json.' : '';
      return { type: problemType(code), title: exception.name.replace(/Exception$/, '').replace(/([a-z])([A-Z])/g, '$1 $2'), status, code, detail: detail + hint };
    }
    const bodyError = exception as { type?: string; status?: number; message?: string };
    if (bodyError?.type === 'entity.parse.failed' || bodyError?.type === 'entity.too.large') {
      const status = bodyError.status ?? 400;
      return {
        type: problemType(status === 413 ? 'body-too-large' : 'malformed-json'), title: 'The body could not be read', status,
        code: status === 413 ? 'body-too-large' : 'malformed-json',
        detail: status === 413 ? 'The request body is too large (limit 100 kB).' : `The body is not valid JSON: ${bodyError.message}`,
      };
    }
    return {
      type: problemType('internal-error'), title: 'Something went wrong inside Demarche', status: 500, code: 'internal-error',
      detail: 'The request was not completed. Nothing was recorded unless a later read shows it. The server log has the details.',
    };
  }
}
