import { CombinedGraphQLErrors, type ErrorLike } from '@apollo/client';

const UNAVAILABLE = 'The shop cannot be reached right now. Please try again in a moment.';

/**
 * A sentence for the shopper. The BFF's error messages are written for people and carry no
 * internal detail, so they are shown as they are; anything else (no answer, a proxy's 502)
 * reads as the shop being unavailable.
 */
export function errorMessage(error: ErrorLike): string {
  if (!CombinedGraphQLErrors.is(error)) return UNAVAILABLE;
  const first = error.errors[0];
  const code = first?.extensions?.code;
  if (code === 'SERVICE_UNAVAILABLE' || code === 'INTERNAL_SERVER_ERROR' || !first) return UNAVAILABLE;
  return first.message;
}

/** Whether the BFF refused the request for want of a session. */
export function isUnauthenticated(error: ErrorLike | undefined): boolean {
  return !!error && CombinedGraphQLErrors.is(error) && error.errors.some((entry) => entry.extensions?.code === 'UNAUTHENTICATED');
}
