// Generates what the code imports but git does not keep: each domain's Prisma client, each
// subgraph's and BFF's resolver types, and the types of the BFFs' gateway operations. Runs after `npm install` and from `npm run generate`.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const domains = ['users', 'catalog', 'orders'];

// `prisma generate` never runs the schema engine, but the CLI insists on one existing
// before any command, and this machine cannot download it. Any existing file satisfies the
// check; setting it here, and only here, keeps it away from commands that would run it.
const prismaEnv = { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.execPath, PRISMA_HIDE_UPDATE_MESSAGE: '1' };
const prismaCli = path.join(root, 'node_modules', 'prisma', 'build', 'index.js');

for (const domain of domains) {
  execFileSync(process.execPath, [prismaCli, 'generate', '--schema', `prisma/${domain}/schema.prisma`], {
    cwd: root,
    env: prismaEnv,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

const { generateResolverTypes } = await import('./codegen.mjs');
const graphs = [
  ...domains.map((domain) => ({ dir: path.join(root, 'subgraphs', domain), federation: true })),
  ...['web', 'mobile'].map((client) => ({ dir: path.join(root, `bff-${client}`), federation: false })),
];
for (const { dir, federation } of graphs) {
  if (!existsSync(path.join(dir, 'schema.graphql'))) continue;
  const output = await generateResolverTypes(dir, { federation });
  const target = path.join(dir, 'src', 'generated', 'graphql.ts');
  mkdirSync(path.dirname(target), { recursive: true });
  if (!existsSync(target) || readFileSync(target, 'utf8') !== output) writeFileSync(target, output);
}
const { writeGatewayTypes } = await import('./gateway-types.mjs');
await writeGatewayTypes();
console.log("generated Prisma clients, resolver types and the BFFs' gateway operation types");
