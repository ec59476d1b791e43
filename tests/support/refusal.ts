import { DomainError } from '../../libs/kernel/index.js';

/** Runs a command that must be refused and returns the domain error it was refused with. */
export function refusal(run: () => unknown): DomainError {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected the command to be refused with a domain error');
}
