import { spawn, type ChildProcess } from 'node:child_process';
import { repositoryRoot } from '@storefront/db';

/** A port that was free a moment ago, for services started as separate processes (the bench's own helper). */
export { freePort } from '../../bench/stack.js';

export interface RunningProcess {
  child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** Resolves when its output contains `text`; rejects if it exits first. */
  waitFor(text: string): Promise<void>;
  /**
   * Sends SIGTERM to the command's whole process group (npm, its shell, the service), as
   * Ctrl-C or a process manager does, and resolves once every process holding its output
   * has exited, with npm's exit code or signal.
   */
  terminate(): Promise<number | NodeJS.Signals | null>;
}

/** Runs a command from the repository root, as a developer would in a terminal. */
export function runCommand(command: string, args: string[], env: NodeJS.ProcessEnv): RunningProcess {
  const child = spawn(command, args, {
    cwd: repositoryRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const listeners = new Set<() => void>();
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    // 'close' waits for the output pipes too, so for every descendant to have exited.
    child.once('close', (code, signal) => resolve(code ?? signal)),
  );
  for (const stream of [child.stdout, child.stderr]) {
    stream.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      for (const listener of listeners) listener();
    });
  }
  return {
    child,
    output: () => output,
    waitFor: (text) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (output.includes(text)) {
            listeners.delete(check);
            resolve();
          }
        };
        listeners.add(check);
        check();
        void exited.then((code) => {
          if (!output.includes(text)) reject(new Error(`exited (${code}) before printing "${text}":\n${output.slice(-3000)}`));
        });
      }),
    terminate: async () => {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGTERM');
      return exited;
    },
  };
}
