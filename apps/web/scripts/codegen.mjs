// Typed documents for the app: GraphQL Code Generator's client preset over the web contract
// (contracts/web/*.graphql, the operations the app sends, exactly) and the web BFF's schema.
// A schema change that breaks an operation fails here; one that changes a result's shape
// fails the app's type check.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const repositoryRoot = path.resolve(appDir, '../..');

/** What the generated documents are made from (the build's up-to-date check reads them too). */
export const codegenInputs = {
  schema: path.join(repositoryRoot, 'bff-web/schema.graphql'),
  documents: path.join(repositoryRoot, 'contracts/web'),
};

// The schema's cache hints are read by Apollo Server; declared here so the schema builds.
const serverDirectives = `
  enum CacheControlScope { PUBLIC PRIVATE }
  directive @cacheControl(maxAge: Int, scope: CacheControlScope, inheritMaxAge: Boolean) on FIELD_DEFINITION | OBJECT | INTERFACE | UNION
`;

export async function generateDocuments() {
  // Loaded only when generating: the CLI takes seconds to import, an up-to-date check none.
  const { generate } = await import('@graphql-codegen/cli');
  await generate(
    {
      schema: [codegenInputs.schema, serverDirectives],
      documents: [path.join(codegenInputs.documents, '*.graphql')],
      generates: {
        [path.join(appDir, 'src/generated/')]: {
          preset: 'client',
          presetConfig: { fragmentMasking: false },
          config: { useTypeImports: true, enumsAsTypes: true, scalars: { DateTime: 'string' } },
        },
      },
      silent: true,
      errorsOnly: true,
    },
    true,
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await generateDocuments();
