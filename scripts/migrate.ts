// `npm run migrate`: applies the pending migrations of every domain of the service registry to
// the databases of DATABASE_URL (or MIGRATION_DATABASE_URL / the per-domain URLs), then checks
// each against its schema.prisma. It is also the migration job's entry point in the image
// (`SERVICE=migrate`), compiled to scripts/dist/migrate.js by `npm run build`.
import { migrateCommand } from '@storefront/db';
import { DATABASE_DOMAINS } from '@storefront/stack';

process.exitCode = await migrateCommand(process.env, console, DATABASE_DOMAINS);
