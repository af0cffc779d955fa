// Figures from the rounds: medians, per-round ratios, the targets of issue 7, and the table.
import type { Arm, MemoryRow, SkippedArm, SqlRow } from './harness.js';
import type { ColdStartResult } from './cold-start.js';
import type { LoadResult, MixResult } from './load/spec.js';

function median(values: readonly number[]): number {
  const finite = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (finite.length === 0) return NaN;
  const middle = Math.floor(finite.length / 2);
  return finite.length % 2 === 1 ? finite[middle]! : (finite[middle - 1]! + finite[middle]!) / 2;
}

export interface ArmSummary {
  id: string;
  label: string;
  kind: Arm['kind'];
  rounds: LoadResult[];
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  warmupErrors: number;
  /** Median of the per-round ratios to each ceiling's requests/s. */
  xCeiling: number;
  xRedisCeiling: number;
  /** Share of answers with `x-cache: HIT` (BFF arms). */
  hitRate?: number;
  firstError?: string;
}

export interface Target {
  name: string;
  wanted: string;
  measured: string;
  holds: boolean | undefined;
}

export interface MemorySummary {
  process: string;
  /** RSS after the last round. */
  rssBytes: number;
  /** RSS after each round. */
  perRound: number[];
  /** Growth between the last two (identical) rounds, percent. */
  growthPercent: number | undefined;
  /** The same for the V8 heap in use: RSS growing with a flat heap is the allocator or heap sizing, not live objects. */
  heapGrowthPercent?: number | undefined;
  heapUsedBytes?: number | undefined;
  externalBytes?: number | undefined;
  source: MemoryRow['source'];
}

/** Per-round ratio of two arms' figure, as a median. */
function pairedRatio(rounds: Map<string, LoadResult[]>, a: string, b: string, figure: (result: LoadResult) => number): number {
  const left = rounds.get(a);
  const right = rounds.get(b);
  if (!left || !right) return NaN;
  return median(left.map((result, index) => figure(result) / figure(right[index]!)));
}

export function summarize(arms: Arm[], rounds: Map<string, LoadResult[]>, warmups: Map<string, LoadResult>): ArmSummary[] {
  return arms.map((arm) => {
    const results = rounds.get(arm.id) ?? [];
    const answers = results.reduce((sum, result) => sum + Object.values(result.cache).reduce((a, b) => a + b, 0), 0);
    const hits = results.reduce((sum, result) => sum + (result.cache.HIT ?? 0), 0);
    const firstError = [warmups.get(arm.id), ...results].find((result) => result?.firstError)?.firstError;
    return {
      id: arm.id,
      label: arm.label,
      kind: arm.kind,
      rounds: results,
      rps: median(results.map((result) => result.rps)),
      p50: median(results.map((result) => result.p50)),
      p99: median(results.map((result) => result.p99)),
      errors: results.reduce((sum, result) => sum + result.errors, 0),
      warmupErrors: warmups.get(arm.id)?.errors ?? 0,
      xCeiling: pairedRatio(rounds, arm.id, 'ceiling-fixed', (result) => result.rps),
      xRedisCeiling: pairedRatio(rounds, arm.id, 'ceiling-redis', (result) => result.rps),
      ...(arm.kind === 'bff-hit' || arm.kind === 'bff-miss' ? { hitRate: answers > 0 ? hits / answers : 0 } : {}),
      ...(firstError ? { firstError } : {}),
    };
  });
}

export function summarizeMemory(snapshots: MemoryRow[][]): MemorySummary[] {
  const last = snapshots.at(-1) ?? [];
  return last.map((row) => {
    const perRound = snapshots.map((snapshot) => snapshot.find((other) => other.process === row.process)?.rssBytes ?? NaN);
    // Rounds alternate their arm order (A B … B A), so RSS after a round depends on which arms
    // ran last; the identical round before the last is two back (one back with only two rounds).
    const final = perRound.at(-1);
    const previous = perRound.length >= 3 ? perRound.at(-3) : perRound.at(-2);
    const heaps = snapshots.map((snapshot) => snapshot.find((other) => other.process === row.process)?.heapUsedBytes ?? NaN);
    const heapFinal = heaps.at(-1);
    const heapPrevious = heaps.length >= 3 ? heaps.at(-3) : heaps.at(-2);
    return {
      process: row.process,
      rssBytes: row.rssBytes,
      perRound,
      growthPercent: final !== undefined && previous ? ((final - previous) / previous) * 100 : undefined,
      heapGrowthPercent:
        heapFinal !== undefined && heapPrevious && Number.isFinite(heapFinal)
          ? ((heapFinal - heapPrevious) / heapPrevious) * 100
          : undefined,
      heapUsedBytes: row.heapUsedBytes,
      externalBytes: row.externalBytes,
      source: row.source,
    };
  });
}

