import http from 'node:http';
import { afterEach, describe, expect, it } from '@jest/globals';
import { listen, type RunningServer } from './listen.js';
import { drainMsFor } from './lifecycle.js';

/** One GET over `agent`, resolving with the status, the Connection header and the body. */
function get(port: number, agent: http.Agent, path = '/') {
  return new Promise<{ status: number; connection: string | undefined; body: string }>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode!, connection: response.headers.connection, body }));
      })
      .on('error', reject);
  });
}

describe('closing a server that clients keep connections open to', () => {
  const agents: http.Agent[] = [];
  const opened: RunningServer[] = [];
  afterEach(async () => {
    for (const agent of agents.splice(0)) agent.destroy();
    for (const running of opened.splice(0)) running.server.closeAllConnections();
  });

  it('answers the request in flight with Connection: close and closes every kept-alive connection, so close() ends at once', async () => {
    // A handler that holds its response until the test lets it go.
    let arrived!: () => void;
    const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const server = http.createServer((request, response) => {
      if (request.url === '/slow') {
        arrived();
        void released.then(() => response.end('slow'));
      } else {
        response.end('fast');
      }
    });
    const running = await listen(server, 0, '127.0.0.1');
    opened.push(running);
    const busy = new http.Agent({ keepAlive: true });
    const idle = new http.Agent({ keepAlive: true });
    agents.push(busy, idle);

    // An idle kept-alive connection, and one busy with a request when close() is called.
    expect((await get(running.port, idle)).connection).toBe('keep-alive');
    const slow = get(running.port, busy, '/slow');
    await requestArrived;
    let closed = false;
    const closing = running.close().then(() => (closed = true));
    expect(closed).toBe(false);
    release();

    const answer = await slow;
    expect(answer).toEqual({ status: 200, connection: 'close', body: 'slow' });
    // Node's own close() would wait the 65 s keep-alive of the busy connection; the test's timeout is far shorter.
    await closing;
    expect(closed).toBe(true);
    await expect(get(running.port, new http.Agent())).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('SHUTDOWN_DRAIN_MS', () => {
  it('is what is set, else 5 s in production and none elsewhere', () => {
    expect(drainMsFor({ NODE_ENV: 'production', SHUTDOWN_DRAIN_MS: undefined })).toBe(5_000);
    expect(drainMsFor({ NODE_ENV: 'development', SHUTDOWN_DRAIN_MS: undefined })).toBe(0);
    expect(drainMsFor({ NODE_ENV: 'test' })).toBe(0);
    expect(drainMsFor({ NODE_ENV: 'production', SHUTDOWN_DRAIN_MS: 0 })).toBe(0);
    expect(drainMsFor({ NODE_ENV: 'development', SHUTDOWN_DRAIN_MS: 1_500 })).toBe(1_500);
  });
});
