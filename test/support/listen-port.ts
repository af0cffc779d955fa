import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';

/** Linux's range for the local ports of outgoing connections (and of `listen(0)`). */
function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low && high) return [low, high];
  } catch {
    // not Linux: the IANA range
  }
  return [49152, 65535];
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
  });
}

/**
 * A free port for a process that listens on it later, maybe several times (an instance
 * restarted behind a balancer that names its port). Taken below the ephemeral range: a port
 * from `listen(0)` can meanwhile become the local port of any outgoing connection on the
 * machine, or another test's server, and a service restarted on it would fail to bind while a
 * stranger answers its health checks.
 */
const handedOut = new Set<number>();

export async function listenPort(): Promise<number> {
  const [ephemeralLow] = ephemeralRange();
  const low = 20_000;
  const high = Math.max(low + 1_000, Math.min(ephemeralLow, 32_768));
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const port = randomInt(low, high);
    // Free now, but maybe already promised to a process of this test that is not listening yet.
    if (handedOut.has(port) || !(await canListen(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port between ${low} and ${high}`);
}
