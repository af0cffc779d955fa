import { TokenError, verifyAccessToken, type RevokedSessions, type Viewer } from '@storefront/auth';
import {
  clearedSessionCookies,
  readSessionCookies,
  sessionCookies,
  unauthenticatedError,
  type CookieSettings,
  type GatewayClient,
  type SessionRefresher,
  type SessionTokens,
} from '@storefront/bff';
import type { RequestInfo } from '@storefront/http-server';
import { SESSION, USER_ERRORS, type GatewaySession } from './gateway.js';

/** The signed-in state of one request, and how to change it (cookies on the response). */
export interface WebSession {
  viewer: Viewer | undefined;
  accessToken: string | undefined;
  refreshToken: string | undefined;
  start(tokens: SessionTokens): Promise<Viewer>;
  end(): void;
}

export const REFRESH_SESSION = `mutation RefreshSession($refreshToken: String!) { refreshSession(refreshToken: $refreshToken) { ${SESSION} ${USER_ERRORS} } }`;

/** Exchanges a refresh token through the gateway; null when the users service refuses it. */
export function exchangeRefreshToken(gateway: GatewayClient) {
  return async (refreshToken: string, requestId: string): Promise<SessionTokens | null> => {
    const data = await gateway.data<{ refreshSession: { session: GatewaySession | null } }>(
      'RefreshSession',
      REFRESH_SESSION,
      { refreshToken },
      { requestId },
    );
    return data.refreshSession.session;
  };
}

/**
 * Reads the session cookies. A valid access token signs the request in; an expired or missing
 * one is renewed with the refresh cookie, transparently (new cookies ride on this response);
 * a tampered one clears the cookies and is refused with UNAUTHENTICATED.
 */
export async function resolveWebSession(
  request: RequestInfo,
  settings: { jwtSecret: string; revokedSessions?: RevokedSessions; cookies: CookieSettings; refresher: SessionRefresher },
): Promise<WebSession> {
  const { accessToken, refreshToken } = readSessionCookies(request.header('cookie'));
  const session: WebSession = {
    viewer: undefined,
    accessToken: undefined,
    refreshToken,
    async start(tokens) {
      const viewer = await verifyAccessToken(tokens.accessToken, settings.jwtSecret);
      for (const cookie of sessionCookies(tokens, settings.cookies)) request.setCookie(cookie);
      session.viewer = viewer;
      session.accessToken = tokens.accessToken;
      session.refreshToken = tokens.refreshToken;
      return viewer;
    },
    end() {
      for (const cookie of clearedSessionCookies(settings.cookies)) request.setCookie(cookie);
      session.viewer = undefined;
      session.accessToken = undefined;
      session.refreshToken = undefined;
    },
  };

  if (accessToken) {
    try {
      session.viewer = await verifyAccessToken(accessToken, settings.jwtSecret, settings.revokedSessions);
      session.accessToken = accessToken;
      return session;
    } catch (error) {
      if (!(error instanceof TokenError)) throw error;
      if (error.reason !== 'expired') {
        session.end();
        throw unauthenticatedError('Your session is not valid. Please sign in again.', 401);
      }
    }
  }
  if (refreshToken) {
    const tokens = await settings.refresher.refresh(refreshToken, request.requestId);
    if (tokens) await session.start(tokens);
    else session.end();
  }
  return session;
}

/**
 * Who the cookies name when that needs no change to them: a valid access cookie's viewer, or
 * nobody without session cookies. Undefined when the session must be refreshed or cleared,
 * which only the full path (resolveWebSession) does.
 */
export async function cookieViewer(
  request: RequestInfo,
  jwtSecret: string,
  revokedSessions?: RevokedSessions,
): Promise<{ viewer: Viewer | undefined } | undefined> {
  const { accessToken, refreshToken } = readSessionCookies(request.header('cookie'));
  if (!accessToken) return refreshToken ? undefined : { viewer: undefined };
  try {
    return { viewer: await verifyAccessToken(accessToken, jwtSecret, revokedSessions) };
  } catch (error) {
    if (!(error instanceof TokenError)) throw error;
    return undefined;
  }
}
