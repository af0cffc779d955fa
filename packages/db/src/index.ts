export { ensureDatabase, dropDatabase } from './admin.js';
export { migrate, readMigrations, MigrationError, type MigrationFile, type MigrationResult } from './migrate.js';
export { schemaDrift } from './drift.js';
export { createPool, isDatabaseReady, type PoolOptions } from './pool.js';
export { migrationsDir, prismaDir, repositoryRoot } from './paths.js';
export { domainDatabaseUrl, withDatabase, databaseName, redactUrl, type Domain } from './urls.js';
export { prepareDomainDatabase, type DomainDatabase } from './bootstrap.js';
