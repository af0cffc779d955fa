// The entry points processes start from (each service's <workspace>/src/main.ts, and
// scripts/start.ts for `npm start`) bundled with what they import into one file each, the file
// they would have been compiled to (<workspace>/dist/main.js, scripts/dist/start.js).
// Unbundled, a service spends most of its start resolving and loading 400-500 modules one by
// one (the project's packages, zod, jose, Apollo, graphql-tools ...); one file is one read and
// one parse.
//
// Left outside the bundle, loaded from node_modules as before: packages that find files next to
// their own modules (pino's and thread-stream's workers, PGlite's WebAssembly and data files,
// ioredis's package.json, OpenTelemetry's module hooks) and Prisma's query compiler, which the
// client imports only when it first connects. The project's own modules keep the import.meta.url
// of their compiled file (`<package>/dist/...`), so paths taken from it still point where they did.
import { createHash } from 'node:crypto';
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';

const EXTERNAL = [
  'pino',
  'thread-stream',
  'ioredis',
  '@electric-sql/*',
  '@opentelemetry/*',
  '@prisma/client/runtime/query_compiler_*',
];

/**
 * Rewrites `import.meta.url` in the project's sources to the URL of the module's compiled file
 * (`<unit outdir>/<same path>.js`), written relative to the bundle's own URL so the tree can move.
 */
function compiledModuleUrls(units, bundleDir) {
  return {
    name: 'compiled-module-urls',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, async ({ path: file }) => {
        const unit = units.find(({ src }) => file.startsWith(src + path.sep));
        if (!unit) return undefined;
        const contents = await readFile(file, 'utf8');
        if (!contents.includes('import.meta.url')) return { contents, loader: 'ts' };
        const compiled = path.join(unit.outdir, path.relative(unit.src, file)).replace(/\.ts$/, '.js');
        const relative = path.relative(bundleDir, compiled).split(path.sep).join('/');
        const url = `new URL(${JSON.stringify(relative)}, import.meta.url).href`;
        return { contents: contents.replaceAll('import.meta.url', url), loader: 'ts' };
      });
    },
  };
}

/**
 * Bundles every entry (`{ entry, outfile }`) whose inputs changed; `sourcesHash` covers the
 * project's sources and `toolchain` the build and the installed packages. Returns how many
 * were bundled.
 */
export async function bundleEntries({ bundles, units, sourcesHash, toolchain, writeIfChanged }) {
  const stampOf = (outfile) => `${outfile}.inputs`;
  const hash = createHash('sha256')
    .update(toolchain)
    .update(await readFile(new URL(import.meta.url)))
    .update(sourcesHash)
    .digest('hex');
  const stale = [];
  for (const bundle of bundles) {
    const { outfile } = bundle;
    const current =
      (await readFile(stampOf(outfile), 'utf8').catch(() => '')) === hash &&
      (await Promise.all([outfile, `${outfile}.map`].map((file) => access(file))).then(
        () => true,
        () => false,
      ));
    if (!current) stale.push(bundle);
  }
  if (stale.length === 0) return 0;
  const { build } = await import('esbuild');
  await Promise.all(
    stale.map(async ({ entry, outfile }) => {
      const { outputFiles } = await build({
        entryPoints: [entry],
        outfile,
        bundle: true,
        format: 'esm',
        platform: 'node',
        target: 'node20',
        external: EXTERNAL,
        plugins: [compiledModuleUrls(units, path.dirname(outfile))],
        // CommonJS dependencies call require() for Node's built-in modules.
        banner: {
          js: "import { createRequire as __bundleCreateRequire } from 'node:module'; const require = __bundleCreateRequire(import.meta.url);",
        },
        sourcemap: 'linked',
        sourcesContent: false,
        logLevel: 'warning',
        write: false,
      });
      for (const output of outputFiles) await writeIfChanged(output.path, output.contents);
      await writeIfChanged(stampOf(outfile), Buffer.from(hash));
    }),
  );
  return stale.length;
}
