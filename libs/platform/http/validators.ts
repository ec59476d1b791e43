import { Injectable, type PipeTransform } from '@nestjs/common';
import { registerDecorator, ValidateIf, type ValidationOptions } from 'class-validator';
import { isIso3Shape, isLocalDate } from '../../kernel/index.js';
import { InvalidRequest } from './problem.js';

/** A real calendar date written YYYY-MM-DD. */
export function IsLocalDate(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isLocalDate',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: ({ property }) => `${property} must be a calendar date written YYYY-MM-DD`, ...options },
      validator: { validate: (value: unknown) => isLocalDate(value) },
    });
}

export const ISO3_PATTERN = /^[A-Z]{3}$/;
export const ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const ID_MESSAGE = 'must be 1 to 63 lower-case letters, digits or hyphens, starting with a letter or digit';

/** Checks an ISO3 path parameter (`/v1/countries/{iso3}`). */
@Injectable()
export class Iso3Pipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isIso3Shape(value)) throw new InvalidRequest([{ field: 'iso3', message: `iso3 "${String(value).slice(0, 20)}" must be an upper-case ISO 3166-1 alpha-3 code, like NOR` }]);
    return value;
  }
}

/** Checks an optional query parameter against a list of allowed values. */
export function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new InvalidRequest([{ field, message: `${field} must be one of ${allowed.join(', ')}` }]);
  }
  return value as T;
}

/** Query parameters every read takes: `minPosition` (see `ConsistencyInterceptor`). */
const ON_EVERY_READ = ['minPosition'];

/** Refuses query parameters the endpoint does not know (a typo would silently widen a filter). */
export function onlyKnownQuery(query: Record<string, unknown>, known: readonly string[]): void {
  const unknown = Object.keys(query).filter((k) => !known.includes(k) && !ON_EVERY_READ.includes(k));
  if (unknown.length) throw new InvalidRequest(unknown.map((field) => ({ field, message: `${field} is not a known query parameter; use ${known.join(', ')}` })));
  const repeated = Object.entries(query).filter(([, v]) => typeof v !== 'string');
  if (repeated.length) throw new InvalidRequest(repeated.map(([field]) => ({ field, message: `${field} must be given once, as plain text` })));
}

/**
 * The field may be left out, but if it is sent it must be valid: unlike class-validator's
 * `@IsOptional()`, a `null` is checked (and refused) rather than waved through.
 */
export function Omittable(): PropertyDecorator {
  return ValidateIf((_object, value) => value !== undefined);
}

/** A date query parameter (YYYY-MM-DD), or undefined when absent. */
export function dateQuery(field: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (!isLocalDate(value)) throw new InvalidRequest([{ field, message: `${field} must be a calendar date written YYYY-MM-DD` }]);
  return value;
}

/** `knownAt`: a day (its end) or an ISO instant with a zone. */
export function knownAtQuery(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (isLocalDate(value)) return value;
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(value) && !Number.isNaN(Date.parse(value))) {
    return new Date(value).toISOString();
  }
  throw new InvalidRequest([{ field: 'knownAt', message: 'knownAt must be a date (YYYY-MM-DD, meaning the end of that day) or an ISO instant such as 2026-07-15T12:00:00Z' }]);
}
