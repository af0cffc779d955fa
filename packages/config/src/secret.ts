// What the other modules of this package share, apart from index.ts (which re-exports it), so
// that no module imports the index it is exported from.
import { z } from 'zod';

/** Raised at boot when the environment does not describe a valid configuration. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** A secret that has a development default but must be set (and not the default) in production. */
export const DEVELOPMENT_SECRET = 'development-only-secret-change-me-000000';

export function secret() {
  return z.string().min(32, 'must be at least 32 characters').default(DEVELOPMENT_SECRET);
}
