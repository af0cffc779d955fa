import type { ServerResponse } from 'node:http';
import { isDraining } from './lifecycle.js';
import { sendJson } from './request-body.js';

/** A readiness check's answer when it has more to say than up or down. */
export interface ReadinessOutcome {
  up: boolean;
  /** Why it is down, shown under `reasons` in /health/ready (operators read it, so no secrets). */
  reason?: string;
}

export interface ReadinessCheck {
  name: string;
  check(): Promise<boolean | ReadinessOutcome>;
}

/** Answers /health/ready: 200 when every check is up, 503 with what is down (or while draining). */
export async function answerReadiness(response: ServerResponse, readiness: readonly ReadinessCheck[]): Promise<void> {
  // Stopping: out of the balancer's rotation first, while requests are still served.
  if (isDraining()) {
    sendJson(response, 503, { status: 'draining', checks: {} });
    return;
  }
  const results = await Promise.all(
    readiness.map(async (readinessCheck) => {
      const outcome = await readinessCheck.check().catch(() => false);
      return { name: readinessCheck.name, ...(typeof outcome === 'boolean' ? { up: outcome } : outcome) };
    }),
  );
  const ok = results.every(({ up }) => up);
  const reasons = results.filter(({ up, reason }) => !up && reason);
  sendJson(response, ok ? 200 : 503, {
    status: ok ? 'ok' : 'unavailable',
    checks: Object.fromEntries(results.map(({ name, up }) => [name, up ? 'up' : 'down'])),
    ...(reasons.length > 0 ? { reasons: Object.fromEntries(reasons.map(({ name, reason }) => [name, reason])) } : {}),
  });
}
