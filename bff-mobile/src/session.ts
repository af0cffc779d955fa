import { TokenError, bearerToken, verifyAccessToken, type RevokedSessions, type Viewer } from '@storefront/auth';
import type { RequestInfo } from '@storefront/http-server';
import { GraphQLError } from 'graphql';

/** Who a request comes from, by its `Authorization: Bearer` header (verified once per request). */
export interface BearerIdentity {
  viewer: Viewer | undefined;
  accessToken: string | undefined;
  /** Why the header's token was refused (expired, forged, malformed); the request then acts as no one. */
  authError: GraphQLError | undefined;
}

/**
 * UNAUTHENTICATED with HTTP 401 and a WWW-Authenticate challenge (RFC 6750), so the app's
 * HTTP layer knows to refresh the session (expired) or sign in again.
 */
function invalidTokenError(error: TokenError): GraphQLError {
  const expired = error.reason === 'expired';
  const message = expired
    ? 'Your session has expired. Refresh it and try again.'
    : 'Your access token is not valid. Please sign in again.';
  const description = expired ? 'The access token expired' : 'The access token is not valid';
  return new GraphQLError(message, {
    extensions: {
      code: 'UNAUTHENTICATED',
      http: {
        status: 401,
        headers: new Map([['www-authenticate', `Bearer error="invalid_token", error_description="${description}"`]]),
      },
    },
  });
}

/** Verifies the bearer token with the users service's key; never throws for a bad token. */
export async function authenticateBearer(
  request: RequestInfo,
  jwtSecret: string,
  revokedSessions?: RevokedSessions,
): Promise<BearerIdentity> {
  try {
    const token = bearerToken(request.header('authorization'));
    if (token === undefined) return { viewer: undefined, accessToken: undefined, authError: undefined };
    return { viewer: await verifyAccessToken(token, jwtSecret, revokedSessions), accessToken: token, authError: undefined };
  } catch (error) {
    if (!(error instanceof TokenError)) throw error;
    return { viewer: undefined, accessToken: undefined, authError: invalidTokenError(error) };
  }
}
