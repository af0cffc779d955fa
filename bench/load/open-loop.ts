// The open-loop driver of the mix: arrivals at a fixed rate whatever the answers' latency (a
// closed loop would slow down with the server and hide its queueing), each drawn from the
// mix's classes by weight, latency counted from the arrival's scheduled time.
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'undici';
import type { MixClass, MixRequest, MixResult, MixSpec } from './spec.js';

const driverId = randomBytes(3).toString('hex');
let sequence = 0;

/** Cumulative weights, for drawing by binary search. */
function cumulative(weights: number[]): number[] {
  let sum = 0;
  return weights.map((weight) => (sum += weight));
}

function draw(sums: number[]): number {
  const target = Math.random() * sums.at(-1)!;
  let low = 0;
  let high = sums.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (sums[middle]! > target) high = middle;
    else low = middle + 1;
  }
  return low;
}

function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))]!;
}

function pathOf(value: unknown, path: string[]): unknown {
  return path.reduce<unknown>(
    (node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined),
    value,
  );
}

/** A class ready to draw from: its variant weights and, for a chain, each variant's current value and whether it is in flight. */
interface PreparedClass {
  spec: MixClass;
  variantSums: number[];
  chainValues?: string[];
  busy: boolean[];
}

function prepare(spec: MixClass): PreparedClass {
  const weights = spec.variants.map((_variant, rank) => (spec.zipf ? 1 / (rank + 1) ** spec.zipf : 1));
  return {
    spec,
    variantSums: cumulative(weights),
    ...(spec.chain ? { chainValues: [...spec.chain.initial] } : {}),
    busy: spec.variants.map(() => false),
  };
}

export async function runMix(spec: MixSpec): Promise<MixResult> {
  const classes = spec.classes.map(prepare);
  const classSums = cumulative(spec.classes.map((mixClass) => mixClass.weight));
  const maxInFlight = spec.maxInFlight ?? 512;
  const timeoutMs = (spec.timeoutSeconds ?? 10) * 1000;
  const agent = new Agent({ connections: maxInFlight, pipelining: 1, keepAliveTimeout: 30_000 });
  const latencies: number[] = [];
  const byClass = new Map<string, { latencies: number[]; errors: number }>(
    spec.classes.map((mixClass) => [mixClass.name, { latencies: [], errors: 0 }]),
  );
  const result = {
    sent: 0,
    answered: 0,
    dropped: 0,
    errors: 0,
    userErrors: 0,
    hits: 0,
    cacheable: 0,
    firstError: undefined as string | undefined,
  };
  let inFlight = 0;
  const pending = new Set<Promise<void>>();

  const fail = (className: string, message: string) => {
    result.errors += 1;
    byClass.get(className)!.errors += 1;
    result.firstError ??= `${className}: ${message.slice(0, 500)}`;
  };

  async function send(prepared: PreparedClass, variantIndex: number, scheduled: number): Promise<void> {
    const { spec: mixClass } = prepared;
    const variant: MixRequest = mixClass.variants[variantIndex]!;
    let url = variant.url;
    let body = variant.body;
    if (mixClass.unique) {
      const value = `${driverId}-${(sequence += 1)}`;
      url = url.split(mixClass.unique).join(value);
      body = body?.split(mixClass.unique).join(value);
    }
    if (mixClass.chain) body = body?.split(mixClass.chain.placeholder).join(prepared.chainValues![variantIndex]);
    try {
      const response = await request(url, {
        method: variant.method,
        headers: variant.headers,
        ...(body !== undefined ? { body } : {}),
        dispatcher: agent,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const text = await response.body.text();
      const latency = performance.now() - scheduled;
      latencies.push(latency);
      byClass.get(mixClass.name)!.latencies.push(latency);
      result.answered += 1;
      const cache = response.headers['x-cache'];
      if (cache !== undefined) {
        result.cacheable += 1;
        if (cache === 'HIT') result.hits += 1;
      }
      if (response.statusCode >= 300) fail(mixClass.name, `HTTP ${response.statusCode}: ${text}`);
      else if (text.includes('"errors":')) fail(mixClass.name, text);
      else if (/"userErrors":\[\{/.test(text)) result.userErrors += 1;
      if (mixClass.chain) {
        const next = pathOf(JSON.parse(text), mixClass.chain.from);
        if (typeof next === 'string') prepared.chainValues![variantIndex] = next;
        else fail(mixClass.name, `no ${mixClass.chain.from.join('.')} in ${text}`);
      }
    } catch (error) {
      result.answered += 1;
      fail(mixClass.name, (error as Error).message);
    } finally {
      prepared.busy[variantIndex] = false;
      inFlight -= 1;
    }
  }

  const interval = 1000 / spec.rate;
  const start = performance.now();
  const end = start + spec.durationSeconds * 1000;
  // Arrivals are evenly spaced; a timer wakes every few ms and sends every arrival now due,
  // each timed from when it was due, not from when the timer got to it.
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (result.sent + result.dropped < Math.floor((Math.min(now, end) - start) / interval) + 1) {
        const scheduled = start + (result.sent + result.dropped) * interval;
        const prepared = classes[draw(classSums)]!;
        let variantIndex = draw(prepared.variantSums);
        if (prepared.spec.chain && prepared.busy[variantIndex]) {
          // A chained credential in flight cannot be sent again: the next free variant, if any.
          const free = prepared.busy.indexOf(false);
          variantIndex = free;
        }
        if (inFlight >= maxInFlight || variantIndex < 0) {
          result.dropped += 1;
          continue;
        }
        result.sent += 1;
        inFlight += 1;
        prepared.busy[variantIndex] = true;
        const sending = send(prepared, variantIndex, scheduled);
        pending.add(sending);
        void sending.finally(() => pending.delete(sending));
      }
      if (now >= end) resolve();
      else setTimeout(tick, Math.max(1, Math.min(5, interval)));
    };
    tick();
  });
  await Promise.all(pending);
  await agent.close();
  latencies.sort((a, b) => a - b);
  return {
    rate: spec.rate,
    sent: result.sent,
    answered: result.answered,
    dropped: result.dropped,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    errors: result.errors + result.dropped,
    userErrors: result.userErrors,
    ...(result.firstError
      ? { firstError: result.firstError }
      : result.dropped > 0
        ? { firstError: `${result.dropped} arrivals dropped (more than ${maxInFlight} in flight)` }
        : {}),
    hits: result.hits,
    cacheable: result.cacheable,
    chains: Object.fromEntries(
      classes.filter((prepared) => prepared.chainValues).map((prepared) => [prepared.spec.name, prepared.chainValues!]),
    ),
    byClass: Object.fromEntries(
      [...byClass].map(([name, figures]) => {
        const sorted = figures.latencies.sort((a, b) => a - b);
        return [name, { answered: sorted.length, p99: percentile(sorted, 0.99), errors: figures.errors }];
      }),
    ),
  };
}
