/** Codes for failures the caller can act on, carried in GraphQL `extensions.code`. */
type PublicErrorCode = 'UNAUTHENTICATED' | 'FORBIDDEN' | 'BAD_USER_INPUT' | 'NOT_FOUND';

/**
 * A failure of the rules, raised by domain services without knowing about GraphQL. Its
 * message is written for the caller; the servers' error formatting turns it into a GraphQL
 * error with `code`. Any other thrown error is masked as an internal error.
 */
export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    readonly code: PublicErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export function unauthenticated(message = 'You must be signed in.'): DomainError {
  return new DomainError('UNAUTHENTICATED', message);
}

export function forbidden(message = 'You are not allowed to do this.'): DomainError {
  return new DomainError('FORBIDDEN', message);
}

export function badUserInput(message: string, field?: string): DomainError {
  return new DomainError('BAD_USER_INPUT', message, field);
}

export function notFound(what: string): DomainError {
  return new DomainError('NOT_FOUND', `${what} was not found.`);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUIDs; anything else cannot name a row and must not reach a uuid column. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
