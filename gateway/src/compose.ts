import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SUBGRAPHS, type SubgraphName } from '@storefront/stack';

export const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Where the gateway finds the supergraph unless SUPERGRAPH_PATH says otherwise. */
export const DEFAULT_SUPERGRAPH_PATH = path.join(repositoryRoot, 'gateway', 'supergraph.graphql');

export class CompositionError extends Error {
  override name = 'CompositionError';
}

/**
 * Composes the supergraph from each subgraph's schema.graphql with Apollo's composition
 * library, the same way any federation router's tooling does. The subgraphs are those of the
 * service registry (@storefront/stack). Throws with every composition error listed.
 */
export async function composeSupergraph(
  /** Schema text to use instead of a subgraph's schema.graphql (to check a change before writing it). */
  overrides: Partial<Record<SubgraphName, string>> = {},
): Promise<{ supergraphSdl: string; hints: string[] }> {
  // Loaded here, not at the top: `npm start` imports this module but composes only when the
  // schemas changed (writeSupergraph), and the composition library takes a while to load.
  const [{ composeServices }, { parse }] = await Promise.all([import('@apollo/composition'), import('graphql')]);
  const services = (await subgraphSchemas(overrides)).map(({ sdl, ...service }) => ({ ...service, typeDefs: parse(sdl) }));
  const result = composeServices(services);
  if (result.errors) {
    throw new CompositionError(`Composition failed:\n${result.errors.map((error) => `  - ${error.message}`).join('\n')}`);
  }
  return { supergraphSdl: result.supergraphSdl, hints: result.hints.map((hint) => hint.toString()) };
}

async function subgraphSchemas(
  overrides: Partial<Record<SubgraphName, string>>,
): Promise<{ name: string; url: string; sdl: string }[]> {
  return Promise.all(
    SUBGRAPHS.map(async ({ name, workspace, defaultPort }) => {
      const sdl = overrides[name] ?? (await readFile(path.join(repositoryRoot, workspace, 'schema.graphql'), 'utf8'));
      // The URL recorded in the supergraph: each subgraph at its default port (the gateway overrides each by env).
      return { name, url: `http://localhost:${defaultPort}/graphql`, sdl };
    }),
  );
}

/** What writeSupergraph last composed, and what it wrote (git-ignored, like any tool's cache). */
const COMPOSED_STAMP = path.join(repositoryRoot, 'node_modules', '.cache', 'storefront', 'supergraph-composed');

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Writes the supergraph of today's subgraph schemas to `file` (what `npm start` does before
 * the gateway reads it). Composition takes about a second of CPU, so it is skipped when the
 * file holds exactly what the last composition here wrote from the same inputs: the schemas,
 * their URLs and the installed packages (package-lock.json, which pins the composition
 * library). Throws a CompositionError like composeSupergraph.
 */
export async function writeSupergraph(file = DEFAULT_SUPERGRAPH_PATH): Promise<{ composed: boolean }> {
  const lockfile = await readFile(path.join(repositoryRoot, 'package-lock.json'), 'utf8').catch(() => '');
  const inputs = sha256(JSON.stringify({ schemas: await subgraphSchemas({}), packages: sha256(lockfile) }));
  const current = await readFile(file, 'utf8').catch(() => undefined);
  const stamp = await readFile(COMPOSED_STAMP, 'utf8').catch(() => undefined);
  if (current !== undefined && stamp === `${inputs} ${sha256(current)}`) return { composed: false };
  const { supergraphSdl } = await composeSupergraph();
  await writeFile(file, supergraphSdl);
  await mkdir(path.dirname(COMPOSED_STAMP), { recursive: true });
  await writeFile(COMPOSED_STAMP, `${inputs} ${sha256(supergraphSdl)}`);
  return { composed: true };
}
