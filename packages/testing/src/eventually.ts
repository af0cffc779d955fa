export interface EventuallyOptions {
  /** How long to keep trying: 15 s unless given. */
  timeoutMs?: number;
  /** The pause between tries: 20 ms unless given. */
  intervalMs?: number;
  /**
   * Whether a try that throws (`read` failing, or `done` holding an assertion that does not hold
   * yet) means "not yet" rather than failing at once; at the deadline the last error is reported.
   */
  retryErrors?: boolean;
}

/**
 * Checks `read` until `done` holds for its value, then returns the value; fails with `what`
 * after the timeout (a number is the timeout in milliseconds). Tests wait for conditions this
 * way, never for a fixed time.
 */
export async function eventually<T>(
  read: () => T | Promise<T>,
  done: (value: T) => boolean,
  what: string,
  options: number | EventuallyOptions = {},
): Promise<T> {
  const {
    timeoutMs = 15_000,
    intervalMs = 20,
    retryErrors = false,
  } = typeof options === 'number' ? { timeoutMs: options } : options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let failure: unknown;
    let value: T | undefined;
    try {
      value = await read();
      if (done(value)) return value;
    } catch (error) {
      if (!retryErrors) throw error;
      failure = error;
    }
    if (Date.now() > deadline) {
      if (failure instanceof Error) {
        failure.message = `timed out waiting for ${what}: ${failure.message}`;
        throw failure;
      }
      throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(value)?.slice(0, 500)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
