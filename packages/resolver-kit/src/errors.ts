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

/**
 * Prisma's codes for "the database could not take this request now": P1001 cannot reach the
 * server, P1002 reached but timed out, P1017 the server closed the connection, P2024 no pooled
 * connection in time, P2028 a transaction could not start in time (all connections busy).
 * Nothing ran, or what ran was rolled back, so the caller may retry (placeOrder with its key).
 */
const TRANSIENT_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1017', 'P2024', 'P2028']);
/** The same from node-postgres directly: SQLSTATE classes 08 (connection) and 57P0x (shutdown), too many connections. */
const TRANSIENT_SQLSTATE = /^(08...|57P0[1-3]|53300)$/;
const TRANSIENT_SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE']);

/** True for a failure of the database's availability (not of the request): answered SERVICE_UNAVAILABLE. */
export function isTransientDatabaseError(error: unknown): boolean {
  for (let current = error, depth = 0; current && typeof current === 'object' && depth < 5; depth += 1) {
    const { code, cause } = current as { code?: unknown; cause?: unknown };
    if (
      typeof code === 'string' &&
      (TRANSIENT_PRISMA_CODES.has(code) || TRANSIENT_SQLSTATE.test(code) || TRANSIENT_SOCKET_CODES.has(code))
    )
      return true;
    if (
      current instanceof Error &&
      /^Timed out fetching a new connection from the connection pool|^timeout exceeded when trying to connect$/.test(
        current.message,
      )
    )
      return true;
    current = cause;
  }
  return false;
}
