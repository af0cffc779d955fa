// `npm run bench [-- --quick]`: every path side by side with its peers and its physical
// ceiling, measured in one run (issue 7). Starts the stack (Postgres and Redis when
// DATABASE_URL / REDIS_URL are set, embedded otherwise), loads it from a separate process
// at fixed concurrency, alternates the arms over several rounds after a warm-up, and prints
// one table of medians; the raw figures go to bench/results/<time>.json.
//
// Options: --quick (under 3 minutes), --rounds N, --duration S (per arm per round),
// --warmup S, --connections N, --no-hive (skip the Hive Gateway peers), --soak S (seconds of
// the mix for the soak arm), --soak-rate R (its arrivals per second instead of half the rate the
// mix's search finds; with --arms soak the search is skipped), --arms id,id (only these load arms, plus the ceilings; `live`,
// `mix`, `soak` and `cold-start` name the arms that are not rounds of load),
// --profile <process> (run a service, a second gateway instance, a peer or a ceiling under
// node --cpu-prof; .cpuprofile files in bench/results/profiles).
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { hiveVersion, startHarness, type Harness, type MemoryRow } from './harness.js';
import type { LoadResult } from './load/spec.js';
import { measureLive, type LiveResult } from './live.js';
import { measureColdStart, type ColdStartResult } from './cold-start.js';
import type { MixResult } from './load/spec.js';
import {
  mixTargets,
  renderMix,
  renderTable,
  summarize,
  summarizeMemory,
  targets,
  type MixSummary,
  type SoakSummary,
} from './report.js';
import { repositoryRoot, SERVICE_NAMES } from './stack.js';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string' },
    'no-hive': { type: 'boolean', default: false },
    profile: { type: 'string' },
    arms: { type: 'string' },
    soak: { type: 'string' },
    'soak-rate': { type: 'string' },
  },
});

const quick = args.quick;
const config = {
  quick,
  rounds: Number(args.rounds ?? (quick ? 2 : 3)),
  durationSeconds: Number(args.duration ?? (quick ? 2 : 5)),
  warmupSeconds: Number(args.warmup ?? (quick ? 1 : 2)),
  /** Seconds per probe of the mix's rate search, of its run at half the rate, and of the soak. */
  mixProbeSeconds: quick ? 2 : 3,
  mixHalfSeconds: quick ? 4 : 10,
  soakSeconds: Number(args.soak ?? (quick ? 20 : 240)),
  /** Arrivals per second of the soak; unset: half the rate the mix's search finds. */
  soakRate: args['soak-rate'] === undefined ? undefined : Number(args['soak-rate']),
  connections: Number(args.connections ?? 16),
  sqlSizes: [10, 100] as const,
  sqlTrials: quick ? 4 : 8,
  extraOrders: 100,
  databaseUrl: process.env.DATABASE_URL || undefined,
  redisUrl: process.env.REDIS_URL || undefined,
};
if (config.soakRate !== undefined && !(config.soakRate > 0)) {
  process.stderr.write('--soak-rate takes arrivals per second, above 0\n');
  process.exit(2);
}

