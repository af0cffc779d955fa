import type { Server, ServerResponse } from 'node:http';
import type { Logger } from 'pino';

let draining = false;

/**
 * True once this process was told to stop. Its readiness then answers 503 while it still
 * serves, so load balancers (HAProxy's health checks, Kubernetes' endpoints) take it out of
 * rotation before its listener closes.
 */
export function isDraining(): boolean {
  return draining;
}

/** `SHUTDOWN_DRAIN_MS` when set; otherwise 5 s in production (a balancer must notice) and none elsewhere. */
export function drainMsFor(config: { NODE_ENV: string; SHUTDOWN_DRAIN_MS?: number | undefined }): number {
  return config.SHUTDOWN_DRAIN_MS ?? (config.NODE_ENV === 'production' ? 5_000 : 0);
}

interface StopOptions {
  /** How long to keep serving, unready, before closing the listener (see `drainMsFor`). */
  drainMs?: number;
  /** Longest `stop` may take once the drain is over. */
  timeoutMs?: number;
}

/**
 * Stops the service cleanly on SIGTERM or SIGINT. First it drains: readiness turns 503 and
 * requests are still served for `drainMs`, long enough for the balancer's health checks to
 * notice; a listener closed at once would refuse the requests the balancer still routes here.
 * Then `stop` closes listeners (letting in-flight requests finish) and pools; the process
 * exits 0, or 1 if stopping failed or hung.
 */
export function stopOnSignals(logger: Logger, stop: () => Promise<void>, options: StopOptions = {}): void {
  const { drainMs = 0, timeoutMs = 10_000 } = options;
  let stopping = false;
  const onSignal = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    draining = true;
    logger.info({ signal, drainMs }, 'shutting down');
    if (drainMs > 0) await new Promise((resolve) => setTimeout(resolve, drainMs));
    const timer = setTimeout(() => {
      logger.error('shutdown timed out');
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    stop().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  // `on`, not `once`: a second signal (Ctrl-C reaches the whole process group, and a
  // supervisor may signal again) must not fall back to the default action mid-shutdown.
  process.on('SIGTERM', (signal) => void onSignal(signal));
  process.on('SIGINT', (signal) => void onSignal(signal));
}

/**
 * How to close `server` without cutting a request short or keeping a client waiting on a dead
 * connection. Node's `server.close()` refuses new connections and closes idle ones, but keeps
 * answering `Connection: keep-alive` on busy ones and then waits for them to idle out (65 s
 * here). This closer answers every request in flight or arriving on an open connection with
 * `Connection: close`, so the client (a balancer's pooled connection) reconnects elsewhere, and
 * each connection is closed as soon as its response is sent. Call it before the server listens.
 */
export function gracefulCloser(server: Server): () => Promise<void> {
  const inFlight = new Set<ServerResponse>();
  let closing = false;
  const closeIdle = () => setImmediate(() => server.closeIdleConnections());
  server.prependListener('request', (_request, response: ServerResponse) => {
    if (closing) {
      response.setHeader('connection', 'close');
      return;
    }
    inFlight.add(response);
    response.once('close', () => {
      inFlight.delete(response);
      if (closing) closeIdle();
    });
  });
  return () =>
    new Promise<void>((resolve, reject) => {
      closing = true;
      for (const response of inFlight) if (!response.headersSent) response.setHeader('connection', 'close');
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeIdleConnections();
    });
}
