export { ensureDatabase, dropDatabase } from './admin.js';
export { migrate, readMigrations, MigrationError, type MigrationFile, type MigrationResult } from './migrate.js';
export { schemaDrift } from './drift.js';
export { createPool, transactionOptions, type PoolOptions } from './pool.js';
export { migrationsDir, prismaDir, repositoryRoot } from './paths.js';
export { domainDatabaseUrl, migrationDatabaseUrl, withDatabase, databaseName, redactUrl, type Domain } from './urls.js';
export {
  migrationReadiness,
  migrationStatus,
  whenMigrated,
  type MigrationReadiness,
  type MigrationStatus,
  type Queryable,
} from './readiness.js';
export { prepareDomainDatabase, type DatabaseDomain, type DomainDatabase } from './bootstrap.js';
export { loadMigrationConfig, migrateCommand, type CommandOutput } from './migrate-command.js';
