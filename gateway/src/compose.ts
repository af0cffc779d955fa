import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { composeServices } from '@apollo/composition';
import { SUBGRAPHS, type SubgraphName } from '@storefront/config/services';
import { parse } from 'graphql';

export const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Where the gateway finds the supergraph unless SUPERGRAPH_PATH says otherwise. */
export const DEFAULT_SUPERGRAPH_PATH = path.join(repositoryRoot, 'gateway', 'supergraph.graphql');

export class CompositionError extends Error {
  override name = 'CompositionError';
}

/**
 * Composes the supergraph from each subgraph's schema.graphql with Apollo's composition
 * library, the same way any federation router's tooling does. The subgraphs are those of the
 * service registry (@storefront/config/services). Throws with every composition error listed.
 */
export async function composeSupergraph(
  /** Schema text to use instead of a subgraph's schema.graphql (to check a change before writing it). */
  overrides: Partial<Record<SubgraphName, string>> = {},
): Promise<{ supergraphSdl: string; hints: string[] }> {
  const services = await Promise.all(
    SUBGRAPHS.map(async ({ name, workspace, defaultPort }) => {
      const sdl = overrides[name] ?? (await readFile(path.join(repositoryRoot, workspace, 'schema.graphql'), 'utf8'));
      // The URL recorded in the supergraph: each subgraph at its default port (the gateway overrides each by env).
      return { name, url: `http://localhost:${defaultPort}/graphql`, typeDefs: parse(sdl) };
    }),
  );
  const result = composeServices(services);
  if (result.errors) {
    throw new CompositionError(`Composition failed:\n${result.errors.map((error) => `  - ${error.message}`).join('\n')}`);
  }
  return { supergraphSdl: result.supergraphSdl, hints: result.hints.map((hint) => hint.toString()) };
}
