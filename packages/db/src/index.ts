export { ensureDatabase, dropDatabase } from './admin.js';
export { migrate, readMigrations } from './migrate.js';
export { createPool, type PoolOptions } from './pool.js';
export { migrationsDir, repositoryRoot } from './paths.js';
export { DOMAINS, domainDatabaseUrl, withDatabase, redactUrl, type Domain } from './urls.js';
export {
  migrationReadiness,
  migrationStatus,
  whenMigrated,
} from './readiness.js';
export { prepareDomainDatabase } from './bootstrap.js';
export { loadMigrationConfig, migrateCommand } from './migrate-command.js';