const PROFILABLE = [
  ...SERVICE_NAMES,
  'gateway-nodedup',
  'gateway-engine',
  'peer-apollo',
  'peer-hive',
  'peer-apollo-engine',
  'peer-hive-nodedup',
  'peer-hive-engine',
  'constant-subgraphs',
  'ceiling-fixed',
  'ceiling-redis',
];
/** Arms that are not rounds of load, selected by --arms like the others. */
const OTHER_ARMS = ['live', 'mix', 'soak', 'cold-start'];
const profiled = args.profile;
if (profiled && !PROFILABLE.includes(profiled)) {
  console.error(`--profile takes one of ${PROFILABLE.join(', ')}`);
  process.exit(2);
}
/** --arms a,b: only these load arms (the two ceilings always run: every ratio needs them). */
const onlyArms = args.arms
  ?.split(',')
  .map((id) => id.trim())
  .filter(Boolean);

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0).padStart(3)}s`;
const progress = (message: string) => process.stderr.write(`[bench ${elapsed()}] ${message}\n`);
const resultsDir = path.join(repositoryRoot, 'bench', 'results');
const profileDir = path.join(resultsDir, 'profiles');

const machine = {
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? 'unknown',
  memoryGb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
  platform: `${os.platform()} ${os.release()}`,
  node: process.version,
  loadAverageAtStart: os.loadavg().map((value) => Math.round(value * 100) / 100),
};

/** Samples of memory along a soak: enough that a collector's sawtooth averages out over a third of them. */
const SOAK_SAMPLES = 15;

const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

/**
 * The mix at one rate for `seconds` after a warm-up at that rate (a fifth of it, at most 30 s,
 * not counted), each service's memory read SOAK_SAMPLES times, evenly spaced. RSS read once at
 * each end swings with the collector (±15% seen on a BFF within a minute), so growth is the mean
 * of the last third of the samples against the mean of the first third: a leak still shows, a
 * sawtooth does not pass for one.
 */
async function soakWithSamples(h: Harness, rate: number, seconds: number): Promise<Omit<SoakSummary, 'seconds'>> {
  // A process settles at a new rate over its first seconds there (heap and allocator sizing,
  // compiled code, pools): that is the warm-up of a soak, not what it measures.
  const warmSeconds = Math.min(30, Math.ceil(seconds / 5));
  await h.mix(rate, warmSeconds);
  const samples: MemoryRow[][] = [await h.memory()];
  const started = Date.now();
  const ended = new AbortController();
  const running = h.mix(rate, seconds).finally(() => ended.abort());
  const sampling = (async () => {
    for (let sample = 1; sample < SOAK_SAMPLES - 1; sample += 1) {
      const due = started + (sample * seconds * 1000) / (SOAK_SAMPLES - 1) - Date.now();
      const waited = await sleep(Math.max(0, due), true, { signal: ended.signal }).catch(() => false);
      if (!waited) return;
      samples.push(await h.memory());
    }
  })();
  const result = await running;
  await sampling;
  samples.push(await h.memory());
  const serviceRows = (rows: MemoryRow[]) => rows.filter((row) => (SERVICE_NAMES as readonly string[]).includes(row.process));
  const [first, last] = [samples[0]!, samples.at(-1)!];
  const third = Math.max(1, Math.floor(samples.length / 3));
  return {
    result,
    memory: serviceRows(last).map((end) => {
      const rssSeries = samples.map((rows) => rows.find((row) => row.process === end.process)?.rssBytes ?? NaN);
      const start = first.find((row) => row.process === end.process);
      const [early, late] = [mean(rssSeries.slice(0, third)), mean(rssSeries.slice(-third))];
      return {
        process: end.process,
        rssSeries,
        rssStart: start?.rssBytes ?? NaN,
        rssEnd: end.rssBytes,
        heapStart: start?.heapUsedBytes,
        heapEnd: end.heapUsedBytes,
        externalStart: start?.externalBytes,
        externalEnd: end.externalBytes,
        growthPercent: ((late - early) / early) * 100,
      };
    }),
  };
}

/**
 * The highest arrival rate of the mix with p99 under 100 ms and no errors: after a warm-up at 10/s, doubling from 10/s
 * until a probe fails, then halving the gap three times; then a longer run at half that rate.
 */
async function searchMix(h: Harness): Promise<MixSummary> {
  const probes: MixSummary['probes'] = [];
  const holds = (result: MixResult) => result.p99 < 100 && result.errors === 0;
  const probe = async (rate: number) => {
    const result = await h.mix(rate, config.mixProbeSeconds);
    probes.push({
      rate,
      p50: result.p50,
      p99: result.p99,
      errors: result.errors,
      answered: result.answered,
      dropped: result.dropped,
    });
    progress(
      `mix ${String(rate).padStart(5)}/s: p50 ${result.p50.toFixed(1)} p99 ${result.p99.toFixed(1)} ms, errors ${result.errors}${result.firstError ? `  first: ${result.firstError.slice(0, 160)}` : ''}`,
    );
    return holds(result);
  };
  // Warm: caches filled and connections open, as on a shop that has been running.
  await h.mix(10, config.mixProbeSeconds);
  let good = 0;
  let bad = Infinity;
  for (let rate = 10; rate <= 5120; rate *= 2) {
    if (await probe(rate)) good = rate;
    else {
      bad = rate;
      break;
    }
  }
  for (let step = 0; step < 3 && Number.isFinite(bad) && bad - good > Math.max(5, good * 0.1); step += 1) {
    const middle = Math.round((good + bad) / 2);
    if (await probe(middle)) good = middle;
    else bad = middle;
  }
  const halfRate = Math.max(1, Math.round(good / 2));
  const half = await h.mix(halfRate, config.mixHalfSeconds);
  progress(
    `mix at half (${halfRate}/s): p50 ${half.p50.toFixed(1)} p99 ${half.p99.toFixed(1)} ms, hits ${half.hits}/${half.cacheable}, errors ${half.errors}`,
  );
  return { sustainedRate: good, probes, half };
}

let harness: Harness | undefined;
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    progress(`${signal}: stopping the stack ...`);
    void (harness?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  });
}

try {
  progress(
    `${quick ? 'quick' : 'full'} run: ${config.rounds} rounds x ${config.durationSeconds}s per arm after a ${config.warmupSeconds}s warm-up, ` +
      `${config.connections} connections; ${machine.cpus} x ${machine.cpuModel}, load ${machine.loadAverageAtStart.join(' ')}`,
  );
  if (profiled) await mkdir(profileDir, { recursive: true });
  harness = await startHarness({
    databaseUrl: config.databaseUrl,
    redisUrl: config.redisUrl,
    extraOrders: config.extraOrders,
    hive: !args['no-hive'],
    installHive: true,
    progress,
    ...(profiled ? { profile: { process: profiled, dir: profileDir } } : {}),
  });
  const h = harness;
  if (onlyArms) {
    const unknown = onlyArms.filter(
      (id) => !OTHER_ARMS.includes(id) && !h.arms.some((arm) => arm.id === id) && !h.skipped.some((arm) => arm.id === id),
    );
    if (unknown.length > 0)
      throw new Error(`--arms: no arm ${unknown.join(', ')} (arms: ${h.arms.map((arm) => arm.id).join(', ')})`);
    h.arms = h.arms.filter((arm) => arm.kind === 'ceiling' || onlyArms.includes(arm.id));
  }
  for (const arm of h.skipped) progress(`NOT RUN: ${arm.label}: ${arm.reason}`);
  progress(`${h.arms.length} load arms; ${h.orders} orders in the database; ceiling payload ${h.payloadBytes} bytes`);

  const warmups = new Map<string, LoadResult>();
  const rounds = new Map<string, LoadResult[]>(h.arms.map((arm) => [arm.id, []]));
  const memory: MemoryRow[][] = [];
  const steps = h.arms.length * (config.rounds + 1);
  let step = 0;
  const show = (phase: string, label: string, result: LoadResult) => {
    step += 1;
    const cache =
      result.cache.HIT !== undefined || result.cache.MISS !== undefined ? ` hit ${result.cache.HIT ?? 0}/${result.requests}` : '';
    progress(
      `${String(Math.round((step / steps) * 100)).padStart(3)}% ${phase.padEnd(9)} ${label.padEnd(58)} ${result.rps.toFixed(0).padStart(6)} req/s  ` +
        `p50 ${result.p50.toFixed(1)} p99 ${result.p99.toFixed(1)} ms  errors ${result.errors}${cache}${result.firstError ? `  first error: ${result.firstError.slice(0, 160)}` : ''}`,
    );
  };

  for (const arm of h.arms) {
    const result = await h.load(arm, config.warmupSeconds, config.connections);
    warmups.set(arm.id, result);
    show('warm-up', arm.label, result);
  }
  for (let round = 0; round < config.rounds; round += 1) {
    // A B A B ...: every round runs every arm, in reverse order on odd rounds, so drift over
    // the run lands on both sides of each pair alike.
    const order = round % 2 === 0 ? h.arms : [...h.arms].reverse();
    for (const arm of order) {
      const result = await h.load(arm, config.durationSeconds, config.connections);
      rounds.get(arm.id)!.push(result);
      show(`round ${round + 1}/${config.rounds}`, arm.label, result);
    }
    memory.push(await h.memory());
  }

  progress(`SQL statements per operation at list sizes ${config.sqlSizes.join(' and ')} ...`);
  const sql = await h.statements(config.sqlSizes, config.sqlTrials);
  let live: LiveResult | undefined;
  if (!onlyArms || onlyArms.includes('live')) {
    const subscribers = quick ? 200 : 1000;
    progress(`live updates: ${subscribers} idle subscriptions on bff-web, then price changes ...`);
    live = await measureLive(h.stack, { subscribers, productCount: 10, changes: quick ? 5 : 20, progress });
  }
  const selected = (id: string) => !onlyArms || onlyArms.includes(id);
  let mix: MixSummary | undefined;
  let soak: SoakSummary | undefined;
  if (selected('mix') || selected('soak')) {
    if (selected('mix') || config.soakRate === undefined) {
      progress('the mix, open loop through both BFFs: the highest arrival rate with p99 < 100 ms ...');
      mix = await searchMix(h);
    } else {
      await h.mix(10, config.mixProbeSeconds); // warm, as the search would have
    }
    if (selected('soak') && config.soakSeconds > 0) {
      const rate = config.soakRate ?? Math.max(1, Math.round(mix!.sustainedRate / 2));
      progress(`soak: the mix at ${rate}/s for ${config.soakSeconds} s ...`);
      const soakRun = await soakWithSamples(h, rate, config.soakSeconds);
      soak = { seconds: config.soakSeconds, ...soakRun };
      const result = soakRun.result;
      progress(
        `soak: p50 ${result.p50.toFixed(1)} p99 ${result.p99.toFixed(1)} ms, errors ${result.errors}${result.firstError ? ` first: ${result.firstError.slice(0, 200)}` : ''}`,
      );
    }
  }
  const summaries = summarize(h.arms, rounds, warmups);
  const memorySummary = summarizeMemory(memory);
  const targetList = targets(rounds, summaries, h.skipped, sql, memorySummary, SERVICE_NAMES);
  const loadAtEnd = os.loadavg().map((value) => Math.round(value * 100) / 100);
  const stackMode = `${h.stack.mode.database === 'postgres' ? 'Postgres' : 'embedded Postgres (PGlite)'}, ${h.stack.mode.redis === 'redis' ? 'Redis' : 'in-process cache/bus'}`;
  const title =
    `storefront bench (${quick ? 'quick' : 'full'}) ${new Date().toISOString()} — ${machine.cpus} x ${machine.cpuModel}, ${machine.memoryGb} GB, ${machine.platform}, Node ${machine.node}\n` +
    `load average ${machine.loadAverageAtStart.join(' ')} at start, ${loadAtEnd.join(' ')} at end; ${stackMode}; ` +
    `${config.rounds} rounds x ${config.durationSeconds}s per arm, ${config.connections} connections, medians; ratios are medians of per-round ratios`;

  await harness.stop();
  harness = undefined;
  // Cold starts run alone, once the benchmark's stack is gone.
  const coldStarts: ColdStartResult[] = [];
  const coldStartFailures: string[] = [];
  if (selected('cold-start')) {
    const modes: Array<{ databaseUrl?: string | undefined; redisUrl?: string | undefined }> = [{}];
    if (config.databaseUrl) modes.push({ databaseUrl: config.databaseUrl, redisUrl: config.redisUrl });
    for (const servers of modes) {
      const what = servers.databaseUrl ? 'the Postgres and Redis servers' : 'the embedded defaults';
      progress(`cold start: npm start on ${what}, twice ...`);
      try {
        const result = await measureColdStart(servers);
        coldStarts.push(result);
        progress(
          `cold start (${result.mode}): first ${(result.firstMs / 1000).toFixed(1)} s, restart ${(result.restartMs / 1000).toFixed(1)} s`,
        );
      } catch (error) {
        // The figures measured so far are kept: the failure is reported as a missed target.
        const message = (error as Error).message;
        coldStartFailures.push(`${what}: ${message.slice(0, 300)}`);
        progress(`cold start on ${what} FAILED: ${message}`);
      }
    }
  }
  targetList.push(...mixTargets(mix, soak, coldStarts));
  for (const failure of coldStartFailures)
    targetList.push({ name: 'cold start', wanted: 'every service ready', measured: `FAILED: ${failure}`, holds: false });
  const table = renderTable({ title, summaries, skipped: h.skipped, sql, memory: memorySummary, targets: targetList });

  await mkdir(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}${quick ? '-quick' : ''}.json`);
  await writeFile(
    file,
    `${JSON.stringify(
      {
        createdAt: new Date().toISOString(),
        durationSeconds: Math.round((Date.now() - started) / 1000),
        machine: { ...machine, loadAverageAtEnd: loadAtEnd },
        config: { ...config, databaseUrl: config.databaseUrl ? 'set' : undefined, redisUrl: config.redisUrl ? 'set' : undefined },
        stack: stackMode,
        hiveGateway: hiveVersion(),
        skipped: h.skipped,
        arms: summaries,
        sql,
        memory: memorySummary,
        targets: targetList,
        ...(live ? { live } : {}),
        ...(mix ? { mix } : {}),
        ...(soak ? { soak } : {}),
        coldStarts,
        ...(profiled ? { profile: { service: profiled, dir: path.relative(repositoryRoot, profileDir) } } : {}),
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\n${table}`);
  const mixLines = renderMix(mix, soak);
  if (mixLines) console.log(`\n${mixLines}`);
  if (live) {
    const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
    console.log(
      `\nlive updates (bff-web, SSE): ${live.subscribers} subscriptions over ${live.products} products; per 1,000 idle: RSS +${mb(live.rssPerThousandBytes)}, heap +${mb(live.heapPerThousandBytes)}; ` +
        `${live.changes} changes, latency from ${live.latencyFrom} to each follower p50 ${live.p50Ms.toFixed(1)} ms, p99 ${live.p99Ms.toFixed(1)} ms, max ${live.maxMs.toFixed(1)} ms; missed ${live.missed}`,
    );
  }
  console.log(`\nfull figures: ${path.relative(process.cwd(), file)} (took ${elapsed().trim()})`);
  if (profiled) console.log(`CPU profile of ${profiled}: ${path.relative(process.cwd(), profileDir)}/*.cpuprofile`);
  process.exit(0);
} catch (error) {
  progress(`failed: ${(error as Error).stack ?? String(error)}`);
  await harness?.stop().catch(() => undefined);
  process.exit(1);
}
