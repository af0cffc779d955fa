import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@storefront/testing';
import { schemaDrift } from './drift.js';
import { prismaDir } from './paths.js';
import type { Domain } from './urls.js';

const databases: TestDatabase[] = [];
const tempDirs: string[] = [];

afterEach(async () => {
  await Promise.all(databases.splice(0).map((db) => db.drop()));
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function migratedDatabase(domain: Domain): Promise<TestDatabase> {
  const db = await createTestDatabase(domain);
  databases.push(db);
  return db;
}

async function execute(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

describe('schemaDrift', () => {
  it.each(['users', 'catalog', 'orders'] as const)(
    'finds no drift between prisma/%s/schema.prisma and a database its migrations built',
    async (domain) => {
      const db = await migratedDatabase(domain);
      expect(await schemaDrift(domain, db.url)).toEqual([]);
    },
  );

  it('reports a dropped index, an added column and a changed nullability', async () => {
    const db = await migratedDatabase('catalog');
    await execute(
      db.url,
      `DROP INDEX "products_created_at_id_idx";
       ALTER TABLE "products" ADD COLUMN "legacy_code" TEXT;
       ALTER TABLE "categories" ALTER COLUMN "name" DROP NOT NULL;`,
    );

    const drift = await schemaDrift('catalog', db.url);

    expect(drift).toHaveLength(3);
    expect(drift).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/index "products_created_at_id_idx" on "products"\(created_at, id\) is missing/),
        expect.stringMatching(/column "products"\."legacy_code" \(text\) exists in the database but not in schema\.prisma/),
        expect.stringMatching(/column "categories"\."name" is nullable in the database, .*required/),
      ]),
    );
  });

  it('reports changed types, defaults, enum labels, index order, uniqueness, keys and extra tables', async () => {
    const db = await migratedDatabase('orders');
    await execute(
      db.url,
      `ALTER TYPE "OrderStatus" ADD VALUE 'REFUNDED';
       ALTER TABLE "orders" ALTER COLUMN "currency" TYPE TEXT;
       ALTER TABLE "orders" ALTER COLUMN "status" DROP DEFAULT;
       ALTER TABLE "orders" ALTER COLUMN "number" DROP DEFAULT;
       ALTER TABLE "order_items" ALTER COLUMN "position" SET DEFAULT 1;
       DROP INDEX "orders_buyer_id_placed_at_id_idx";
       CREATE INDEX "orders_buyer_id_placed_at_id_idx" ON "orders"("placed_at", "buyer_id", "id");
       DROP INDEX "orders_buyer_id_idempotency_key_key";
       CREATE INDEX "orders_buyer_id_idempotency_key_key" ON "orders"("buyer_id", "idempotency_key");
       ALTER TABLE "order_items" DROP CONSTRAINT "order_items_order_id_fkey";
       ALTER TABLE "order_items" ADD CONSTRAINT "order_items_order_id_fkey"
         FOREIGN KEY ("order_id") REFERENCES "orders"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
       CREATE TABLE "audit_log" ("id" SERIAL PRIMARY KEY);`,
    );

    const drift = await schemaDrift('orders', db.url);

    const expected = [
      /enum "OrderStatus" has labels \(PENDING, CONFIRMED, CANCELLED, SHIPPED, REFUNDED\) in the database/,
      /column "orders"\."currency" has type text in the database, schema\.prisma declares character\(3\)/,
      /column "orders"\."status" has no default in the database, schema\.prisma declares DEFAULT PENDING/,
      /column "orders"\."number" has no default in the database, schema\.prisma declares an autoincrement/,
      /column "order_items"\."position" has DEFAULT 1 in the database, schema\.prisma declares no default/,
      /^index "orders_buyer_id_placed_at_id_idx" on "orders"\(buyer_id, placed_at, id\) is missing/,
      /^index "orders_buyer_id_placed_at_id_idx" on "orders"\(placed_at, buyer_id, id\) exists in the database but not/,
      /^unique index "orders_buyer_id_idempotency_key_key" on "orders"\(buyer_id, idempotency_key\) is missing/,
      /^index "orders_buyer_id_idempotency_key_key" on "orders"\(buyer_id, idempotency_key\) exists in the database but not/,
      /foreign key "order_items"\(order_id\) → "orders"\(id\) has ON DELETE Restrict in the database, schema\.prisma declares Cascade/,
      /table "audit_log" exists in the database but not in schema\.prisma/,
    ];
    expect(drift).toHaveLength(expected.length);
    expect(drift).toEqual(expect.arrayContaining(expected.map((pattern) => expect.stringMatching(pattern))));
  });

  it('reports missing tables, primary keys, foreign keys and enums, and renamed indexes', async () => {
    const db = await migratedDatabase('users');
    await execute(
      db.url,
      `ALTER TABLE "refresh_sessions" DROP CONSTRAINT "refresh_sessions_user_id_fkey";
       ALTER INDEX "users_email_key" RENAME TO "users_email_unique";
       ALTER TABLE "users" DROP CONSTRAINT "users_pkey";
       ALTER TABLE "users" ALTER COLUMN "role" DROP DEFAULT;
       ALTER TABLE "users" ALTER COLUMN "role" TYPE TEXT;
       ALTER TABLE "users" ALTER COLUMN "role" SET DEFAULT 'CUSTOMER';
       DROP TYPE "Role";`,
    );

    const drift = await schemaDrift('users', db.url);

    const expected = [
      /foreign key "refresh_sessions"\(user_id\) → "users"\(id\) is missing in the database/,
      /unique index "users_email_key" on "users"\(email\) is named "users_email_unique" in the database/,
      /primary key "users_pkey" on "users"\(id\) is missing in the database/,
      /column "users"\."role" has type text in the database, schema\.prisma declares enum Role/,
      /enum "Role" is missing in the database/,
    ];
    expect(drift).toHaveLength(expected.length);
    expect(drift).toEqual(expect.arrayContaining(expected.map((pattern) => expect.stringMatching(pattern))));

    await execute(db.url, 'DROP TABLE "refresh_sessions"');
    expect(await schemaDrift('users', db.url)).toContain('table "refresh_sessions" is missing in the database');
  });

  it('fails when schema.prisma declares something its migrations do not create', async () => {
    const db = await migratedDatabase('catalog');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sf-drift-'));
    tempDirs.push(dir);
    const schema = await readFile(path.join(prismaDir('catalog'), 'schema.prisma'), 'utf8');
    const edited = schema
      .replace(
        '  position  Int       @default(0)\n',
        '  position  Int       @default(0)\n  hidden    Boolean   @default(false)\n',
      )
      .replace('  @@index([productId, position])\n', '  @@index([productId, position])\n  @@unique([productId, url])\n');
    expect(edited).not.toBe(schema);
    const schemaPath = path.join(dir, 'schema.prisma');
    await writeFile(schemaPath, edited);

    expect(await schemaDrift('catalog', db.url, { schemaPath })).toEqual([
      'column "categories"."hidden" is missing in the database',
      'unique index "product_images_product_id_url_key" on "product_images"(product_id, url) is missing in the database',
    ]);
  });

  it("rejects an invalid schema with Prisma's own validation message", async () => {
    const db = await migratedDatabase('users');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sf-drift-'));
    tempDirs.push(dir);
    const schemaPath = path.join(dir, 'schema.prisma');
    await writeFile(
      schemaPath,
      'datasource db {\n  provider = "postgresql"\n}\n\nmodel Broken {\n  id Int @id\n  owner Missing\n}\n',
    );

    await expect(schemaDrift('users', db.url, { schemaPath })).rejects.toThrow(/invalid Prisma schema: .*Missing/s);
  });
});
