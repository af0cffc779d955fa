import { z } from 'zod';
import { ConfigError } from './config-error.js';

/** A secret that has a development default but must be set (and not the default) in production. */
export const DEVELOPMENT_SECRET = 'development-only-secret-change-me-000000';

export function secret() {
  return z.string().min(32, 'must be at least 32 characters').default(DEVELOPMENT_SECRET);
}

/** Throws when a production config still carries a development default secret. */
export function assertProductionSecrets(config: { NODE_ENV: string } & Record<string, unknown>, names: readonly string[]): void {
  if (config.NODE_ENV !== 'production') return;
  const defaults = names.filter((name) => config[name] === DEVELOPMENT_SECRET);
  if (defaults.length > 0) {
    throw new ConfigError(
      `Invalid configuration:\n${defaults.map((name) => `  ${name}: must be set to a real secret in production`).join('\n')}`,
    );
  }
}
