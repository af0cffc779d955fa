// Builds the app with Vite into dist/, unless dist/ already holds a build of the same inputs
// (the app's sources, the web contract and the web BFF's schema), so `npm start` stays quick.
// The build goes to a staging folder swapped in at the end: a server or test reading dist/
// never sees it half-written, and two builds running at once (parallel test files) each
// finish with a complete dist/.
import { createHash } from 'node:crypto';
import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { appDir, codegenInputs, generateDocuments } from './codegen.mjs';

export const distDir = path.join(appDir, 'dist');
const STAMP = '.inputs-hash';

async function filesUnder(dir, accept = () => true) {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile() && accept(path.join(entry.parentPath, entry.name)))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

async function inputsHash() {
  const generated = path.join(appDir, 'src', 'generated') + path.sep;
  const files = [
    ...(await filesUnder(path.join(appDir, 'src'), (file) => !file.startsWith(generated))),
    ...(await filesUnder(path.join(appDir, 'public'))),
    ...(await filesUnder(path.join(appDir, 'scripts'))),
    ...(await filesUnder(codegenInputs.documents)),
    ...['index.html', 'vite.config.ts', 'package.json'].map((name) => path.join(appDir, name)),
    codegenInputs.schema,
  ].sort();
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(path.relative(appDir, file)).update('\0');
    hash.update(await readFile(file).catch(() => '')).update('\0');
  }
  return hash.digest('hex');
}

/** Swaps `staging` in as dist/, retrying when another build swapped its own in meanwhile. */
async function swapIn(staging) {
  const retired = `${distDir}-retired-${process.pid}`;
  for (let attempt = 0; ; attempt += 1) {
    await rename(distDir, retired).catch((error) => {
      if (error.code !== 'ENOENT') throw error;
    });
    try {
      await rename(staging, distDir);
      break;
    } catch (error) {
      if (!['ENOTEMPTY', 'EEXIST'].includes(error.code) || attempt === 5) throw error;
      await rm(retired, { recursive: true, force: true });
    }
  }
  await rm(retired, { recursive: true, force: true });
}

/** Builds the app when its inputs changed since the last build; true when it built. */
export async function buildWebApp({ force = false } = {}) {
  const hash = await inputsHash();
  if (!force && (await readFile(path.join(distDir, STAMP), 'utf8').catch(() => '')) === hash) return false;
  await generateDocuments();
  const { build } = await import('vite');
  const staging = `${distDir}-staging-${process.pid}`;
  await build({
    root: appDir,
    configFile: path.join(appDir, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: staging, emptyOutDir: true },
  });
  await writeFile(path.join(staging, STAMP), hash);
  await swapIn(staging);
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  const built = await buildWebApp({ force: process.argv.includes('--force') });
  console.log(built ? `built the web app in ${Date.now() - started} ms` : 'web app up to date');
}
