import { runService } from '@storefront/config';
import type { Logger } from 'pino';
import { limitHeapGrowth } from './heap.js';
import { drainMsFor, stopOnSignals } from './lifecycle.js';
import type { RunningServer } from './listen.js';
import { startTracing } from './tracing.js';

/** What every service's config holds for its process (see `serviceShape` in @storefront/config). */
export interface ProcessConfig {
  NODE_ENV: string;
  HOST: string;
  HEAP_GROWING_PERCENT: number;
  SHUTDOWN_DRAIN_MS?: number | undefined;
}

/** A built server as `runServer` drives it. */
export interface StartedServer {
  logger: Logger;
  listen(port: number, host?: string): Promise<RunningServer>;
  stop(): Promise<void>;
}

/**
 * A service's `main.ts`: its process from boot to exit. The config is read first (a bad value
 * stops the process with a message naming the variable), heap growth is limited (without it the
 * heap holds several times the live set in garbage under load, see heap.ts) and tracing started
 * (OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set); `start` builds the server and whatever
 * it needs, which then listens on `port`. On SIGTERM or SIGINT, after the drain, the server
 * stops, then what `start` opened (`close`), then tracing.
 */
export async function runServer<Config extends ProcessConfig>(options: {
  name: string;
  loadConfig: () => Config;
  start: (config: Config) => Promise<{ server: StartedServer; port: number; close?: () => Promise<void> }>;
  /** The "ready" log line: more fields, and its message (`<name> ready` by default). */
  ready?: (config: Config) => { fields?: Record<string, unknown>; message?: string };
}): Promise<void> {
  await runService(async () => {
    const config = options.loadConfig();
    limitHeapGrowth(config.HEAP_GROWING_PERCENT);
    const tracing = await startTracing(options.name);
    const { server, port, close } = await options.start(config);
    const running = await server.listen(port, config.HOST);
    const ready = options.ready?.(config);
    server.logger.info({ url: running.url, ...ready?.fields }, ready?.message ?? `${options.name} ready`);
    stopOnSignals(
      server.logger,
      async () => {
        await server.stop();
        await close?.();
        await tracing.shutdown();
      },
      { drainMs: drainMsFor(config) },
    );
  });
}
