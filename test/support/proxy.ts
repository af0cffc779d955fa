import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface StallingProxy {
  /** The GraphQL URL through the proxy. */
  url: string;
  /** From now on, hold every byte sent to the target: the service looks hung. */
  stall(): void;
  /** Forward again, including what was held (also ends `fail`). */
  resume(): void;
  /**
   * From now on, read each HTTP request and fail it without contacting the target: `reset`
   * closes the connection (a crashed or restarting service), `unavailable` answers 503 (a load
   * balancer with no healthy instance). Every request failed this way is recorded.
   */
  fail(mode?: 'reset' | 'unavailable'): void;
  /**
   * Stops listening and drops every connection: callers are refused, as when the service's
   * process is killed. `revive` listens again on the same port.
   */
  kill(): Promise<void>;
  revive(): Promise<void>;
  /** Client connections accepted so far. */
  connections(): number;
  /** Bodies of the requests failed so far (see `fail`), oldest first. */
  failedRequests(): string[];
  close(): Promise<void>;
}

/** Splits complete HTTP/1.1 requests (Content-Length bodies) off the front of `buffer`. */
function takeRequests(buffer: Buffer): { bodies: string[]; rest: Buffer } {
  const bodies: string[] = [];
  let rest = buffer;
  for (;;) {
    const headerEnd = rest.indexOf('\r\n\r\n');
    if (headerEnd < 0) break;
    const head = rest.subarray(0, headerEnd).toString('latin1');
    const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
    const end = headerEnd + 4 + length;
    if (rest.length < end) break;
    bodies.push(rest.subarray(headerEnd + 4, end).toString('utf8'));
    rest = rest.subarray(end);
  }
  return { bodies, rest };
}

/**
 * A TCP proxy in front of a real service that can make it hang without stopping it: the
 * way a subgraph stuck on a lock or a GC pause looks to its callers.
 */
export async function startStallingProxy(targetUrl: string): Promise<StallingProxy> {
  const target = new URL(targetUrl);
  let stalled = false;
  let failing: 'reset' | 'unavailable' | undefined;
  let connections = 0;
  const failed: string[] = [];
  const held: Array<() => void> = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    connections += 1;
    sockets.add(client);
    // The target is contacted only when there is something to forward.
    let upstream: net.Socket | undefined;
    let pending: Buffer = Buffer.alloc(0);
    const closeBoth = () => {
      client.destroy();
      upstream?.destroy();
    };
    const connectUpstream = () => {
      if (upstream) return upstream;
      upstream = net.connect(Number(target.port), target.hostname);
      sockets.add(upstream);
      upstream.on('data', (chunk) => client.write(chunk));
      upstream.on('close', closeBoth).on('error', closeBoth);
      return upstream;
    };
    client.on('data', (chunk) => {
      if (failing) {
        const { bodies, rest } = takeRequests(Buffer.concat([pending, chunk]));
        pending = rest;
        if (bodies.length === 0) return;
        failed.push(...bodies);
        if (failing === 'unavailable') {
          client.end(
            'HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\ncontent-length: 11\r\nconnection: close\r\n\r\nunavailable',
          );
          upstream?.destroy();
        } else {
          closeBoth();
        }
        return;
      }
      const forward = () => {
        // A caller that gave up (timed out) while the proxy held its bytes is not replayed.
        if (!client.destroyed) connectUpstream().write(chunk);
      };
      if (stalled) held.push(forward);
      else forward();
    });
    client.on('close', closeBoth).on('error', closeBoth);
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  const stopListening = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    await closed;
  };
  await listen(0);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${target.pathname}`,
    stall: () => {
      stalled = true;
    },
    resume: () => {
      stalled = false;
      failing = undefined;
      for (const forward of held.splice(0)) forward();
    },
    fail: (mode = 'reset') => {
      failing = mode;
    },
    kill: stopListening,
    revive: () => listen(port),
    connections: () => connections,
    failedRequests: () => [...failed],
    close: async () => {
      if (server.listening) await stopListening();
    },
  };
}
