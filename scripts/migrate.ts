// `npm run migrate`: applies the pending migrations of users, catalog and orders to the
// databases of DATABASE_URL (or MIGRATION_DATABASE_URL / the per-domain URLs), then checks
// each against its schema.prisma. The image runs the same command compiled
// (packages/db/dist/migrate-main.js).
import { migrateCommand } from '@storefront/db';

process.exitCode = await migrateCommand(process.env);
