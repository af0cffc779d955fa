import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { serviceCommand, serviceProcessEnv } from '@storefront/config';
import { repositoryRoot } from '@storefront/db';
import { serviceNamed, type ServiceName } from '@storefront/stack';

/** Compiles every workspace to `dist/` (a second or two), as `npm start` does before starting services. */
export function buildServices(): void {
  execFileSync(process.execPath, [path.join(repositoryRoot, 'scripts', 'build.mjs')], { stdio: 'ignore' });
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * One instance of a service, run as it is deployed: its own Node process on the compiled
 * entry point (`node --conditions=storefront-dist <workspace>/dist/main.js`), on a port of its
 * own that stays the same across restarts (the load balancer's configuration names it). Its
 * environment must log at `info` or more: `ready()` waits for its "ready" line.
 */
export class ServiceProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<Exit> | undefined;
  private lines: string[] = [];
  /** Whether the current run has logged that it listens (`<service> ready`). */
  private announced = false;

  constructor(
    readonly service: ServiceName,
    /** `users-0`, `bff-web-1`, ...: also its server name in the load balancer. */
    readonly name: string,
    readonly port: number,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get graphqlUrl(): string {
    return `${this.origin}/graphql`;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last lines it printed (all of its runs), for failure messages. */
  tail(): string {
    return this.lines.slice(-40).join('\n');
  }

  /** Starts the process; `ready()` says when it serves. */
  start(): void {
    if (this.running) throw new Error(`${this.name} is already running`);
    const { workspace, portVariable } = serviceNamed(this.service);
    const child = spawn(process.execPath, serviceCommand(workspace), {
      cwd: repositoryRoot,
      env: serviceProcessEnv({ ...process.env, ...this.env, [portVariable]: String(this.port) }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.announced = false;
    for (const stream of [child.stdout, child.stderr]) {
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const lines = chunk.split('\n').filter(Boolean);
        if (lines.some((line) => /"msg":"[^"]* ready"/.test(line))) this.announced = true;
        this.lines.push(...lines.map((line) => `[${this.name}] ${line}`));
        if (this.lines.length > 200) this.lines.splice(0, this.lines.length - 200);
      });
    }
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /**
   * Resolves once this process has logged that it listens and `/health/ready` answers 200
   * (the log line proves the port is its own, not a stranger's); fails if it exits first.
   */
  async ready(timeoutMs = 300_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`${this.name} exited before it was ready:\n${this.tail()}`);
      const status = await fetch(`${this.origin}/health/ready`).then(
        (response) => response.status,
        () => 0,
      );
      if (status === 200 && this.announced) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${this.name} was not ready within ${timeoutMs} ms:\n${this.tail()}`);
  }

  /**
   * Sends `signal` (SIGTERM: the service drains, then stops) and resolves with how it exited;
   * a process still there after `timeoutMs` is killed, and that shows in the result.
   */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 20_000): Promise<Exit> {
    if (!this.child || !this.exited) return { code: null, signal: null };
    if (this.running) this.child.kill(signal);
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The Prometheus text of its /metrics. */
  async metrics(): Promise<string> {
    const response = await fetch(`${this.origin}/metrics`);
    if (!response.ok) throw new Error(`${this.name} /metrics answered ${response.status}`);
    return response.text();
  }
}
