import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gracefulCloser } from './lifecycle.js';

export interface RunningServer {
  server: http.Server;
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Listens on `port` (0 picks a free one) and resolves once it accepts connections. */
export async function listen(server: http.Server, port: number, host = '0.0.0.0'): Promise<RunningServer> {
  // Keep-alive longer than typical load balancers' idle timeouts, so they close first.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const close = gracefulCloser(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    server,
    port: address.port,
    url: `http://localhost:${address.port}/graphql`,
    close,
  };
}
