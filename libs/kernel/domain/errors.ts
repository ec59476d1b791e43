/**
 * Why a command was refused. The domain returns these instead of throwing transport errors;
 * the API edge maps `kind` to an HTTP status and `field` to the problem body.
 */
export type DomainErrorKind =
  /** The command breaks a rule of the domain (ratifying without signing, a date out of range). */
  | 'rule-violated'
  /** Something the command refers to does not exist (an unknown campaign or mission). */
  | 'not-found'
  /** The thing already exists or is in a state that forbids the change (a task claimed twice). */
  | 'conflict';

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    /** A stable, machine-readable reason such as `not-signed` or `signature-closed`. */
    readonly code: string,
    message: string,
    /** The input field that carries the offending value, when there is one. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/**
 * A write found its stream at another version than the one it decided on: someone else wrote
 * first. The writer reads again and decides again, or the caller is told (409).
 */
export class ConcurrencyError extends Error {
  constructor(
    readonly streamId: string,
    readonly expectedVersion: number | 'any',
    readonly actualVersion: number,
  ) {
    super(`Stream ${streamId} is at version ${actualVersion}, not the expected ${expectedVersion}: someone else wrote first.`);
    this.name = 'ConcurrencyError';
  }
}

export const ruleViolated = (code: string, message: string, field?: string) =>
  new DomainError('rule-violated', code, message, field);
export const notFound = (code: string, message: string, field?: string) =>
  new DomainError('not-found', code, message, field);
export const conflict = (code: string, message: string, field?: string) =>
  new DomainError('conflict', code, message, field);
