// Is a service's RSS growth between identical rounds a leak? Runs the BFF arms in identical
// rounds against a stack whose service writes a heap snapshot on SIGUSR2 (after a full
// collection, so a snapshot holds live objects only), takes one after each round, and prints
// per round the RSS, the live heap, and the constructors whose live size grew the most
// between the second round and the last. Live heap flat while RSS grows: heap sizing or the
// allocator, not a leak.
// Usage: npx tsx bench/heap-rounds.ts [service=bff-web] [rounds=4] [seconds=5]
// (DATABASE_URL / REDIS_URL as for `npm run bench`).
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { startHarness } from './harness.js';
import { metricValue, repositoryRoot, sleep, type ServiceName } from './stack.js';

const [service = 'bff-web', roundsArgument = '4', secondsArgument = '5'] = process.argv.slice(2) as [
  ServiceName?,
  string?,
  string?,
];
const rounds = Number(roundsArgument);
const seconds = Number(secondsArgument);

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

/** Live bytes by constructor (node type and name) in a .heapsnapshot file. */
async function liveBytesByConstructor(file: string): Promise<{ total: number; byName: Map<string, number> }> {
  const snapshot = JSON.parse(await readFile(file, 'utf8')) as HeapSnapshot;
  const fields = snapshot.snapshot.meta.node_fields;
  const [typeIndex, nameIndex, sizeIndex] = ['type', 'name', 'self_size'].map((field) => fields.indexOf(field)) as [
    number,
    number,
    number,
  ];
  const types = snapshot.snapshot.meta.node_types[0];
  const byName = new Map<string, number>();
  let total = 0;
  for (let offset = 0; offset < snapshot.nodes.length; offset += fields.length) {
    const size = snapshot.nodes[offset + sizeIndex]!;
    const type = types[snapshot.nodes[offset + typeIndex]!]!;
    const key = `${type}:${type === 'object' || type === 'closure' ? snapshot.strings[snapshot.nodes[offset + nameIndex]!] : ''}`;
    byName.set(key, (byName.get(key) ?? 0) + size);
    total += size;
  }
  return { total, byName };
}

async function snapshotFiles(): Promise<string[]> {
  return (await readdir(repositoryRoot)).filter((name) => name.endsWith('.heapsnapshot'));
}

const harness = await startHarness({
  databaseUrl: process.env.DATABASE_URL || undefined,
  redisUrl: process.env.REDIS_URL || undefined,
  extraOrders: 0,
  users: 16,
  hive: false,
  installHive: false,
  stack: { serviceEnv: { [service]: { NODE_OPTIONS: '--heapsnapshot-signal=SIGUSR2' } } },
  progress: (message) => process.stderr.write(`${message}\n`),
});
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
const snapshots: Array<{ total: number; byName: Map<string, number> }> = [];
try {
  const arms = harness.arms.filter((arm) => arm.kind === 'bff-hit' || arm.kind === 'bff-miss');
  for (let round = 1; round <= rounds; round += 1) {
    for (const arm of arms) await harness.load(arm, seconds, 16);
    const before = await snapshotFiles();
    process.kill(harness.stack.pids[service], 'SIGUSR2');
    let file: string | undefined;
    for (let waited = 0; !file && waited < 120_000; waited += 500) {
      await sleep(500);
      file = (await snapshotFiles()).find((name) => !before.includes(name));
    }
    if (!file) throw new Error('no heap snapshot written');
    // Written when it parses: the process writes it in pieces, pausing while it walks the heap.
    let live: Awaited<ReturnType<typeof liveBytesByConstructor>> | undefined;
    for (let tries = 0; !live; tries += 1) {
      await sleep(2000);
      try {
        live = await liveBytesByConstructor(path.join(repositoryRoot, file));
      } catch (error) {
        if (tries >= 60) throw error;
      }
    }
    await rm(path.join(repositoryRoot, file), { force: true });
    snapshots.push(live);
    const rss = metricValue(await harness.stack.metrics(service), 'process_resident_memory_bytes') ?? NaN;
    console.log(`round ${round}: ${service} RSS ${mb(rss)}, live heap ${mb(live.total)}`);
  }
  const [second, last] = [snapshots[1] ?? snapshots[0]!, snapshots.at(-1)!];
  const growth = [...last.byName]
    .map(([name, bytes]) => [name, bytes - (second.byName.get(name) ?? 0)] as const)
    .sort((a, b) => b[1] - a[1]);
  console.log(`live heap from round 2 to ${rounds}: ${mb(second.total)} -> ${mb(last.total)}; largest growth by constructor:`);
  for (const [name, bytes] of growth.slice(0, 10)) console.log(`  ${(bytes / 1024).toFixed(0).padStart(8)} KB  ${name}`);
} finally {
  await harness.stop();
}
process.exit(0);
