// The load generator: a separate process (forked by the harness, so load never shares the
// harness's event loop), running one autocannon load at a time on request over IPC.
// GraphQL answers with `errors` count as errors, and `x-cache` is tallied so a "hit" arm
// proves it hit.
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { runMix } from './open-loop.js';
import type { LoadResult, LoadSpec, MixSpec } from './spec.js';

const loaderId = randomBytes(3).toString('hex');
let sequence = 0;

/** A value never sent before (cache misses, idempotency keys). */
const uniqueValue = () => `${loaderId}-${(sequence += 1)}`;

/** Per request: a value never sent before where `spec.unique` is, and the next caller of `spec.rotate`. */
function perRequest(spec: LoadSpec) {
  const [pathTemplate, search] = [new URL(spec.url).pathname, new URL(spec.url).search];
  const template = { path: pathTemplate + search, body: spec.body };
  let caller = 0;
  return (request: { path?: string; body?: string | Buffer; headers?: Record<string, string> }) => {
    if (spec.unique) {
      const value = uniqueValue();
      request.path = template.path.split(spec.unique).join(value);
      if (template.body !== undefined) request.body = template.body.split(spec.unique).join(value);
    }
    if (spec.rotate) {
      const { header, values } = spec.rotate;
      request.headers = { ...spec.headers, [header]: values[caller % values.length]! };
      caller += 1;
    }
    return request;
  };
}

function run(spec: LoadSpec): Promise<LoadResult> {
  let graphqlErrors = 0;
  let firstError: string | undefined;
  const cache: Record<string, number> = {};
  const onResponse = (status: number, body: string, _context: unknown, headers: Record<string, string>) => {
    const tag = headers['x-cache'] ?? headers['X-Cache'];
    const label = tag ?? 'none';
    cache[label] = (cache[label] ?? 0) + 1;
    if (status >= 200 && status < 300 && spec.graphql && body.includes('"errors":')) {
      graphqlErrors += 1;
      firstError ??= body.slice(0, 500);
    } else if (status >= 300) {
      firstError ??= `HTTP ${status}: ${body.slice(0, 500)}`;
    }
  };
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        duration: spec.durationSeconds,
        pipelining: 1,
        timeout: spec.timeoutSeconds ?? 10,
        requests: [
          {
            method: spec.method,
            headers: spec.headers,
            ...(spec.body !== undefined ? { body: spec.body } : {}),
            ...(spec.unique || spec.rotate ? { setupRequest: perRequest(spec) } : {}),
            onResponse,
          },
        ],
      },
      (error, result) => {
        if (error) {
          reject(error);
          return;
        }
        const seconds = result.duration || spec.durationSeconds;
        resolve({
          requests: result.requests.total,
          seconds,
          rps: result.requests.total / seconds,
          p50: result.latency.p50,
          p99: result.latency.p99,
          errors: result.errors + result.timeouts + result.non2xx + graphqlErrors,
          errorKinds: { socket: result.errors, timeouts: result.timeouts, non2xx: result.non2xx, graphql: graphqlErrors },
          ...(firstError ? { firstError } : {}),
          cache,
        });
      },
    );
  });
}

process.on('message', (message: { id: number; spec: LoadSpec } | { id: number; mix: MixSpec }) => {
  ('mix' in message ? runMix(message.mix) : run(message.spec)).then(
    (result) => process.send!({ id: message.id, result }),
    (error: unknown) => process.send!({ id: message.id, error: (error as Error).message }),
  );
});
process.send!({ ready: true });