const fixed = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

export function targets(
  rounds: Map<string, LoadResult[]>,
  summaries: ArmSummary[],
  skipped: SkippedArm[],
  sql: SqlRow[],
  memory: MemorySummary[],
  services: readonly string[],
): Target[] {
  const list: Target[] = [];
  const rps = (result: LoadResult) => result.rps;
  const p99 = (result: LoadResult) => result.p99;
  for (const [peer, floor] of [
    ['peer-hive', 1.0],
    ['peer-apollo', 0.95],
  ] as const) {
    const name = peer === 'peer-hive' ? 'Hive Gateway' : 'plain @apollo/gateway';
    if (!rounds.has('gateway')) {
      list.push({
        name: `gateway vs ${name}`,
        wanted: `>= ${floor.toFixed(2)}x req/s, <= 1.00x p99`,
        measured: 'NOT MEASURED (gateway arm not selected)',
        holds: undefined,
      });
      continue;
    }
    if (!rounds.has(peer)) {
      const why = skipped.find((arm) => arm.id === peer)?.reason ?? 'not run';
      list.push({
        name: `gateway vs ${name}: req/s`,
        wanted: `>= ${floor.toFixed(2)}x`,
        measured: `NOT MEASURED: ${why}`,
        holds: undefined,
      });
      list.push({ name: `gateway vs ${name}: p99`, wanted: '<= 1.00x', measured: 'NOT MEASURED', holds: undefined });
      continue;
    }
    const ratio = pairedRatio(rounds, 'gateway', peer, rps);
    list.push({
      name: `gateway vs ${name}: req/s`,
      wanted: `>= ${floor.toFixed(2)}x`,
      measured: `${fixed(ratio)}x`,
      holds: ratio >= floor,
    });
    const latency = pairedRatio(rounds, 'gateway', peer, p99);
    list.push({ name: `gateway vs ${name}: p99`, wanted: '<= 1.00x', measured: `${fixed(latency)}x`, holds: latency <= 1 });
  }
  for (const [hit, miss, label] of [
    ['web-hit', 'web-miss', 'bff-web'],
    ['mobile-hit', 'mobile-miss', 'bff-mobile'],
  ] as const) {
    if (!rounds.has(hit) || !rounds.has(miss)) {
      list.push({
        name: `${label} hit vs Redis ceiling and vs its miss`,
        wanted: '>= 0.60x, >= 10x',
        measured: 'NOT MEASURED (arms not selected)',
        holds: undefined,
      });
      continue;
    }
    const ceiling = pairedRatio(rounds, hit, 'ceiling-redis', rps);
    list.push({
      name: `${label} hit vs Redis ceiling`,
      wanted: '>= 0.60x',
      measured: `${fixed(ceiling)}x`,
      holds: ceiling >= 0.6,
    });
    const own = pairedRatio(rounds, hit, miss, rps);
    list.push({ name: `${label} hit vs its miss`, wanted: '>= 10x', measured: `${fixed(own, 1)}x`, holds: own >= 10 });
  }
  // Issue 16: where merging cannot help (each request a different customer).
  for (const [ours, peer, floor, name] of [
    ['engine-gateway', 'engine-apollo', 2, 'engine alone, distinct users: gateway vs @apollo/gateway'],
    ['engine-gateway', 'engine-hive', 1.3, 'engine alone, distinct users: gateway vs Hive Gateway'],
    ['users-gateway', 'users-apollo', 1.1, 'full stack, distinct users: gateway vs @apollo/gateway'],
    ['users-gateway', 'users-hive', 1.3, 'full stack, distinct users: gateway vs Hive Gateway'],
  ] as const) {
    const engine = ours.startsWith('engine');
    const wanted = `>= ${floor.toFixed(2)}x req/s${engine ? ', p99 <= 1.00x' : ''}`;
    if (!rounds.has(ours) || !rounds.has(peer)) {
      const why = skipped.find((arm) => arm.id === peer)?.reason ?? 'arms not selected';
      list.push({ name, wanted, measured: `NOT MEASURED (${why})`, holds: undefined });
      continue;
    }
    const ratio = pairedRatio(rounds, ours, peer, rps);
    const latency = pairedRatio(rounds, ours, peer, p99);
    list.push({
      name,
      wanted,
      measured: `${fixed(ratio)}x, p99 ${fixed(latency)}x`,
      holds: ratio >= floor && (!engine || latency <= 1),
    });
  }
  for (const [miss, direct, label] of [
    ['web-miss', 'web-miss-direct', 'bff-web'],
    ['mobile-miss', 'mobile-miss-direct', 'bff-mobile'],
  ] as const) {
    const name = `${label} miss vs the gateway-direct arm of what it sends`;
    if (!rounds.has(miss) || !rounds.has(direct)) {
      list.push({ name, wanted: '>= 0.70x req/s', measured: 'NOT MEASURED (arms not selected)', holds: undefined });
      continue;
    }
    const ratio = pairedRatio(rounds, miss, direct, rps);
    list.push({ name, wanted: '>= 0.70x req/s', measured: `${fixed(ratio)}x`, holds: ratio >= 0.7 });
  }
  const operations = [...new Set(sql.map((row) => row.operation))];
  const sizes = [...new Set(sql.map((row) => row.size))];
  for (const operation of operations) {
    const rows = sql.filter((row) => row.operation === operation);
    const shown = rows
      .map((row) => `${row.size}: ${Object.values(row.statements).join('/')}${row.agreeing < 2 ? '?' : ''}`)
      .join(', ');
    const same = rows.every((row) => JSON.stringify(row.statements) === JSON.stringify(rows[0]!.statements));
    list.push({
      name: `SQL per op identical at ${sizes.join(' and ')}: ${operation}`,
      wanted: 'equal',
      measured: `${shown} (users/catalog/orders)`,
      holds: same,
    });
  }
  const serviceMemory = memory.filter((row) => services.includes(row.process));
  if (serviceMemory.length > 0) {
    const largest = serviceMemory.reduce((a, b) => (a.rssBytes >= b.rssBytes ? a : b));
    list.push({
      name: 'RSS of every service after the run',
      wanted: '<= 250 MB',
      measured: `max ${fixed(largest.rssBytes / 2 ** 20, 0)} MB (${largest.process})`,
      holds: largest.rssBytes <= 250 * 2 ** 20,
    });
    const growths = serviceMemory.filter((row) => row.growthPercent !== undefined);
    if (growths.length > 0) {
      const worst = growths.reduce((a, b) => (a.growthPercent! >= b.growthPercent! ? a : b));
      list.push({
        name: 'RSS growth between the last two identical rounds',
        wanted: '< 5%',
        measured: `max ${fixed(worst.growthPercent!, 1)}% (${worst.process})`,
        holds: worst.growthPercent! < 5,
      });
    } else {
      list.push({
        name: 'RSS growth between the last two identical rounds',
        wanted: '< 5%',
        measured: 'needs 2 rounds',
        holds: undefined,
      });
    }
  }
  const withErrors = summaries.filter((summary) => summary.errors + summary.warmupErrors > 0);
  list.push({
    name: 'errors in any arm',
    wanted: '0',
    measured:
      withErrors.length === 0
        ? '0'
        : withErrors.map((summary) => `${summary.id}: ${summary.errors + summary.warmupErrors}`).join(', '),
    holds: withErrors.length === 0,
  });
  return list;
}

