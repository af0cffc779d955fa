// `npm run compose`: writes gateway/supergraph.graphql from the subgraphs' schemas.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CompositionError, DEFAULT_SUPERGRAPH_PATH, composeSupergraph, repositoryRoot } from '../gateway/src/compose.js';

try {
  const { supergraphSdl, hints } = await composeSupergraph();
  await writeFile(DEFAULT_SUPERGRAPH_PATH, supergraphSdl);
  for (const hint of hints) console.log(`hint: ${hint}`);
  console.log(`wrote ${path.relative(repositoryRoot, DEFAULT_SUPERGRAPH_PATH)}`);
} catch (error) {
  if (!(error instanceof CompositionError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
