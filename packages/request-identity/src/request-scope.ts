import { AsyncLocalStorage } from 'node:async_hooks';

/** What downstream calls of one request need to know about it. */
interface RequestScope {
  requestId: string;
  /** The client's address, as resolved by this server. */
  clientIp: string;
}

const scope = new AsyncLocalStorage<RequestScope>();

/** Runs `fn` with `request` as the current request (the HTTP front does this for /graphql). */
export function runInRequestScope<T>(request: RequestScope, fn: () => T): T {
  return scope.run(request, fn);
}

/** The request being served, if any. */
function currentRequest(): RequestScope | undefined {
  return scope.getStore();
}

/**
 * `X-Forwarded-For` with the current request's client address, for a BFF's calls to the
 * gateway: the gateway (with `TRUST_PROXY` naming the BFFs) then limits anonymous callers by
 * their own address instead of the BFF's.
 */
export function forwardedForHeaders(): Record<string, string> {
  const request = currentRequest();
  return request && request.clientIp !== 'unknown' ? { 'x-forwarded-for': request.clientIp } : {};
}
