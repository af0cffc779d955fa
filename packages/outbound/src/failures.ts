/** Raised instead of calling a target whose circuit is open. Names the service, never its URL. */
export class CircuitOpenError extends Error {
  override name = 'CircuitOpenError';
  readonly code = 'CIRCUIT_OPEN';
  constructor(readonly target: string) {
    super(`The ${target} service is unavailable; calls to it are paused while it recovers.`);
  }
}

/** An HTTP answer that counts as a failure of the target (5xx), kept apart from network errors. */
export class HttpStatusError extends Error {
  override name = 'HttpStatusError';
  constructor(readonly status: number) {
    super(`upstream answered HTTP ${status}`);
  }
}

/**
 * How a failed attempt counts:
 * - `transient`: worth retrying (idempotent calls only) and a failure for the breaker;
 * - `timeout`: the deadline passed; a failure, never retried;
 * - `failure`: a failure, not retried (a 500 is usually a bug that answers the same again);
 * - `ignored`: the target answered (a 4xx): neither retried nor held against it.
 */
export type FailureKind = 'transient' | 'timeout' | 'failure' | 'ignored';

const TRANSIENT_STATUS = new Set([502, 503, 504]);
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function statusOf(error: unknown): number | undefined {
  if (error instanceof HttpStatusError) return error.status;
  // @apollo/gateway's RemoteGraphQLDataSource: a non-2xx answer as a GraphQLError.
  const status = (error as { extensions?: { response?: { status?: unknown } } } | undefined)?.extensions?.response?.status;
  return typeof status === 'number' ? status : undefined;
}

function isTimeout(error: unknown): boolean {
  const name = (error as { name?: unknown } | undefined)?.name;
  return name === 'TimeoutError';
}

/** Network failures: an error with a code (undici's `request`), or a TypeError whose cause has one (`fetch`). */
function isNetworkError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current && depth < 4; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return error instanceof TypeError && error.message === 'fetch failed';
}

export function classifyFailure(error: unknown, deadline?: AbortSignal): FailureKind {
  if (deadline?.aborted || isTimeout(error)) return 'timeout';
  const status = statusOf(error);
  if (status !== undefined) {
    if (TRANSIENT_STATUS.has(status)) return 'transient';
    return status >= 500 ? 'failure' : 'ignored';
  }
  return isNetworkError(error) ? 'transient' : 'failure';
}
