import { resilienceSettings } from '@storefront/config';
import { createConnectionPool, resilienceMetrics, ResilientTarget, type Dispatcher } from '@storefront/outbound';
import type { Logger } from '@storefront/http-server';
import type { Registry } from 'prom-client';
import type { GatewayConfig } from './config.js';

/** The timeout of calls to subgraph `name`: its own override, else SUBGRAPH_TIMEOUT_MS. */
export function subgraphTimeoutMs(config: GatewayConfig, name: string): number {
  const override = { users: config.USERS_TIMEOUT_MS, catalog: config.CATALOG_TIMEOUT_MS, orders: config.ORDERS_TIMEOUT_MS }[name];
  return override ?? config.SUBGRAPH_TIMEOUT_MS;
}

/**
 * The gateway's side of every subgraph call: one keep-alive pool for all subgraphs, and per
 * subgraph one circuit breaker and retry budget, kept across supergraph reloads (a reload
 * that rebuilds a data source does not reset a breaker that is open).
 */
export function createSubgraphResilience(config: GatewayConfig, registry: Registry, logger: Logger) {
  const settings = resilienceSettings(config, 'SUBGRAPH');
  const pool = createConnectionPool(settings.pool);
  const metrics = resilienceMetrics(registry);
  const targets = new Map<string, ResilientTarget>();
  return {
    dispatcher: pool as Dispatcher,
    target(name: string): ResilientTarget {
      let target = targets.get(name);
      if (!target) {
        target = new ResilientTarget({
          name,
          settings: { timeoutMs: subgraphTimeoutMs(config, name), retry: settings.retry, breaker: settings.breaker },
          metrics,
          logger,
        });
        targets.set(name, target);
      }
      return target;
    },
    async close(): Promise<void> {
      for (const target of targets.values()) target.shutdown();
      await pool.close();
    },
  };
}
