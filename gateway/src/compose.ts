import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';

export const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Where the gateway finds the supergraph unless SUPERGRAPH_PATH says otherwise. */
export const DEFAULT_SUPERGRAPH_PATH = path.join(repositoryRoot, 'gateway', 'supergraph.graphql');

/** The subgraphs and the URLs recorded in the supergraph (the gateway can override each by env). */
export const SUBGRAPHS = [
  { name: 'users', url: 'http://localhost:4001/graphql' },
  { name: 'catalog', url: 'http://localhost:4002/graphql' },
  { name: 'orders', url: 'http://localhost:4003/graphql' },
] as const;

export type SubgraphName = (typeof SUBGRAPHS)[number]['name'];

export class CompositionError extends Error {
  override name = 'CompositionError';
}

/**
 * Composes the supergraph from each subgraph's schema.graphql with Apollo's composition
 * library, the same way any federation router's tooling does. Throws with every
 * composition error listed.
 */
export async function composeSupergraph(
  /** Schema text to use instead of a subgraph's schema.graphql (to check a change before writing it). */
  overrides: Partial<Record<SubgraphName, string>> = {},
): Promise<{ supergraphSdl: string; hints: string[] }> {
  const services = await Promise.all(
    SUBGRAPHS.map(async ({ name, url }) => {
      const sdl = overrides[name] ?? (await readFile(path.join(repositoryRoot, 'subgraphs', name, 'schema.graphql'), 'utf8'));
      return { name, url, typeDefs: parse(sdl) };
    }),
  );
  const result = composeServices(services);
  if (result.errors) {
    throw new CompositionError(`Composition failed:\n${result.errors.map((error) => `  - ${error.message}`).join('\n')}`);
  }
  return { supergraphSdl: result.supergraphSdl, hints: result.hints.map((hint) => hint.toString()) };
}
