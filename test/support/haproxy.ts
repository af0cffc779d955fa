import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { listenPort } from './listen-port.js';

export const HAPROXY = '/usr/sbin/haproxy';

/** Fails with what to do when a tool the scale-out tests run is not installed. */
export function requireInstalled(binary: string): void {
  if (!existsSync(binary)) throw new Error(`${binary} is not installed: run scripts/ensure-tools.sh (as root; .ci/run does)`);
}

export interface BalancedService {
  /** Frontend and backend name, e.g. `bff-web`. */
  name: string;
  /** The instances' servers: `name` is how HAProxy reports it (and the X-Served-By header). */
  servers: ReadonlyArray<{ name: string; port: number }>;
}

export interface HaproxyOptions {
  services: readonly BalancedService[];
  /**
   * The address HAProxy connects to the servers from (a loopback alias such as 127.0.0.3), so
   * that its own address differs from every client's and a service can trust exactly it.
   */
  sourceAddress: string;
  /** Health checks: GET this path every `intervalMs`; `fall` failures take a server out, `rise` successes put it back. */
  check: { path: string; intervalMs: number; fall: number; rise: number };
}

export interface Haproxy {
  /** `http://127.0.0.1:<port>` of each service's frontend. */
  urls: Record<string, string>;
  /** The servers' states as HAProxy sees them (`UP`, `DOWN`, `UP 1/2` while going down, ...), by `<service>/<server>`. */
  states(): Promise<Map<string, string>>;
  /** The last lines HAProxy logged (one per request, and every server state change). */
  log(): string;
  /** Resolves once HAProxy reports `server` of `service` fully UP or DOWN. */
  waitFor(service: string, server: string, state: 'UP' | 'DOWN', timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The configuration: one frontend and backend per service, round-robin over its servers,
 * which are health-checked on their readiness endpoint. `option forwardfor` appends the
 * client's address to X-Forwarded-For (a header the client sent stays, before it: the
 * services take the right-most address the balancer added, never the client's own claim).
 * `retries` with `redispatch` move a request whose connection was refused to another server
 * (only when no byte of it was sent, so never a mutation that may have run). Each request is
 * logged (to its output, for failure messages).
 */
function configuration(options: HaproxyOptions, ports: Record<string, number>, statsPort: number): string {
  const { check } = options;
  const sections = [
    `global
  maxconn 4096
  log stderr format raw local0 info

defaults
  mode http
  log global
  option httplog
  timeout connect 2s
  timeout client 30s
  timeout server 60s
  timeout check 5s
  timeout http-keep-alive 10s
  option forwardfor
  option redispatch 1
  retries 3
  balance roundrobin
  option httpchk
  http-check send meth GET uri ${check.path}
  http-check expect status 200
  default-server check inter ${check.intervalMs} fall ${check.fall} rise ${check.rise}

listen stats
  bind 127.0.0.1:${statsPort}
  stats enable
  stats uri /stats`,
  ];
  for (const service of options.services) {
    sections.push(`frontend ${service.name}
  bind 127.0.0.1:${ports[service.name]}
  default_backend ${service.name}

backend ${service.name}
  source ${options.sourceAddress}
  http-response set-header X-Served-By %s
  # Node advertises its own 65 s keep-alive; passed on, clients would keep idle connections
  # longer than HAProxy does (timeout http-keep-alive) and reuse ones it already closed.
  http-response del-header keep-alive
${service.servers.map((server) => `  server ${server.name} 127.0.0.1:${server.port}`).join('\n')}`);
  }
  return `${sections.join('\n\n')}\n`;
}

function parseStates(csv: string): Map<string, string> {
  const [header = '', ...rows] = csv.trim().split('\n');
  const columns = header.replace(/^# /, '').split(',');
  const at = (name: string) => columns.indexOf(name);
  const states = new Map<string, string>();
  for (const row of rows) {
    const fields = row.split(',');
    const server = fields[at('svname')]!;
    if (server === 'FRONTEND' || server === 'BACKEND') continue;
    states.set(`${fields[at('pxname')]}/${server}`, fields[at('status')]!);
  }
  return states;
}

/** Starts HAProxy (Debian's package) in the foreground with a configuration of its own, on free ports. */
export async function startHaproxy(options: HaproxyOptions): Promise<Haproxy> {
  requireInstalled(HAPROXY);
  const dir = await mkdtemp(path.join(tmpdir(), 'storefront-haproxy-'));
  const ports = Object.fromEntries(
    await Promise.all(options.services.map(async (service) => [service.name, await listenPort()] as const)),
  );
  const statsPort = await listenPort();
  const file = path.join(dir, 'haproxy.cfg');
  await writeFile(file, configuration(options, ports, statsPort));

  let output = '';
  const child: ChildProcess = spawn(HAPROXY, ['-db', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout!, child.stderr!]) {
    stream.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-200_000);
    });
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const states = async () => {
    const response = await fetch(`http://127.0.0.1:${statsPort}/stats;csv`);
    return parseStates(await response.text());
  };
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`haproxy exited (${child.exitCode}):\n${output}`);
    if (
      await states().then(
        () => true,
        () => false,
      )
    )
      break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`haproxy did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  return {
    urls: Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, `http://127.0.0.1:${port}`])),
    states,
    log: () => output.split('\n').slice(-300).join('\n'),
    async waitFor(service, server, state, timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs;
      let seen: string | undefined;
      while (Date.now() < until) {
        seen = (await states()).get(`${service}/${server}`);
        // `UP 1/2` is a server on its way down, `DOWN 1/2` one on its way up: wait for the whole transition.
        if (seen === state) return;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`haproxy did not see ${service}/${server} ${state} within ${timeoutMs} ms (last: ${seen})`);
    },
    stop,
  };
}
