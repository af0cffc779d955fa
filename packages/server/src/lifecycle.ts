import type { Logger } from 'pino';

/**
 * Stops the service cleanly on SIGTERM or SIGINT: `stop` closes listeners (letting in-flight
 * requests finish) and pools; the process then exits 0, or 1 if stopping failed or hung.
 */
export function stopOnSignals(logger: Logger, stop: () => Promise<void>, timeoutMs = 10_000): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
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
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
