import type { RevokedSessions } from '@storefront/auth';
import type { RedisClient, RedisConnection } from '@storefront/redis';
import type { Logger } from 'pino';
import { failFastRedis } from './fail-fast-redis.js';

interface SessionRevocationOptions {
  /** Redis shared by the service that signs in (which revokes) and every tier that verifies tokens; in process without it. */
  redis?: RedisConnection | undefined;
  /** Prefix of the keys (`<prefix><sessionId>`). */
  keyPrefix: string;
  /** How long a "not revoked" answer is trusted before Redis is asked again. */
  cacheMs: number;
  logger?: Logger;
}

/** Answers kept per process, at most; the oldest goes first. */
const MAX_CACHED = 10_000;

/**
 * Ended sessions (refresh-token families), so their access tokens are refused before they
 * expire. The service that signs in records one when it revokes a family (a reused refresh token, a
 * sign-out), for as long as an access token lives; the gateway and the BFFs look the
 * token's session up on every verification. A "not revoked" answer is kept `cacheMs` (the
 * window in which a revoked token still works), a "revoked" one for good. Without Redis the
 * record lives in this process only. Should Redis fail, tokens are taken as not revoked
 * (signed and unexpired is still proof), rather than refusing every signed-in caller.
 */
export class SessionRevocations implements RevokedSessions {
  private readonly redis: RedisClient | undefined;
  private readonly local = new Map<string, number>();
  private readonly cache = new Map<string, { revoked: boolean; until: number }>();

  constructor(private readonly options: SessionRevocationOptions) {
    if (options.redis) this.redis = failFastRedis(options.redis);
  }

  /** As every service sets it up: its Redis and the SESSION_REVOCATION_* settings (sessionRevocationShape of @storefront/config). */
  static fromConfig(
    config: { redis: RedisConnection | undefined; SESSION_REVOCATION_KEY_PREFIX: string; SESSION_REVOCATION_CACHE_MS: number },
    logger: Logger,
  ): SessionRevocations {
    return new SessionRevocations({
      redis: config.redis,
      keyPrefix: config.SESSION_REVOCATION_KEY_PREFIX,
      cacheMs: config.SESSION_REVOCATION_CACHE_MS,
      logger,
    });
  }

  /** Records that `sessionId` has ended, for `forSeconds` (the access tokens' lifetime). */
  async revoke(sessionId: string, forSeconds: number): Promise<void> {
    this.remember(sessionId, true, Number.POSITIVE_INFINITY);
    if (this.redis) await this.redis.set(this.options.keyPrefix + sessionId, '1', 'EX', Math.max(1, Math.ceil(forSeconds)));
    else this.local.set(sessionId, Date.now() + forSeconds * 1000);
  }

  async isRevoked(sessionId: string): Promise<boolean> {
    const cached = this.cache.get(sessionId);
    if (cached && cached.until > Date.now()) return cached.revoked;
    let revoked: boolean;
    if (this.redis) {
      try {
        revoked = (await this.redis.exists(this.options.keyPrefix + sessionId)) === 1;
      } catch (error) {
        this.options.logger?.warn({ err: error }, 'session revocation check failed; token taken as not revoked');
        return false;
      }
    } else {
      revoked = (this.local.get(sessionId) ?? 0) > Date.now();
    }
    this.remember(sessionId, revoked, revoked ? Number.POSITIVE_INFINITY : Date.now() + this.options.cacheMs);
    return revoked;
  }

  private remember(sessionId: string, revoked: boolean, until: number): void {
    this.cache.delete(sessionId);
    if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(sessionId, { revoked, until });
  }

  async close(): Promise<void> {
    if (this.redis) await this.redis.quit().catch(() => this.redis?.disconnect());
  }
}
