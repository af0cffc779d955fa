// The migration job's entry point in the image (`SERVICE=migrate`, or
// `node --conditions=storefront-dist packages/db/dist/migrate-main.js`); `npm run migrate`
// runs the same command from the sources.
import { migrateCommand } from './migrate-command.js';

process.exitCode = await migrateCommand(process.env);
