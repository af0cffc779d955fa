/**
 * Resilient calls from one service to another (gateway → subgraph, BFF → gateway, subgraph →
 * subgraph):
 *
 * - a keep-alive connection pool (an undici `Agent`) per calling service;
 * - one deadline per call (`timeoutMs`), which covers every attempt and every backoff pause,
 *   so a call never takes longer than its timeout, retried or not;
 * - retries of idempotent calls (queries, never mutations) on transient failures only
 *   (connection refused or reset, HTTP 502/503/504), with exponential backoff and jitter,
 *   at most `retries` times, and only while the target's retry budget allows;
 * - a circuit breaker per target (opossum): closed → open when the share of failed calls in
 *   a rolling window passes a threshold → fail fast with `CIRCUIT_OPEN` → half-open after
 *   `resetMs` (one probe call goes through) → closed again when the probe succeeds.
 *
 * A timeout is not retried: the deadline is spent, and hammering a service that is already
 * too slow to answer is what turns a slow service into a dead one.
 */
export { createOutboundClient, postThrough, type OutboundAnswer, type OutboundClient } from './client.js';
export { CircuitOpenError } from './failures.js';
export { resilienceMetrics } from './metrics.js';
export { operationType } from './operation-type.js';
export { createConnectionPool, type Dispatcher } from './pool.js';
export type { OutboundSettings } from './settings.js';
export { ResilientTarget } from './target.js';