function section(header: string[], rows: string[][], right: boolean[]): string[] {
  const widths = header.map((_cell, index) => Math.max(...[header, ...rows].map((row) => (row[index] ?? '').length)));
  const format = (row: string[]) =>
    row
      .map((cell, index) => (right[index] ? cell.padStart(widths[index]!) : cell.padEnd(widths[index]!)))
      .join('  ')
      .trimEnd();
  return [format(header), ...rows.map(format)];
}

/** One table in four parts: load arms, SQL statements, memory, and the targets. */
export function renderTable(input: {
  title: string;
  summaries: ArmSummary[];
  skipped: SkippedArm[];
  sql: SqlRow[];
  memory: MemorySummary[];
  targets: Target[];
}): string {
  const arms = section(
    ['arm', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'x ceiling', 'x Redis ceiling', 'x-cache HIT'],
    [
      ...input.summaries.map((summary) => [
        summary.label,
        fixed(summary.rps, 0),
        fixed(summary.p50, 1),
        fixed(summary.p99, 1),
        String(summary.errors + summary.warmupErrors),
        fixed(summary.xCeiling, 3),
        fixed(summary.xRedisCeiling, 3),
        summary.hitRate === undefined ? '' : `${(summary.hitRate * 100).toFixed(1)}%`,
      ]),
      ...input.skipped.map((arm) => [arm.label, 'NOT RUN', '', '', '', '', '', '']),
    ],
    [false, true, true, true, true, true, true, true],
  );
  const sizes = [...new Set(input.sql.map((row) => row.size))];
  const sql = section(
    ['SQL statements per operation, users/catalog/orders', ...sizes.map((size) => `size ${size}`)],
    [...new Set(input.sql.map((row) => row.operation))].map((operation) => [
      operation,
      ...sizes.map((size) => {
        const row = input.sql.find((other) => other.operation === operation && other.size === size);
        // `?`: the least figure was seen once only (background statements may be in it).
        return row ? `${Object.values(row.statements).join('/')}${row.agreeing < 2 ? '?' : ''}` : '';
      }),
    ]),
    [false, ...sizes.map(() => true)],
  );
  const memory = section(
    ['process', 'RSS MB after the run', 'V8 heap used MB', 'growth between the last two identical rounds', 'heap growth'],
    input.memory.map((row) => [
      `${row.process}${row.source === 'proc' ? ' (bench)' : ''}`,
      fixed(row.rssBytes / 2 ** 20, 0),
      row.heapUsedBytes === undefined ? '' : fixed(row.heapUsedBytes / 2 ** 20, 0),
      row.growthPercent === undefined ? 'n/a' : `${row.growthPercent >= 0 ? '+' : ''}${row.growthPercent.toFixed(1)}%`,
      row.heapGrowthPercent === undefined ? '' : `${row.heapGrowthPercent >= 0 ? '+' : ''}${row.heapGrowthPercent.toFixed(1)}%`,
    ]),
    [false, true, true, true, true],
  );
  const goals = section(
    ['target', 'wanted', 'measured', ''],
    input.targets.map((target) => [
      target.name,
      target.wanted,
      target.measured,
      target.holds === undefined ? '-' : target.holds ? 'holds' : 'MISSES',
    ]),
    [false, false, false, false],
  );
  const width = Math.max(...[arms, sql, memory, goals].flat().map((line) => line.length));
  const line = '─'.repeat(width);
  const out = [input.title, line];
  for (const part of [arms, sql, memory, goals]) {
    out.push(part[0]!, line.replace(/─/g, '·'), ...part.slice(1), line);
  }
  return out.join('\n');
}

