import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { parse as parseCookies, serialize } from 'cookie';
import type { CacheStore } from './cache-store.js';
import type { CallerIdentity } from './gateway-client.js';

export interface SessionTokens {
  accessToken: string;
  refreshToken: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
}

export const ACCESS_COOKIE = 'sf_session';
export const REFRESH_COOKIE = 'sf_refresh';
const REFRESH_COOKIE_MAX_AGE = 30 * 86_400;

export interface CookieSettings {
  /** Secure cookies travel over HTTPS only; off in development so http://localhost works. */
  secure: boolean;
}

export function readSessionCookies(cookieHeader: string | undefined): { accessToken?: string; refreshToken?: string } {
  if (!cookieHeader || cookieHeader.length > 8_192) return {};
  const cookies = parseCookies(cookieHeader);
  return {
    ...(cookies[ACCESS_COOKIE] ? { accessToken: cookies[ACCESS_COOKIE] } : {}),
    ...(cookies[REFRESH_COOKIE] ? { refreshToken: cookies[REFRESH_COOKIE] } : {}),
  };
}

/** HttpOnly, SameSite=Lax session cookies: scripts cannot read them, other sites cannot post with them. */
export function sessionCookies(tokens: SessionTokens, settings: CookieSettings): string[] {
  const base = { httpOnly: true, sameSite: 'lax', secure: settings.secure, path: '/' } as const;
  return [
    serialize(ACCESS_COOKIE, tokens.accessToken, { ...base, maxAge: tokens.expiresIn }),
    serialize(REFRESH_COOKIE, tokens.refreshToken, { ...base, maxAge: REFRESH_COOKIE_MAX_AGE }),
  ];
}

export function clearedSessionCookies(settings: CookieSettings): string[] {
  const base = { httpOnly: true, sameSite: 'lax', secure: settings.secure, path: '/', maxAge: 0 } as const;
  return [serialize(ACCESS_COOKIE, '', base), serialize(REFRESH_COOKIE, '', base)];
}

const SHARED_RESULT_SECONDS = 30;

function tokenId(refreshToken: string): string {
  return createHash('sha256').update(refreshToken).digest('base64url');
}

/**
 * Exchanges refresh tokens so that concurrent requests carrying the same one (a page's
 * parallel fetches, several BFF instances) refresh it once and share the new session:
 * refreshing twice would present a spent token, which the service that issued it treats as theft
 * and answers by ending the session.
 */
/** The request a refresh is made for, as its gateway call names it. */
export type RefreshCaller = Pick<CallerIdentity, 'requestId' | 'clientIp'>;

export class SessionRefresher {
  private readonly inFlight = new Map<string, Promise<SessionTokens | null>>();

  constructor(
    private readonly store: CacheStore,
    private readonly exchange: (refreshToken: string, caller: RefreshCaller) => Promise<SessionTokens | null>,
  ) {}

  /** `caller` is the request that needs the refresh (its id for the logs of every tier, its address for the gateway's limits). */
  refresh(refreshToken: string, caller: RefreshCaller): Promise<SessionTokens | null> {
    const id = tokenId(refreshToken);
    let pending = this.inFlight.get(id);
    if (!pending) {
      pending = this.refreshShared(id, refreshToken, caller).finally(() => this.inFlight.delete(id));
      this.inFlight.set(id, pending);
    }
    return pending;
  }

  /**
   * Forgets the shared refresh results that lead to `refreshToken` (on sign-out): otherwise
   * replaying an older refresh cookie of the same session within the sharing window would
   * be answered from the store with this session's tokens.
   */
  async forget(refreshToken: string): Promise<void> {
    let id = tokenId(refreshToken);
    for (let step = 0; step < 20; step += 1) {
      await this.store.delete(`refresh:${id}`);
      const parent = await this.store.get(`refresh-parent:${id}`);
      await this.store.delete(`refresh-parent:${id}`);
      if (!parent) return;
      id = parent;
    }
  }

  private async refreshShared(id: string, refreshToken: string, caller: RefreshCaller): Promise<SessionTokens | null> {
    const resultKey = `refresh:${id}`;
    const shared = await this.store.get(resultKey);
    if (shared) return JSON.parse(shared) as SessionTokens | null;
    if (await this.store.claim(`refresh-lock:${id}`, 10)) {
      const tokens = await this.exchange(refreshToken, caller);
      await this.store.put(resultKey, JSON.stringify(tokens), SHARED_RESULT_SECONDS);
      // Remember which token this one replaced, so signing out can forget the whole chain.
      if (tokens) await this.store.put(`refresh-parent:${tokenId(tokens.refreshToken)}`, id, SHARED_RESULT_SECONDS);
      return tokens;
    }
    // Another instance is exchanging this token: wait briefly for its result.
    for (let attempt = 0; attempt < 60; attempt += 1) {
      await delay(50);
      const result = await this.store.get(resultKey);
      if (result) return JSON.parse(result) as SessionTokens | null;
    }
    return null;
  }
}
