import { setFlagsFromString } from 'node:v8';

/**
 * Makes V8 collect the old generation once it has grown `percent` % past what survived the
 * last full collection (V8's `--heap-growing-percent`), instead of letting it grow by up to
 * 4x. Call it once at startup; `0` leaves V8's own sizing alone.
 *
 * Why: on a machine with gigabytes of memory V8 sizes the heap for throughput. A process that
 * allocates fast (the gateway: about 600 KB per federated request, mostly Apollo's result
 * shaping) then piles up garbage between full collections: under load the gateway's heap
 * grew to 210-240 MB for 45-70 MB live, and its RSS climbed round after round (145 → 300 MB)
 * although nothing was retained (a forced GC brought it back to about 105 MB). At 50 % it
 * stays flat around 165 MB, for some 10-20 % more CPU per request (more full collections).
 *
 * Set in the process rather than as a node flag, so that no launcher can drop it (an empty
 * NODE_OPTIONS once silently dropped the benchmark's heap cap), and unlike
 * `--max-old-space-size` it is no ceiling that a burst of traffic could crash into. V8 reads
 * it at each full collection, so setting it after start takes effect.
 */
export function limitHeapGrowth(percent: number): void {
  // One given on the command line wins (NODE_OPTIONS cannot carry this flag).
  const given = process.execArgv.some((flag) => /^--heap[-_]growing[-_]percent\b/.test(flag));
  if (percent > 0 && !given) setFlagsFromString(`--heap-growing-percent=${Math.round(percent)}`);
}