/** The mix's search for the highest arrival rate with p99 under 100 ms, and the run at half of it. */
export interface MixSummary {
  /** Highest rate probed with p99 < 100 ms and no errors (0: none). */
  sustainedRate: number;
  probes: Array<Pick<MixResult, 'rate' | 'p50' | 'p99' | 'errors' | 'answered' | 'dropped'>>;
  /** At half the sustained rate. */
  half: MixResult;
}

export interface SoakSummary {
  seconds: number;
  result: MixResult;
  /** Per service: RSS sampled along the soak, V8 heap and memory outside it at its start and end; growth: mean RSS of the last third of the samples against the first third. */
  memory: Array<{
    process: string;
    rssSeries: number[];
    rssStart: number;
    rssEnd: number;
    heapStart?: number | undefined;
    heapEnd?: number | undefined;
    externalStart?: number | undefined;
    externalEnd?: number | undefined;
    growthPercent: number;
  }>;
}

export function mixTargets(mix: MixSummary | undefined, soak: SoakSummary | undefined, coldStarts: ColdStartResult[]): Target[] {
  const list: Target[] = [];
  if (mix) {
    const { half } = mix;
    list.push({
      name: 'the mix (open loop, both BFFs): highest rate with p99 < 100 ms; p50/p99 and cache hits at half of it',
      wanted: 'reported, no errors at half',
      measured: `${mix.sustainedRate}/s; at ${half.rate}/s p50 ${fixed(half.p50, 1)} ms, p99 ${fixed(half.p99, 1)} ms, hits ${half.cacheable ? ((half.hits / half.cacheable) * 100).toFixed(0) : 'n/a'}%, errors ${half.errors}`,
      holds: half.errors === 0,
    });
  }
  if (soak && soak.memory.length > 0) {
    const worst = soak.memory.reduce((a, b) => (a.growthPercent >= b.growthPercent ? a : b));
    list.push({
      name: `RSS growth over the soak (${soak.seconds} s of the mix; mean of the last third of the samples vs the first third)`,
      wanted: '< 10%',
      measured: `max ${fixed(worst.growthPercent, 1)}% (${worst.process}); errors ${soak.result.errors}`,
      holds: worst.growthPercent < 10 && soak.result.errors === 0,
    });
  }
  for (const cold of coldStarts) {
    const real = cold.mode === 'real servers';
    list.push({
      name: `cold start, npm start on a built tree to every service ready (${cold.mode}, restart on existing data)`,
      wanted: real ? '<= 3.0 s' : 'reported',
      measured: `${fixed(cold.restartMs / 1000, 1)} s (first start on fresh data ${fixed(cold.firstMs / 1000, 1)} s)`,
      holds: real ? cold.restartMs <= 3000 : undefined,
    });
  }
  return list;
}

