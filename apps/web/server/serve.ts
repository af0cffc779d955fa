import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sirv from 'sirv';
import { RUNTIME_CONFIG_PATH, type RuntimeConfig } from './config.js';

/** Where `npm run build -w apps/web` (scripts/build.mjs) puts the built app. */
export const DIST_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist');

export interface RunningWebApp {
  /**
   * http://localhost:<port>: the origin the BFF allows by default, and the same site as a BFF
   * on localhost, whose SameSite=Lax session cookies the browser then sends along.
   */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Serves the built app: its files, index.html for every client-side route, and the runtime
 * config at /config.json. Hashed assets are cached for good; index.html and the config are
 * revalidated, so a new build or another BFF URL is picked up on the next load.
 */
export async function serveWebApp(options: {
  port: number;
  host?: string;
  runtime: RuntimeConfig;
  distDir?: string;
}): Promise<RunningWebApp> {
  const distDir = options.distDir ?? DIST_DIR;
  if (!existsSync(path.join(distDir, 'index.html')))
    throw new Error(`The web app is not built (no ${distDir}/index.html); run npm run build.`);
  const runtimeBody = JSON.stringify(options.runtime);
  const files = sirv(distDir, {
    single: true,
    etag: true,
    setHeaders(response, pathname) {
      response.setHeader('cache-control', pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  const server = http.createServer((request, response) => {
    if (request.url?.split('?')[0] === RUNTIME_CONFIG_PATH) {
      response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(runtimeBody);
      return;
    }
    files(request, response, () => {
      response.writeHead(404, { 'content-type': 'text/plain' });
      response.end('Not found');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
