// The live-updates arm (issue 11): what 1,000 idle subscriptions cost one BFF in memory, and
// how long an event takes to reach every one of them while they are all connected.
// Subscribers are anonymous web product pages (GraphQL over SSE) spread over many products,
// so every change reaches a tenth of them, as a popular product's page would.
import { catalogEvents } from '@storefront/catalog-events';
import { RedisStreamsBus, type Envelope } from '@storefront/events';
import { products } from '@storefront/catalog/seed-data';
import { loadClientOperations } from '../scripts/lib/client-operations.js';
import type { Stack } from './stack.js';

export interface LiveResult {
  subscribers: number;
  products: number;
  /** RSS and heap growth of bff-web per 1,000 open subscriptions, once they are idle. */
  rssPerThousandBytes: number;
  heapPerThousandBytes: number;
  changes: number;
  /** From the event reaching Redis (or, on the in-process bus, the change committing) to each subscriber. */
  latencyFrom: 'event published' | 'change committed';
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Subscribers that missed a change (must be 0). */
  missed: number;
}

interface Subscriber {
  productId: string;
  /** When each payload arrived (ms, performance.now()). */
  arrivals: number[];
  abort: AbortController;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? 0;
const metric = (text: string, name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

async function waitFor(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`live bench: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Opens one SSE subscription and records the arrival time of every `next` event. */
function subscribe(url: string, document: string, productId: string): Subscriber {
  const subscriber: Subscriber = { productId, arrivals: [], abort: new AbortController() };
  void (async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: document, operationName: 'ProductStock', variables: { id: productId } }),
      signal: subscriber.abort.signal,
    });
    if (!response.ok || !response.body) throw new Error(`subscription refused: ${response.status} ${await response.text()}`);
    const decoder = new TextDecoder();
    const reader = response.body.getReader();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      const text = decoder.decode(chunk.value, { stream: true });
      for (let index = text.indexOf('event: next'); index >= 0; index = text.indexOf('event: next', index + 1))
        subscriber.arrivals.push(performance.now());
    }
  })().catch((error: unknown) => {
    if (!subscriber.abort.signal.aborted) {
      subscriber.arrivals.push(Number.NaN);
      console.error(`live bench subscriber failed: ${String(error)}`);
    }
  });
  return subscriber;
}

export async function measureLive(
  stack: Stack,
  options: { subscribers: number; productCount: number; changes: number; progress: (message: string) => void },
): Promise<LiveResult> {
  const url = stack.graphql['bff-web'];
  const document = loadClientOperations('web').get('ProductStock')!.document;
  const followed = products.filter((product) => product.stockQuantity > 0).slice(0, options.productCount);
  const admin = await signInAdmin(url);

  // The event's own publication time, where the bus is Redis: the latency then excludes the outbox relay's poll interval.
  const published = new Map<string, number>();
  const bus = stack.redisUrl ? new RedisStreamsBus({ kind: 'standalone', url: stack.redisUrl }) : undefined;
  const broadcast = bus?.broadcast({
    streams: [catalogEvents.stream(stack.runPrefix)],
    handler: (event: Envelope) => {
      const productId = (event.payload as { productId?: string }).productId;
      if (event.type === 'ProductChanged' && productId && !published.has(productId)) published.set(productId, performance.now());
    },
  });
  await broadcast?.ready;

  const before = await stack.metrics('bff-web');
  const subscribers: Subscriber[] = [];
  for (let index = 0; index < options.subscribers; index += 1) {
    subscribers.push(subscribe(url, document, followed[index % followed.length]!.id));
    // Opened in small bursts, as clients arrive, not in one synchronous flood.
    if (index % 50 === 49)
      await waitFor(() => subscribers.every((subscriber) => subscriber.arrivals.length >= 1), 'the current states');
  }
  await waitFor(() => subscribers.every((subscriber) => subscriber.arrivals.length >= 1), 'every current state');
  if (subscribers.some((subscriber) => subscriber.arrivals.some(Number.isNaN)))
    throw new Error('live bench: a subscription failed');
  // Idle: let the allocation of the opening settle before reading memory.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const after = await stack.metrics('bff-web');
  const perThousand = (name: string) => ((metric(after, name) - metric(before, name)) * 1000) / options.subscribers;
  options.progress(`live: ${options.subscribers} subscriptions open on bff-web; ${options.changes} price changes ...`);

  const latencies: number[] = [];
  let missed = 0;
  for (let change = 0; change < options.changes; change += 1) {
    const product = followed[change % followed.length]!;
    const audience = subscribers.filter((subscriber) => subscriber.productId === product.id);
    const seen = audience.map((subscriber) => subscriber.arrivals.length);
    published.delete(product.id);
    const committed = performance.now();
    await updatePrice(url, admin, product.id, product.priceAmount + 100 + change);
    try {
      await waitFor(
        () => audience.every((subscriber, index) => subscriber.arrivals.length > seen[index]!),
        'every follower told',
        15_000,
      );
    } catch {
      missed += audience.filter((subscriber, index) => subscriber.arrivals.length <= seen[index]!).length;
    }
    const origin = published.get(product.id) ?? committed;
    for (const [index, subscriber] of audience.entries()) {
      const arrival = subscriber.arrivals[seen[index]!];
      if (arrival !== undefined) latencies.push(arrival - origin);
    }
  }
  for (const subscriber of subscribers) subscriber.abort.abort();
  await broadcast?.stop();
  await bus?.close();
  const sorted = latencies.sort((a, b) => a - b);
  return {
    subscribers: options.subscribers,
    products: followed.length,
    rssPerThousandBytes: perThousand('process_resident_memory_bytes'),
    heapPerThousandBytes: perThousand('nodejs_heap_size_used_bytes'),
    changes: options.changes,
    latencyFrom: bus ? 'event published' : 'change committed',
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    maxMs: sorted.at(-1) ?? 0,
    missed,
  };
}

async function signInAdmin(url: string): Promise<string> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: 'mutation { logIn(email: "admin@example.com", password: "admin-password-1") { userErrors { message } } }',
    }),
  });
  const cookies = response.headers
    .getSetCookie()
    .map((cookie) => cookie.split(';')[0])
    .join('; ');
  if (!cookies) throw new Error(`live bench: admin sign-in failed: ${await response.text()}`);
  return cookies;
}

async function updatePrice(url: string, cookie: string, id: string, priceAmount: number): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({
      query:
        'mutation Price($id: ID!, $price: Int!) { updateProduct(id: $id, input: { priceAmount: $price }) { userErrors { message } } }',
      variables: { id, price: priceAmount },
    }),
  });
  const body = (await response.json()) as { errors?: unknown; data?: { updateProduct: { userErrors: unknown[] } } };
  if (body.errors || body.data?.updateProduct.userErrors.length)
    throw new Error(`live bench: price change refused: ${JSON.stringify(body)}`);
}
