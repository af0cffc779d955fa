// `npm run build`: every workspace's src/ compiled to JavaScript in its dist/, file by file
// (same layout, so paths taken from import.meta.url still point where they did). Services
// then run on plain Node (`node --conditions=storefront-dist <workspace>/dist/main.js`, see
// packages/config/src/runtime.ts): no TypeScript loader in the process, which costs each one
// about 45 MB of memory (a second V8 isolate for the loader hooks). Types are checked by
// `npm run typecheck`, not here. Takes a second or two.
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function workspaces() {
  const { workspaces: patterns } = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
  const found = [];
  for (const pattern of patterns) {
    if (!pattern.endsWith('/*')) {
      found.push(path.join(root, pattern));
      continue;
    }
    const parent = path.join(root, pattern.slice(0, -2));
    for (const entry of await readdir(parent, { withFileTypes: true })) if (entry.isDirectory()) found.push(path.join(parent, entry.name));
  }
  return found;
}

async function sources(dir) {
  const files = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.d.ts') || entry.name.endsWith('.test.ts')) continue;
    files.push(path.join(entry.parentPath, entry.name));
  }
  return files;
}

const started = Date.now();
let count = 0;
for (const workspace of await workspaces()) {
  const src = path.join(workspace, 'src');
  const entryPoints = await sources(src).catch(() => []);
  if (entryPoints.length === 0) continue;
  const outdir = path.join(workspace, 'dist');
  await rm(outdir, { recursive: true, force: true });
  await build({
    entryPoints,
    outdir,
    outbase: src,
    bundle: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  count += entryPoints.length;
}
console.log(`built ${count} files in ${Date.now() - started} ms`);
