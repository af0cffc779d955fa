export { ensureDatabase, dropDatabase } from './admin.js';
export { migrate, readMigrations, MigrationError, type MigrationFile, type MigrationResult } from './migrate.js';
export { schemaDrift } from './drift.js';
export { createPool, isDatabaseReady, transactionOptions, type PoolOptions } from './pool.js';
export { migrationsDir, prismaDir, repositoryRoot } from './paths.js';
export { domainDatabaseUrl, migrationDatabaseUrl, withDatabase, databaseName, redactUrl, type Domain } from './urls.js';
export {
  MIGRATION_CHECK_CACHE_MS,
  describeMigrationStatus,
  migrationReadiness,
  migrationStatus,
  whenMigrated,
  type MigrationReadiness,
  type MigrationStatus,
  type Queryable,
  type ReadinessLogger,
} from './readiness.js';
export { prepareDomainDatabase, type DomainDatabase } from './bootstrap.js';
export { loadMigrationConfig, migrateCommand, type CommandOutput, type MigrationConfig } from './migrate-command.js';
