// `npm run manifest:mobile`: writes bff-mobile/persisted-queries.json, the mobile app's
// operations (contracts/mobile, each with its fragments, exactly as the app sends them) in
// Apollo's persisted query manifest format. In production the mobile BFF runs only these;
// test/mobile-persisted-queries.test.ts fails when the committed file is stale.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { persistedQueryId, type PersistedQueryManifest } from '@storefront/bff';
import { repositoryRoot } from '@storefront/db';
import { VENDORED_CLIENTS_DIR, loadClientOperations } from './lib/client-operations.js';

export const MOBILE_MANIFEST_PATH = path.join(repositoryRoot, 'bff-mobile', 'persisted-queries.json');

/** The manifest of `contracts/mobile`, operations sorted by name. */
export function buildMobileManifest(dir = VENDORED_CLIENTS_DIR): PersistedQueryManifest {
  const operations = [...loadClientOperations('mobile', dir).values()]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map(({ name, type, document }) => ({ id: persistedQueryId(document), name, type, body: document }));
  return { format: 'apollo-persisted-query-manifest', version: 1, operations };
}

/** The file's exact text. */
export function manifestText(manifest: PersistedQueryManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const manifest = buildMobileManifest();
  writeFileSync(MOBILE_MANIFEST_PATH, manifestText(manifest));
  console.log(
    `wrote ${path.relative(repositoryRoot, MOBILE_MANIFEST_PATH)}: ${manifest.operations.map((operation) => operation.name).join(', ')}`,
  );
}
