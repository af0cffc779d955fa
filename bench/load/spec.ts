/** One load, as the harness asks the loader process for it. */
export interface LoadSpec {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  connections: number;
  durationSeconds: number;
  timeoutSeconds?: number;
  /** Replace this placeholder in the URL and body with a value never sent before, per request (cache misses). */
  unique?: string;
  /** Count 2xx answers whose body has GraphQL `errors` as errors. */
  graphql: boolean;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  /** Latency percentiles, ms. */
  p50: number;
  p99: number;
  /** Socket errors + timeouts + non-2xx + GraphQL errors. */
  errors: number;
  errorKinds: { socket: number; timeouts: number; non2xx: number; graphql: number };
  /** The first error answer seen, for diagnosis. */
  firstError?: string;
  /** Answers by `x-cache` header (HIT, MISS, none). */
  cache: Record<string, number>;
}
