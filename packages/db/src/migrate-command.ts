import { ConfigError, databaseShape, loadConfig, postgresUrl, z } from '@storefront/config';
import { ensureDatabase } from './admin.js';
import { schemaDrift } from './drift.js';
import { migrate } from './migrate.js';
import { migrationsDir } from './paths.js';
import { migrationDatabaseUrl, redactUrl, type Domain } from './urls.js';

/**
 * The migration job's settings, for `domains` (the service registry's, handed in by the caller).
 * The services' database variables are read too, so the job can share their configuration;
 * `MIGRATION_DATABASE_URL` (a server) and `<DOMAIN>_MIGRATION_DATABASE_URL` point it at the
 * database directly when the services go through a pooler (see `migrationDatabaseUrl`).
 */
function migrationShape(domains: readonly Domain[]) {
  const domainUrls = Object.fromEntries(
    domains.flatMap((domain) => {
      const upper = domain.toUpperCase();
      return [
        [`${upper}_DATABASE_URL`, postgresUrl.optional()],
        [`${upper}_MIGRATION_DATABASE_URL`, postgresUrl.optional()],
      ];
    }),
  );
  const domainList = z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((domain) => domain.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(domains as [Domain, ...Domain[]])).min(1));
  return {
    DATABASE_URL: databaseShape.DATABASE_URL,
    DATABASE_NAME_PREFIX: databaseShape.DATABASE_NAME_PREFIX,
    MIGRATION_DATABASE_URL: postgresUrl.optional(),
    ...domainUrls,
    /** Which domains to migrate, comma-separated; all of them by default. */
    MIGRATE_DOMAINS: domainList.default([...domains]),
  };
}

type MigrationConfig = ReturnType<typeof loadMigrationConfig>;

export function loadMigrationConfig(env: NodeJS.ProcessEnv, domains: readonly Domain[]) {
  return loadConfig(migrationShape(domains), env);
}

export interface CommandOutput {
  info(line: string): void;
  error(line: string): void;
}

/** Migrates one domain; returns how its database differs from its schema.prisma afterwards. */
async function migrateDomain(domain: Domain, url: string, output: CommandOutput): Promise<string[]> {
  await ensureDatabase(url);
  const result = await migrate(url, migrationsDir(domain));
  if (result.applied.length > 0) output.info(`${domain}: applied ${result.applied.join(', ')}`);
  else output.info(`${domain}: up to date (${result.alreadyApplied.length} applied earlier)`);
  return schemaDrift(domain, url);
}

/**
 * `npm run migrate`, and the migration job of a deploy: applies the pending migrations of
 * every domain under Prisma's advisory lock (two jobs at once take turns), then checks each
 * database against its schema.prisma. Returns the exit code: 0 when every domain is migrated
 * and matches its schema, 1 otherwise (each failure printed with its domain).
 */
export async function migrateCommand(env: NodeJS.ProcessEnv, output: CommandOutput, domains: readonly Domain[]): Promise<number> {
  let config: MigrationConfig;
  try {
    config = loadMigrationConfig(env, domains);
  } catch (error) {
    if (error instanceof ConfigError) {
      output.error(error.message);
      return 1;
    }
    throw error;
  }
  const failures: Domain[] = [];
  for (const domain of config.MIGRATE_DOMAINS) {
    const url = migrationDatabaseUrl(domain, env);
    if (!url) {
      output.error(
        `${domain}: no database configured: set DATABASE_URL (or MIGRATION_DATABASE_URL, ${domain.toUpperCase()}_DATABASE_URL, ${domain.toUpperCase()}_MIGRATION_DATABASE_URL)`,
      );
      failures.push(domain);
      continue;
    }
    try {
      const drift = await migrateDomain(domain, url, output);
      if (drift.length > 0) {
        output.error(
          `${domain}: the database at ${redactUrl(url)} does not match prisma/${domain}/schema.prisma (drift: changed by hand, or a change without its migration):\n` +
            drift.map((line) => `  - ${line}`).join('\n'),
        );
        failures.push(domain);
      }
    } catch (error) {
      output.error(`${domain}: migration failed on ${redactUrl(url)}: ${(error as Error).message}`);
      failures.push(domain);
    }
  }
  if (failures.length > 0) {
    output.error(`migration failed for ${failures.join(', ')}`);
    return 1;
  }
  output.info('migrations done');
  return 0;
}
