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
  /**
   * Callers: each request carries the next of these values in this header, round robin, so
   * with more values than connections no two requests in flight at once come from one caller.
   */
  rotate?: { header: string; values: string[] };
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

/** One request of the open-loop mix (see bench/load/open-loop.ts). */
export interface MixRequest {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
}

/** A kind of request in the mix: one of its variants is drawn per request. */
export interface MixClass {
  name: string;
  /** Share of the arrivals (relative to the other classes' weights). */
  weight: number;
  variants: MixRequest[];
  /** Draw variants by rank from a Zipf distribution with this exponent (else uniformly). */
  zipf?: number;
  /** Replace this placeholder in the URL and body with a value never sent before (idempotency keys). */
  unique?: string;
  /**
   * A chained credential: `placeholder` in the variant's body stands for its current value
   * (starting at `initial[i]` for variant i), replaced after each answer by the string at
   * `from` (a path into the JSON answer). A variant is never in flight twice at once (a
   * refresh token works once).
   */
  chain?: { placeholder: string; initial: string[]; from: string[] };
}

export interface MixSpec {
  /** Arrivals per second, evenly spaced, whatever the answers' latency (open loop). */
  rate: number;
  durationSeconds: number;
  classes: MixClass[];
  /** Most requests in flight at once (beyond it an arrival counts as dropped). */
  maxInFlight?: number;
  timeoutSeconds?: number;
}

export interface MixResult {
  rate: number;
  /** Arrivals scheduled, answered, and dropped (too many in flight). */
  sent: number;
  answered: number;
  dropped: number;
  /** Latency from each arrival's scheduled time to the end of its answer, ms. */
  p50: number;
  p99: number;
  errors: number;
  /** Answers whose body has a non-empty `userErrors` (out of stock ...): not errors, counted. */
  userErrors: number;
  firstError?: string;
  /** Answers with `x-cache: HIT` over those with any `x-cache` header. */
  hits: number;
  cacheable: number;
  byClass: Record<string, { answered: number; p99: number; errors: number }>;
  /** Each chained class's values after the run (the next run starts from them). */
  chains: Record<string, string[]>;
}
