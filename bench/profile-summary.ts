// Where a `node --cpu-prof` profile spent its time: self time by function and by package.
// Usage: npx tsx bench/profile-summary.ts bench/results/profiles/<file>.cpuprofile [top] [from-second]
// (from-second: only samples from that many seconds after the process started, to leave its
// start-up, module loading and supergraph composition, out of a steady-state profile).
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

const [file, topArgument, fromArgument] = process.argv.slice(2);
if (!file) {
  console.error('usage: tsx bench/profile-summary.ts <file.cpuprofile> [top]');
  process.exit(2);
}
const top = Number(topArgument ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const selfMicros = new Map<number, number>();
const fromMicros = Number(fromArgument ?? 0) * 1e6;
let elapsedMicros = 0;
profile.samples.forEach((id, index) => {
  elapsedMicros += profile.timeDeltas[index] ?? 0;
  if (elapsedMicros >= fromMicros) selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
});
const total = [...selfMicros.values()].reduce((a, b) => a + b, 0);

function packageOf(url: string): string {
  if (!url) return '(native / V8)';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) return 'node:core';
  const workspace =
    /\/work\/[^/]+\/(packages\/[^/]+|subgraphs\/[^/]+|bff-web|bff-mobile|gateway|bench)\//.exec(url) ??
    /\/(packages\/[^/]+|subgraphs\/[^/]+|bff-web|bff-mobile|gateway|bench)\//.exec(url);
  return workspace ? `project:${workspace[1]}` : url;
}

const byFunction = new Map<string, number>();
const byPackage = new Map<string, number>();
for (const [id, micros] of selfMicros) {
  const node = byId.get(id)!;
  const { functionName, url, lineNumber } = node.callFrame;
  const short = url.replace(/^.*node_modules\//, '').replace(/^file:\/\/\/work\/[^/]+\//, '');
  const key = `${functionName || '(anonymous)'}  ${short}${url ? `:${lineNumber + 1}` : ''}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
  const name = ['(garbage collector)', '(idle)', '(program)'].includes(functionName) ? functionName : packageOf(url);
  byPackage.set(name, (byPackage.get(name) ?? 0) + micros);
}

// Inclusive: time with a package anywhere on the stack (each sample counted once per package).
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
const onStack = new Map<string, number>();
const busy = [...selfMicros].filter(
  ([id]) => !['(idle)', '(program)', '(garbage collector)'].includes(byId.get(id)!.callFrame.functionName),
);
for (const [id, micros] of busy) {
  const seen = new Set<string>();
  for (let current: number | undefined = id; current !== undefined; current = parent.get(current)) {
    const node = byId.get(current)!;
    if (node.callFrame.url || node.callFrame.functionName) seen.add(packageOf(node.callFrame.url));
  }
  for (const name of seen) onStack.set(name, (onStack.get(name) ?? 0) + micros);
}
const busyTotal = busy.reduce((sum, [, micros]) => sum + micros, 0);

const percent = (micros: number) => `${((micros / total) * 100).toFixed(1).padStart(5)}%`;
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled`);
console.log('\nself time by package');
for (const [name, micros] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${percent(micros)}  ${name}`);
console.log(
  `\ntime with a package on the stack, share of busy time (${(busyTotal / 1e6).toFixed(1)} s busy, GC and idle excluded)`,
);
for (const [name, micros] of [...onStack].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`${((micros / busyTotal) * 100).toFixed(1).padStart(5)}%  ${name}`);
console.log('\nself time by function');
for (const [name, micros] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`${percent(micros)}  ${name}`);
