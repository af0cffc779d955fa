import path from 'node:path';
import { connectClient } from './admin.js';
import { prismaDir } from './paths.js';
import { compareShapes } from './drift-compare.js';
import { databaseShape } from './drift-database.js';
import { declaredShape } from './drift-declared.js';
import { readPrismaSchema } from './prisma-schema.js';
import type { Domain } from './urls.js';

/**
 * Drift between a domain's schema.prisma and its migrated database, the check
 * `prisma migrate diff --from-schema-datamodel ... --to-url ...` would make if its native
 * schema engine could run here. The declared side comes from Prisma's own parser (DMMF);
 * the actual side from the Postgres catalogs.
 *
 * Compared: tables, columns, column types, nullability, defaults the database holds
 * (`autoincrement()`, `now()`, literals, enum values, `dbgenerated()`), enums and their
 * labels, primary keys, unique and plain indexes (columns in order, sort order, method,
 * names), foreign keys (columns, referenced table and columns, ON DELETE / ON UPDATE).
 * Extra tables (except `_prisma_migrations`), columns, indexes, foreign keys and enums in the
 * database are drift too. Not compared: CHECK constraints and views (Prisma does not manage
 * them) and foreign key names (the DMMF does not carry `@relation(map:)`).
 */
export async function schemaDrift(domain: Domain, databaseUrl: string, options: { schemaPath?: string } = {}): Promise<string[]> {
  const schemaPath = options.schemaPath ?? path.join(prismaDir(domain), 'schema.prisma');
  const declared = declaredShape(await readPrismaSchema(schemaPath));
  const dbSchema = new URL(databaseUrl).searchParams.get('schema') ?? 'public';
  const client = await connectClient(databaseUrl);
  try {
    return compareShapes(declared, await databaseShape(client, dbSchema));
  } finally {
    await client.end();
  }
}