/** The mix, soak and cold-start figures as lines under the table. */
export function renderMix(mix: MixSummary | undefined, soak: SoakSummary | undefined): string {
  const lines: string[] = [];
  const mb = (bytes: number | undefined) => (bytes === undefined ? 'n/a' : `${(bytes / 2 ** 20).toFixed(0)} MB`);
  if (mix) {
    lines.push(
      `mix probes (rate/s: p50/p99 ms, errors): ${mix.probes.map((probe) => `${probe.rate}: ${fixed(probe.p50, 0)}/${fixed(probe.p99, 0)}${probe.errors ? ` (${probe.errors} errors)` : ''}`).join('; ')}`,
    );
    lines.push(
      `mix at ${mix.half.rate}/s: ${Object.entries(mix.half.byClass)
        .map(
          ([name, figures]) =>
            `${name} ${figures.answered} p99 ${fixed(figures.p99, 0)} ms${figures.errors ? ` ${figures.errors} errors` : ''}`,
        )
        .join(
          '; ',
        )}${mix.half.userErrors ? `; ${mix.half.userErrors} answers with userErrors` : ''}${mix.half.firstError ? `; first error: ${mix.half.firstError.slice(0, 200)}` : ''}`,
    );
  }
  if (soak) {
    lines.push(
      `soak (${soak.seconds} s at ${soak.result.rate}/s, p50 ${fixed(soak.result.p50, 1)} p99 ${fixed(soak.result.p99, 1)} ms, errors ${soak.result.errors}): ` +
        soak.memory
          .map(
            (row) =>
              `${row.process} RSS ${row.rssSeries.map((bytes) => (bytes / 2 ** 20).toFixed(0)).join(' ')} MB (last third vs first third ${row.growthPercent >= 0 ? '+' : ''}${row.growthPercent.toFixed(1)}%), heap ${mb(row.heapStart)} -> ${mb(row.heapEnd)}, external ${mb(row.externalStart)} -> ${mb(row.externalEnd)}`,
          )
          .join('; '),
    );
  }
  return lines.join('\n');
}
