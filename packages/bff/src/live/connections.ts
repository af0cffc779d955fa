import { GraphQLError } from 'graphql';
import type { LiveMetrics } from './hub.js';

export interface LiveLimits {
  /** Open connections per signed-in user (0: unlimited). */
  perUser: number;
  /** Open connections per client address (0: unlimited). */
  perIp: number;
  /** Subscriptions at once on one WebSocket (0: unlimited). */
  subscriptionsPerConnection: number;
  /** Backlog of unsent bytes at which a client counts as too slow. */
  maxBufferedBytes: number;
  /** WebSocket ping interval. */
  keepAliveMs: number;
}

function tooManyConnections(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'TOO_MANY_CONNECTIONS' } });
}

/**
 * The open live connections of this instance: counted per user and per address against the
 * limits, and closed together (without `complete`, so clients reconnect elsewhere) when the
 * instance shuts down.
 */
export class LiveConnections {
  private readonly byUser = new Map<string, number>();
  private readonly byIp = new Map<string, number>();
  private readonly closers = new Set<() => void>();

  constructor(
    private readonly limits: LiveLimits,
    private readonly metrics: LiveMetrics,
    private readonly clientType: string,
  ) {}

  /** Counts a connection from `ip`; a refusal when that address holds too many. */
  openFromAddress(
    ip: string,
    close: () => void,
  ): { release: () => void; signIn: (userId: string) => GraphQLError | undefined } | GraphQLError {
    if (this.limits.perIp > 0 && (this.byIp.get(ip) ?? 0) >= this.limits.perIp) {
      this.metrics.dropped.inc({ client: this.clientType, reason: 'connection_limit' });
      return tooManyConnections('Too many open subscription connections from this address.');
    }
    this.byIp.set(ip, (this.byIp.get(ip) ?? 0) + 1);
    this.closers.add(close);
    this.metrics.connections.inc();
    let userId: string | undefined;
    let released = false;
    return {
      signIn: (user) => {
        if (this.limits.perUser > 0 && (this.byUser.get(user) ?? 0) >= this.limits.perUser) {
          this.metrics.dropped.inc({ client: this.clientType, reason: 'connection_limit' });
          return tooManyConnections('Too many open subscription connections for this account.');
        }
        userId = user;
        this.byUser.set(user, (this.byUser.get(user) ?? 0) + 1);
        return undefined;
      },
      release: () => {
        if (released) return;
        released = true;
        this.closers.delete(close);
        this.metrics.connections.dec();
        decrement(this.byIp, ip);
        if (userId) decrement(this.byUser, userId);
      },
    };
  }

  /** Ends every open connection (SIGTERM): clients reconnect to another instance. */
  closeAll(): void {
    for (const close of [...this.closers]) close();
  }
}

function decrement(counts: Map<string, number>, key: string): void {
  const left = (counts.get(key) ?? 1) - 1;
  if (left <= 0) counts.delete(key);
  else counts.set(key, left);
}

/** The LIVE_* settings of a BFF's config as the live side takes them. */
export function liveLimits(config: {
  LIVE_MAX_CONNECTIONS_PER_USER: number;
  LIVE_MAX_CONNECTIONS_PER_IP: number;
  LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION: number;
  LIVE_KEEPALIVE_MS: number;
  LIVE_MAX_BUFFERED_BYTES: number;
}): LiveLimits {
  return {
    perUser: config.LIVE_MAX_CONNECTIONS_PER_USER,
    perIp: config.LIVE_MAX_CONNECTIONS_PER_IP,
    subscriptionsPerConnection: config.LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION,
    keepAliveMs: config.LIVE_KEEPALIVE_MS,
    maxBufferedBytes: config.LIVE_MAX_BUFFERED_BYTES,
  };
}
