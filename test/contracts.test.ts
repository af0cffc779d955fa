import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { expectLabelled } from '@storefront/testing';
import { SHARED_CLIENTS_DIR, VENDORED_CLIENTS_DIR, loadClientOperations } from '../scripts/lib/client-operations.js';

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

describe('client contracts', () => {
  (existsSync(SHARED_CLIENTS_DIR) ? it : it.skip)(
    'contracts/ is an exact copy of ../shared/clients (copy it again when the apps change)',
    () => {
      expect(files(VENDORED_CLIENTS_DIR)).toEqual(files(SHARED_CLIENTS_DIR));
      for (const file of files(SHARED_CLIENTS_DIR)) {
        expectLabelled(readFileSync(path.join(VENDORED_CLIENTS_DIR, file), 'utf8'), file).toBe(
          readFileSync(path.join(SHARED_CLIENTS_DIR, file), 'utf8'),
        );
      }
    },
  );

  it('every operation names its fragments, and every fragment it spreads exists', () => {
    for (const client of ['web', 'mobile'] as const) {
      const operations = loadClientOperations(client, VENDORED_CLIENTS_DIR);
      expect(operations.size).toBeGreaterThan(0);
    }
  });
});
