import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface StallingProxy {
  /** The GraphQL URL through the proxy. */
  url: string;
  /** From now on, hold every byte sent to the target: the service looks hung. */
  stall(): void;
  /** Forward again, including what was held. */
  resume(): void;
  close(): Promise<void>;
}

/**
 * A TCP proxy in front of a real service that can make it hang without stopping it: the
 * way a subgraph stuck on a lock or a GC pause looks to its callers.
 */
export async function startStallingProxy(targetUrl: string): Promise<StallingProxy> {
  const target = new URL(targetUrl);
  let stalled = false;
  const held: Array<() => void> = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    client.on('data', (chunk) => {
      const forward = () => upstream.write(chunk);
      if (stalled) held.push(forward);
      else forward();
    });
    upstream.on('data', (chunk) => client.write(chunk));
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', closeBoth).on('error', closeBoth);
    upstream.on('close', closeBoth).on('error', closeBoth);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${target.pathname}`,
    stall: () => {
      stalled = true;
    },
    resume: () => {
      stalled = false;
      for (const forward of held.splice(0)) forward();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
