// `npm run build`: every workspace's src/ compiled to JavaScript in its dist/, file by file
// (same layout, so paths taken from import.meta.url still point where they did), and the entry
// points processes start from bundled (bundle-entries.mjs). Services
// then run on plain Node (`node --conditions=storefront-dist <workspace>/dist/main.js`, see
// packages/config/src/runtime.ts): no TypeScript loader in the process, which costs each one
// about 45 MB of memory (a second V8 isolate for the loader hooks). Types are checked by
// `npm run typecheck`, not here. `npm start` itself and the web app's Node server are compiled
// the same way (see compileUnits). Takes a few seconds; a folder whose sources did not
// change since its last build is skipped (`npm start` runs this first, so an unchanged tree
// costs only reading the sources). The browser app (apps/web) is built by Vite instead, when
// its inputs changed since its last build.
import { createHash } from 'node:crypto';
import { access, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildWebApp } from '../apps/web/scripts/build.mjs';
import { bundleEntries } from './bundle-entries.mjs';

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
    for (const entry of await readdir(parent, { withFileTypes: true }))
      if (entry.isDirectory()) found.push(path.join(parent, entry.name));
  }
  return found;
}

async function sources(dir) {
  const files = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.d.ts') || entry.name.endsWith('.test.ts'))
      continue;
    files.push(path.join(entry.parentPath, entry.name));
  }
  return files;
}

/**
 * Writes a compiled file only when its content changed, through a temporary file and a rename:
 * a build running while services start (or while another build runs, as tests do in
 * parallel) never leaves a half-written or missing file for them to import.
 */
async function writeIfChanged(file, contents) {
  const current = await readFile(file).catch(() => undefined);
  if (current && Buffer.compare(current, contents) === 0) return false;
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, contents);
  await rename(temporary, file);
  return true;
}

/** Compiled files whose source is gone. */
async function removeStale(outdir, kept) {
  const entries = await readdir(outdir, { withFileTypes: true, recursive: true }).catch(() => []);
  for (const entry of entries) {
    const file = path.join(entry.parentPath, entry.name);
    if (entry.isFile() && /\.js(\.map)?$/.test(entry.name) && !kept.has(file)) await rm(file, { force: true });
  }
}

/**
 * What is compiled, each folder of sources into a folder of its own: every workspace's src/
 * into its dist/; the web app's Node server (apps/web/server, whose `../dist` is the app's
 * bundle) into apps/web/server-dist/; and `npm start` itself (scripts/start.ts and the
 * banner) and the image's migration job (scripts/migrate.ts) into scripts/dist/, so they run
 * on plain Node like the services. The entry points processes start from (a service's
 * src/main.ts, scripts/start.ts) are bundled instead, each into the file it would have been
 * compiled to (see bundle-entries.mjs).
 */
async function compileUnits() {
  const units = [];
  for (const workspace of await workspaces()) {
    // Browser apps are bundled by Vite below, not compiled for Node.
    if (path.relative(root, workspace).startsWith(`apps${path.sep}`)) continue;
    const src = path.join(workspace, 'src');
    units.push(
      withBundle({ src, outdir: path.join(workspace, 'dist'), entryPoints: await sources(src).catch(() => []) }, 'main.ts'),
    );
  }
  const webServer = path.join(root, 'apps', 'web', 'server');
  units.push({ src: webServer, outdir: path.join(root, 'apps', 'web', 'server-dist'), entryPoints: await sources(webServer) });
  const scripts = path.join(root, 'scripts');
  const startScript = {
    src: scripts,
    outdir: path.join(scripts, 'dist'),
    entryPoints: ['start.ts', 'start-banner.ts', 'migrate.ts'].map((name) => path.join(scripts, name)),
  };
  units.push(withBundle(startScript, 'start.ts'));
  return units.filter((unit) => unit.entryPoints.length > 0 || unit.bundle);
}

/** The unit with its source `name`, when it has one, bundled rather than compiled. */
function withBundle(unit, name) {
  const entry = path.join(unit.src, name);
  if (!unit.entryPoints.includes(entry)) return unit;
  return {
    ...unit,
    entryPoints: unit.entryPoints.filter((file) => file !== entry),
    bundle: { entry, outfile: path.join(unit.outdir, name.replace(/\.ts$/, '.js')) },
  };
}

/** Where a compiled folder records what it was compiled from. */
const STAMP = '.build-inputs';

/**
 * What a compiled folder is compiled from: its sources (paths and contents), this script
 * (the compiler options) and the installed packages (package-lock.json pins esbuild).
 */
async function inputsHash(src, entryPoints, toolchain) {
  const hash = createHash('sha256').update(toolchain);
  for (const file of [...entryPoints].sort())
    hash
      .update('\0')
      .update(path.relative(src, file))
      .update('\0')
      .update(await readFile(file));
  return hash.digest('hex');
}

/** True when `outdir` was built from these inputs and still holds every compiled file. */
async function upToDate(src, outdir, entryPoints, hash) {
  if ((await readFile(path.join(outdir, STAMP), 'utf8').catch(() => '')) !== hash) return false;
  const compiled = entryPoints.map((file) => path.join(outdir, path.relative(src, file)).replace(/\.ts$/, '.js'));
  return Promise.all(compiled.flatMap((file) => [file, `${file}.map`]).map((file) => access(file))).then(
    () => true,
    () => false,
  );
}

const started = Date.now();
const toolchain = createHash('sha256')
  .update(await readFile(fileURLToPath(import.meta.url)))
  .update(await readFile(path.join(root, 'package-lock.json')).catch(() => ''))
  .digest('hex');
let count = 0;
let written = 0;
let skipped = 0;
const units = await compileUnits();
// Every source a bundle may include, for the bundles' up-to-date check.
const allSources = createHash('sha256');
for (const { src, outdir, entryPoints, bundle } of units) {
  count += entryPoints.length;
  const hash = await inputsHash(src, entryPoints, toolchain);
  allSources.update(hash);
  if (bundle) allSources.update(await readFile(bundle.entry));
  if (await upToDate(src, outdir, entryPoints, hash)) {
    skipped += entryPoints.length;
    continue;
  }
  // Loaded only when something is to be compiled.
  const { build } = await import('esbuild');
  const { outputFiles } = await build({
    entryPoints,
    outdir,
    outbase: src,
    bundle: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'warning',
    write: false,
  });
  for (const output of outputFiles) if (await writeIfChanged(output.path, output.contents)) written += 1;
  const bundleFiles = bundle ? [bundle.outfile, `${bundle.outfile}.map`] : [];
  await removeStale(outdir, new Set([...outputFiles.map((output) => output.path), ...bundleFiles]));
  // Last, so a build stopped halfway is redone next time.
  await writeIfChanged(path.join(outdir, STAMP), Buffer.from(hash));
}
const bundles = units.flatMap(({ bundle }) => (bundle ? [bundle] : []));
const bundled = await bundleEntries({ bundles, units, sourcesHash: allSources.digest('hex'), toolchain, writeIfChanged });
console.log(
  `built ${count} files (${written} changed; ${skipped} up to date, not recompiled) and bundled ${bundled} of ${bundles.length} entry points in ${Date.now() - started} ms`,
);
const appStarted = Date.now();
if (await buildWebApp()) console.log(`built the web app (apps/web/dist) in ${Date.now() - appStarted} ms`);
