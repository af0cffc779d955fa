import path from 'node:path';

/**
 * How a service process is started: its compiled entry point (`npm run build`: one file, the
 * service bundled with its imports) on plain Node, resolving the packages left outside the
 * bundle to their compiled `dist/` (the `storefront-dist` export condition; without it they
 * resolve to TypeScript sources, for tests and tools under tsx). The bundle's source map sits
 * beside it; `NODE_OPTIONS=--enable-source-maps` makes stack traces name the TypeScript sources,
 * at a price on Node 20 (about a tenth of a BFF's cache-hit throughput, measured), so it is off
 * by default.
 */
export function serviceCommand(workspaceDir: string): string[] {
  return ['--conditions=storefront-dist', path.join(workspaceDir, 'dist', 'main.js')];
}

/**
 * Environment every service process starts with (`npm start`, the benchmark, and each
 * workspace's own `start` script, which repeats it because it cannot set it from inside).
 *
 * glibc keeps memory freed by other threads in per-thread arenas, and raises its mmap
 * threshold after large frees so later large blocks stay on the heap: scrypt's 16 MB blocks
 * (password hashing) and Prisma's and pg's buffers then keep a service's RSS 40-80 MB above what it
 * uses. Two arenas and a fixed threshold give that memory back. A value already in the
 * environment wins.
 */
const SERVICE_PROCESS_ENV: Readonly<Record<string, string>> = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '131072',
};

/** The environment for a service process: `SERVICE_PROCESS_ENV` under whatever `env` sets. */
export function serviceProcessEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...SERVICE_PROCESS_ENV, ...env };
}
